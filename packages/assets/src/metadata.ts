import type { MetadataChanges, MetadataValue } from '@rendition/catalog';
import { ApiError, longerThan } from '@rendition/protocol';

/**
 * Structured metadata values against field definitions: pure functions over plain data (the Admin
 * API's JSON shapes), so they are tested without a database. Values arrive as the wire sends them
 * (`field=value|set=["a","b"]`, decoded by parseContext into text) or as JSON (a field's
 * default_value); what comes out is what an asset stores: text for string and date fields, a number
 * for integer fields, a datasource external_id for enum and a list of them for set.
 */

export const METADATA_FIELD_TYPES = ['string', 'integer', 'date', 'enum', 'set'] as const;
export type MetadataFieldType = (typeof METADATA_FIELD_TYPES)[number];
// The stored value and the change of an asset's metadata are the catalog's types (one definition each).
export type { MetadataChanges, MetadataValue };

export interface DatasourceEntry {
  external_id: string;
  value: string;
  state: 'active' | 'inactive';
}

export type ValidationRule =
  | { type: 'greater_than' | 'less_than'; value: number | string; equals: boolean }
  | { type: 'strlen'; min?: number; max?: number }
  | { type: 'and'; rules: ValidationRule[] };

/** A field definition as the Admin API shows it. */
export interface MetadataFieldDefinition {
  external_id: string;
  type: MetadataFieldType;
  label: string;
  mandatory: boolean;
  default_value: MetadataValue | null;
  validation: ValidationRule | null;
  datasource: { values: DatasourceEntry[] } | null;
  /** enum and set: a value naming no datasource entry becomes a new entry (see pendingListValues) instead of a refusal. */
  allow_dynamic_list_values: boolean;
}

export type Checked = { ok: true; value: MetadataValue } | { ok: false; reason: string };

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INTEGER = /^\s*[-+]?\d+\s*$/;

export function isMetadataFieldType(value: unknown): value is MetadataFieldType {
  return typeof value === 'string' && (METADATA_FIELD_TYPES as readonly string[]).includes(value);
}

/** `YYYY-MM-DD` naming a real calendar day. */
export function isIsoDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * The active entry `item` names: by external_id, and on a field with dynamic list values also by
 * value (how such a field's new values are given, so the same text names the same entry again).
 */
function activeEntryId(field: MetadataFieldDefinition, item: string): string | undefined {
  const active = (field.datasource?.values ?? []).filter((entry) => entry.state !== 'inactive');
  const byId = active.find((entry) => entry.external_id === item);
  if (byId) return byId.external_id;
  return field.allow_dynamic_list_values ? active.find((entry) => entry.value === item)?.external_id : undefined;
}

/** A set's value: a JSON list (`["a","b"]`, as the SDK encodes arrays), or one bare id. */
function listOf(raw: unknown): string[] | undefined {
  if (Array.isArray(raw)) return raw.every((item) => typeof item === 'string') ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (!text.startsWith('[')) return [text];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const shown = (raw: unknown): string => (typeof raw === 'string' ? `'${raw}'` : JSON.stringify(raw));

/** The typed value of `raw` for `field`, before its validation rule. */
export function coerceMetadataValue(field: MetadataFieldDefinition, raw: unknown): Checked {
  switch (field.type) {
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' && Number.isFinite(raw)) return { ok: true, value: String(raw) };
      return { ok: false, reason: `${shown(raw)} is not a string` };
    case 'integer': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && INTEGER.test(raw) ? Number(raw.trim()) : NaN;
      if (Number.isSafeInteger(value)) return { ok: true, value };
      return { ok: false, reason: `${shown(raw)} is not an integer` };
    }
    case 'date': {
      const text = typeof raw === 'string' ? raw.trim() : '';
      if (isIsoDate(text)) return { ok: true, value: text };
      return { ok: false, reason: `${shown(raw)} is not a date in YYYY-MM-DD format` };
    }
    case 'enum': {
      const id = typeof raw === 'string' ? activeEntryId(field, raw.trim()) : undefined;
      if (id !== undefined) return { ok: true, value: id };
      return { ok: false, reason: `${shown(raw)} is not an external_id of the field's datasource` };
    }
    case 'set': {
      const list = listOf(raw);
      if (list === undefined) return { ok: false, reason: `${shown(raw)} is not a list of datasource external_ids` };
      const ids: string[] = [];
      for (const item of list) {
        const id = activeEntryId(field, item);
        if (id === undefined) return { ok: false, reason: `'${item}' is not an external_id of the field's datasource` };
        ids.push(id);
      }
      return { ok: true, value: [...new Set(ids)] };
    }
  }
}

function describeRule(rule: ValidationRule): string {
  switch (rule.type) {
    case 'greater_than':
      return `greater than ${rule.equals ? 'or equal to ' : ''}${rule.value}`;
    case 'less_than':
      return `less than ${rule.equals ? 'or equal to ' : ''}${rule.value}`;
    case 'strlen':
      return `between ${rule.min ?? 0} and ${rule.max ?? 'any number of'} characters long`;
    case 'and':
      return rule.rules.map(describeRule).join(' and ');
  }
}

function compare(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

/** Whether a typed value passes a validation rule (dates compare as `YYYY-MM-DD` text, which orders them). */
export function passesValidation(rule: ValidationRule, value: MetadataValue): boolean {
  switch (rule.type) {
    case 'greater_than':
    case 'less_than': {
      if (Array.isArray(value)) return false;
      const order = compare(value, typeof value === 'number' ? Number(rule.value) : String(rule.value));
      if (order === 0) return rule.equals;
      return rule.type === 'greater_than' ? order > 0 : order < 0;
    }
    case 'strlen': {
      if (typeof value !== 'string') return false;
      const length = [...value].length;
      return (rule.min === undefined || length >= rule.min) && (rule.max === undefined || length <= rule.max);
    }
    case 'and':
      return rule.rules.every((inner) => passesValidation(inner, value));
  }
}

/** Coercion, then the field's validation rule. */
export function checkMetadataValue(field: MetadataFieldDefinition, raw: unknown): Checked {
  const coerced = coerceMetadataValue(field, raw);
  if (!coerced.ok || field.validation === null) return coerced;
  if (passesValidation(field.validation, coerced.value)) return coerced;
  return { ok: false, reason: `${shown(coerced.value)} must be ${describeRule(field.validation)}` };
}

/** An empty value clears a field: `f=`, and an empty list for a set. */
function isEmptyValue(raw: string): boolean {
  const text = raw.trim();
  return text === '' || /^\[\s*\]$/.test(text);
}

export function invalidMetadata(externalId: string, reason: string): ApiError {
  return new ApiError(400, `Metadata field ${externalId}: ${reason}`);
}

export interface ResolveMetadataOptions {
  /**
   * `upload`: the values of a new asset version. `update`: explicit, update_metadata. `preset`: the
   * values an upload preset stores, checked as an upload checks them, without defaults and without
   * requiring mandatory fields (the upload's own parameters may still give them).
   */
  mode: 'upload' | 'update' | 'preset';
  clearInvalid: boolean;
  /**
   * Longest value of a string field, in characters (METADATA_MAX_VALUE_LENGTH). A longer value is a
   * 400 naming the limit even with `clearInvalid`: it is a bound on the request, not a validation rule.
   */
  maxValueLength?: number;
}

/**
 * Applies a `metadata` parameter (already split into external_id → text) to a cloud's fields.
 * `upload`: the values of a new asset version; fields left out take their default_value, and a
 * mandatory field without value or default is refused. `update` (explicit, update_metadata): only
 * the fields given change; an empty value clears one (not a mandatory one). An unknown field or an
 * invalid value is a 400 naming the field, unless `clearInvalid`: then it is dropped on upload and
 * cleared from the asset on update.
 */
export function resolveMetadata(
  fields: readonly MetadataFieldDefinition[],
  given: Readonly<Record<string, string>>,
  options: ResolveMetadataOptions,
): MetadataChanges {
  const byId = new Map(fields.map((field) => [field.external_id, field]));
  const set: Record<string, MetadataValue> = {};
  const clear = new Set<string>();
  for (const [externalId, raw] of Object.entries(given)) {
    const field = byId.get(externalId);
    if (!field) {
      if (options.clearInvalid) continue;
      throw invalidMetadata(externalId, 'no such metadata field');
    }
    if (field.type === 'string' && options.maxValueLength !== undefined && longerThan(raw, options.maxValueLength)) {
      throw invalidMetadata(externalId, `the value is longer than ${options.maxValueLength} characters`);
    }
    if (isEmptyValue(raw)) {
      if (options.mode !== 'update') continue;
      if (field.mandatory) {
        if (options.clearInvalid) continue;
        throw invalidMetadata(externalId, 'the field is mandatory and cannot be cleared');
      }
      clear.add(externalId);
      continue;
    }
    const checked = checkMetadataValue(field, raw);
    if (checked.ok) {
      set[externalId] = checked.value;
    } else if (!options.clearInvalid) {
      throw invalidMetadata(externalId, checked.reason);
    } else if (options.mode === 'update' && !field.mandatory) {
      clear.add(externalId);
    }
  }
  if (options.mode === 'upload') {
    for (const field of fields) {
      if (field.external_id in set) continue;
      if (field.default_value !== null) {
        set[field.external_id] = field.default_value;
      } else if (field.mandatory) {
        throw invalidMetadata(field.external_id, 'the field is mandatory and has no value');
      }
    }
  }
  return { set, clear: [...clear] };
}

/** Most entries one datasource holds (Cloudinary's documented limit); dynamic values stop there. */
export const MAX_DATASOURCE_VALUES = 3000;

/**
 * The values of `given` that name no entry of their field (by external_id or value, active or not),
 * for the fields with dynamic list values: the entries to add before the values are typed. Unknown
 * fields, empty values and unreadable lists are left for resolveMetadata to judge. A new value longer
 * than `maxValueLength` is a 400 as a string value is; a datasource that is full refuses new values
 * (with `clearInvalid`, the value is left to be dropped as invalid).
 */
export function pendingListValues(
  fields: readonly MetadataFieldDefinition[],
  given: Readonly<Record<string, string>>,
  options: ResolveMetadataOptions,
): Map<string, string[]> {
  const byId = new Map(fields.map((field) => [field.external_id, field]));
  const pending = new Map<string, string[]>();
  for (const [externalId, raw] of Object.entries(given)) {
    const field = byId.get(externalId);
    if (!field?.allow_dynamic_list_values || (field.type !== 'enum' && field.type !== 'set') || isEmptyValue(raw)) continue;
    const entries = field.datasource?.values ?? [];
    const known = new Set(entries.flatMap((entry) => [entry.external_id, entry.value]));
    const items = field.type === 'enum' ? [raw.trim()] : (listOf(raw) ?? []);
    const fresh = [...new Set(items.filter((item) => item.trim() !== '' && !known.has(item)))];
    if (fresh.length === 0) continue;
    const { maxValueLength } = options;
    if (maxValueLength !== undefined && fresh.some((item) => longerThan(item, maxValueLength))) {
      throw invalidMetadata(externalId, `the new list value is longer than ${maxValueLength} characters`);
    }
    if (entries.length + fresh.length > MAX_DATASOURCE_VALUES) {
      if (options.clearInvalid) continue;
      throw invalidMetadata(externalId, `the datasource cannot take more than ${MAX_DATASOURCE_VALUES} values`);
    }
    pending.set(externalId, fresh);
  }
  return pending;
}

/** `fields` with the pending values appended to their datasources as active entries; `additions` are those entries, by field. */
export function withListValues(
  fields: readonly MetadataFieldDefinition[],
  pending: ReadonlyMap<string, readonly string[]>,
  newId: () => string,
): { fields: MetadataFieldDefinition[]; additions: Record<string, DatasourceEntry[]> } {
  const additions: Record<string, DatasourceEntry[]> = {};
  const extended = fields.map((field) => {
    const values = pending.get(field.external_id);
    if (!values) return field;
    const added = values.map((value): DatasourceEntry => ({ external_id: newId(), value, state: 'active' }));
    additions[field.external_id] = added;
    return { ...field, datasource: { values: [...(field.datasource?.values ?? []), ...added] } };
  });
  return { fields: extended, additions };
}

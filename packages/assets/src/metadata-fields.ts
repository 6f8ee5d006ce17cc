import { randomBytes } from 'node:crypto';
import {
  appendDatasourceEntries,
  deleteMetadataField,
  findMetadataField,
  insertMetadataField,
  listMetadataFields,
  updateAssetsMetadata,
  updateMetadataField,
  type CatalogDb,
  type MetadataFieldRecord,
} from '@rendition/catalog';
import { ApiError, missingParameter, parseContext, readBoolean, readString } from '@rendition/protocol';
import {
  checkMetadataValue,
  isIsoDate,
  isMetadataFieldType,
  pendingListValues,
  resolveMetadata,
  withListValues,
  type DatasourceEntry,
  type MetadataChanges,
  type ResolveMetadataOptions,
  type MetadataFieldDefinition,
  type MetadataFieldType,
  type ValidationRule,
} from './metadata.ts';
import type { ManagementDependencies, ManagementRequest } from './management-dependencies.ts';
import { readScopedPublicIds } from './bulk-params.ts';

/**
 * The Admin API's `metadata_fields` (SDK: list_metadata_fields, metadata_field_by_field_id,
 * add_metadata_field, update_metadata_field, delete_metadata_field, update_metadata_field_datasource,
 * delete_datasource_entries, restore_metadata_field_datasource), the Upload API's `metadata` command
 * (update_metadata), and the lookup that upload and explicit use to type a `metadata` parameter (which
 * also adds the new values of fields with `allow_dynamic_list_values`). Bodies are the SDK's JSON
 * objects, taken as they were sent. The order calls (order_metadata_field_datasource,
 * reorder_metadata_fields) are the catalog's statements, composed in the routes.
 */

type Json = Record<string, unknown>;

const EXTERNAL_ID = /^[^\s/\\|=?#]{1,255}$/;

function bad(message: string): ApiError {
  return new ApiError(400, message);
}

function notFound(externalId: string): ApiError {
  return new ApiError(404, `Cannot find metadata field with external id ${externalId}`);
}

/** A stored record as the plain definition the validation works on. */
export function definitionOf(record: MetadataFieldRecord): MetadataFieldDefinition {
  return {
    external_id: record.externalId,
    type: record.type as MetadataFieldType,
    label: record.label,
    mandatory: record.mandatory,
    default_value: (record.defaultValue ?? null) as MetadataFieldDefinition['default_value'],
    validation: (record.validation ?? null) as ValidationRule | null,
    datasource: (record.datasource ?? null) as MetadataFieldDefinition['datasource'],
    allow_dynamic_list_values: record.allowDynamicListValues,
  };
}

/**
 * The field JSON of the Admin API; enum and set fields carry their datasource (every entry, with its
 * state). `allow_dynamic_list_values` comes last on every type, as Cloudinary's field JSON has it.
 */
export function fieldJson(field: MetadataFieldDefinition): Json {
  const json: Json = {
    type: field.type,
    external_id: field.external_id,
    label: field.label,
    mandatory: field.mandatory,
    default_value: field.default_value,
    validation: field.validation,
  };
  if (field.type === 'enum' || field.type === 'set') json.datasource = { values: field.datasource?.values ?? [] };
  json.allow_dynamic_list_values = field.allow_dynamic_list_values;
  return json;
}

function generatedId(): string {
  return randomBytes(8).toString('hex');
}

function readValidation(raw: unknown, type: MetadataFieldType, depth = 0): ValidationRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('validation is invalid: expected an object');
  const rule = raw as Json;
  switch (rule.type) {
    case 'greater_than':
    case 'less_than': {
      if (type !== 'integer' && type !== 'date') throw bad(`validation is invalid: ${rule.type} applies to integer and date fields`);
      const value = rule.value;
      const fits = type === 'integer' ? typeof value === 'number' && Number.isSafeInteger(value) : typeof value === 'string' && isIsoDate(value);
      if (!fits)
        throw bad(`validation is invalid: ${rule.type} needs a value that is ${type === 'integer' ? 'an integer' : 'a date in YYYY-MM-DD format'}`);
      if (rule.equals !== undefined && typeof rule.equals !== 'boolean') throw bad('validation is invalid: equals must be a boolean');
      return { type: rule.type, value: value as number | string, equals: rule.equals === true };
    }
    case 'strlen': {
      if (type !== 'string') throw bad('validation is invalid: strlen applies to string fields');
      const out: ValidationRule = { type: 'strlen' };
      for (const bound of ['min', 'max'] as const) {
        const value = rule[bound];
        if (value === undefined || value === null) continue;
        if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
          throw bad(`validation is invalid: strlen ${bound} must be a non-negative integer`);
        out[bound] = value;
      }
      if (out.min === undefined && out.max === undefined) throw bad('validation is invalid: strlen needs min or max');
      if (out.min !== undefined && out.max !== undefined && out.min > out.max) throw bad('validation is invalid: strlen min is greater than max');
      return out;
    }
    case 'and': {
      if (depth > 3 || !Array.isArray(rule.rules) || rule.rules.length === 0) throw bad('validation is invalid: and needs a list of rules');
      return { type: 'and', rules: rule.rules.map((inner) => readValidation(inner, type, depth + 1)) };
    }
    default:
      throw bad(`validation is invalid: unknown type ${JSON.stringify(rule.type)}; expected greater_than, less_than, strlen or and`);
  }
}

/**
 * Merges datasource entries into `current`: an entry whose external_id is known replaces that
 * entry's value (and state, when given); others are appended, with a generated external_id when
 * they have none. Values must be non-empty text.
 */
export function mergeDatasource(current: readonly DatasourceEntry[], raw: unknown): DatasourceEntry[] {
  const values = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Json).values : undefined;
  if (!Array.isArray(values)) throw bad('datasource is invalid: expected {"values": [{"external_id", "value"}...]}');
  const merged = current.map((entry) => ({ ...entry }));
  for (const item of values) {
    if (typeof item !== 'object' || item === null) throw bad('datasource is invalid: each value is an object with value and external_id');
    const { external_id: externalId, value, state } = item as Json;
    if (typeof value !== 'string' || value.trim() === '') throw bad('datasource is invalid: each entry needs a non-empty value');
    if (externalId !== undefined && (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId))) {
      throw bad(`datasource is invalid: bad external_id ${JSON.stringify(externalId)}`);
    }
    if (state !== undefined && state !== 'active' && state !== 'inactive') throw bad('datasource is invalid: state is active or inactive');
    const existing = externalId === undefined ? undefined : merged.find((entry) => entry.external_id === externalId);
    if (existing) {
      existing.value = value;
      if (state !== undefined) existing.state = state;
    } else {
      merged.push({ external_id: externalId ?? generatedId(), value, state: state ?? 'active' });
    }
  }
  return merged;
}

function checkDefault(field: MetadataFieldDefinition): void {
  if (field.default_value === null) return;
  const checked = checkMetadataValue(field, field.default_value);
  if (!checked.ok) throw bad(`default_value is invalid: ${checked.reason}`);
  field.default_value = checked.value;
}

/**
 * A definition from a create body, or from an update body over the current definition (partial:
 * external_id and type never change). The default value must pass the field's own rules.
 */
export function readFieldDefinition(body: Json, current?: MetadataFieldDefinition): MetadataFieldDefinition {
  let externalId: string;
  let type: MetadataFieldType;
  if (current) {
    externalId = current.external_id;
    type = current.type;
  } else {
    const givenId = body.external_id;
    if (givenId !== undefined && (typeof givenId !== 'string' || !EXTERNAL_ID.test(givenId))) {
      throw bad(`external_id is invalid: ${JSON.stringify(givenId)}`);
    }
    externalId = givenId ?? generatedId();
    if (body.type === undefined) throw bad(missingParameter('type'));
    if (!isMetadataFieldType(body.type)) throw bad(`type is invalid: ${JSON.stringify(body.type)}; expected string, integer, date, enum or set`);
    type = body.type;
  }

  const label = body.label ?? current?.label;
  if (label === undefined) throw bad(missingParameter('label'));
  if (typeof label !== 'string' || label.trim() === '') throw bad('label is invalid: expected non-empty text');

  const mandatory = body.mandatory ?? current?.mandatory ?? false;
  if (typeof mandatory !== 'boolean') throw bad('mandatory is invalid: expected true or false');
  // Taken on every type, as Cloudinary takes it; only enum and set fields have lists to extend.
  const dynamic = body.allow_dynamic_list_values ?? current?.allow_dynamic_list_values ?? false;
  if (typeof dynamic !== 'boolean') throw bad('allow_dynamic_list_values is invalid: expected true or false');

  const listType = type === 'enum' || type === 'set';
  let validation = current?.validation ?? null;
  if (body.validation !== undefined) {
    validation = body.validation === null ? null : readValidation(body.validation, type);
  }
  if (validation !== null && listType) throw bad(`validation is invalid: ${type} fields take no validation`);

  let datasource = current?.datasource ?? null;
  if (listType) {
    if (body.datasource !== undefined) datasource = { values: mergeDatasource(datasource?.values ?? [], body.datasource) };
    if (!datasource || datasource.values.length === 0) throw bad(`datasource is required for ${type} fields`);
    const ids = datasource.values.map((entry) => entry.external_id);
    if (new Set(ids).size !== ids.length) throw bad('datasource is invalid: external_ids must be unique');
  } else {
    datasource = null;
  }

  const defaultValue = body.default_value === undefined ? (current?.default_value ?? null) : body.default_value;
  const field: MetadataFieldDefinition = {
    external_id: externalId,
    type,
    label,
    mandatory,
    default_value: defaultValue as MetadataFieldDefinition['default_value'],
    validation,
    datasource,
    allow_dynamic_list_values: dynamic,
  };
  checkDefault(field);
  return field;
}

function toRecordInput(cloudName: string, field: MetadataFieldDefinition) {
  return {
    cloudName,
    externalId: field.external_id,
    type: field.type,
    label: field.label,
    mandatory: field.mandatory,
    defaultValue: field.default_value,
    validation: field.validation,
    datasource: field.datasource,
    allowDynamicListValues: field.allow_dynamic_list_values,
  };
}

async function currentField(db: CatalogDb, cloudName: string, externalId: string): Promise<MetadataFieldDefinition> {
  const record = await findMetadataField(db, cloudName, externalId);
  if (!record) throw notFound(externalId);
  return definitionOf(record);
}

/** `GET metadata_fields`. */
export async function listMetadataFieldsCommand(db: CatalogDb, cloudName: string): Promise<Json> {
  const records = await listMetadataFields(db, cloudName);
  return { metadata_fields: records.map((record) => fieldJson(definitionOf(record))) };
}

/** `GET metadata_fields/:external_id`. */
export async function describeMetadataField(db: CatalogDb, cloudName: string, externalId: string): Promise<Json> {
  return fieldJson(await currentField(db, cloudName, externalId));
}

/** `POST metadata_fields`. */
export async function createMetadataField(db: CatalogDb, cloudName: string, body: Json): Promise<Json> {
  const field = readFieldDefinition(body);
  const outcome = await insertMetadataField(db, toRecordInput(cloudName, field));
  if (outcome.kind === 'exists') throw bad(`A field with external id ${field.external_id} already exists`);
  return fieldJson(definitionOf(outcome.field));
}

/** `PUT metadata_fields/:external_id`: a partial update; external_id and type stay. */
export async function changeMetadataField(db: CatalogDb, cloudName: string, externalId: string, body: Json): Promise<Json> {
  const current = await currentField(db, cloudName, externalId);
  const field = readFieldDefinition(body, current);
  const updated = await updateMetadataField(db, toRecordInput(cloudName, field));
  if (!updated) throw notFound(externalId);
  return fieldJson(definitionOf(updated));
}

/** `DELETE metadata_fields/:external_id`: `{"message": "ok"}`; the field's values leave every asset. */
export async function removeMetadataField(db: CatalogDb, cloudName: string, externalId: string): Promise<Json> {
  if (!(await deleteMetadataField(db, cloudName, externalId))) throw notFound(externalId);
  return { message: 'ok' };
}

/** The datasource answer of the datasource calls: the active entries. */
function datasourceJson(field: MetadataFieldDefinition): Json {
  return { values: (field.datasource?.values ?? []).filter((entry) => entry.state === 'active') };
}

async function listField(db: CatalogDb, cloudName: string, externalId: string): Promise<MetadataFieldDefinition> {
  const field = await currentField(db, cloudName, externalId);
  if (field.type !== 'enum' && field.type !== 'set') throw bad(`Metadata field ${externalId} is a ${field.type} field and has no datasource`);
  return field;
}

async function saveDatasource(db: CatalogDb, cloudName: string, field: MetadataFieldDefinition, values: DatasourceEntry[]): Promise<Json> {
  const next = { ...field, datasource: { values } };
  // A default that names an entry no longer active stops being a valid default.
  if (next.default_value !== null && !checkMetadataValue(next, next.default_value).ok) {
    throw bad(`default_value is invalid: it would name a datasource entry that is not active`);
  }
  const updated = await updateMetadataField(db, toRecordInput(cloudName, next));
  if (!updated) throw notFound(field.external_id);
  return datasourceJson(definitionOf(updated));
}

/** `PUT metadata_fields/:external_id/datasource` with `{values: [...]}`: entries updated by external_id, new ones appended. */
export async function updateDatasourceCommand(db: CatalogDb, cloudName: string, externalId: string, body: Json): Promise<Json> {
  const field = await listField(db, cloudName, externalId);
  return saveDatasource(db, cloudName, field, mergeDatasource(field.datasource?.values ?? [], body));
}

function readEntryIds(body: Json): string[] {
  const ids = body.external_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) throw bad(missingParameter('external_ids'));
  return ids;
}

/** `DELETE metadata_fields/:external_id/datasource` (`external_ids`) sets entries inactive; `POST …/datasource_restore` back to active. */
export async function setDatasourceEntriesState(
  db: CatalogDb,
  cloudName: string,
  externalId: string,
  body: Json,
  state: 'active' | 'inactive',
): Promise<Json> {
  const field = await listField(db, cloudName, externalId);
  const ids = new Set(readEntryIds(body));
  const values = (field.datasource?.values ?? []).map((entry) => (ids.has(entry.external_id) ? { ...entry, state } : entry));
  return saveDatasource(db, cloudName, field, values);
}

/**
 * Types a `metadata` parameter against the cloud's live fields (see resolveMetadata). Values of fields
 * with dynamic list values that name no entry become entries first: the request is typed once with
 * them in place (so a request refused for any reason adds nothing), the entries of the values it
 * keeps are stored, and it is typed again against the stored lists, where a concurrent request may
 * already have added the same value under another external_id. A preset only validates: its values
 * are added when an upload uses it.
 */
export async function resolveCloudMetadata(
  db: CatalogDb,
  cloudName: string,
  given: Readonly<Record<string, string>>,
  options: ResolveMetadataOptions,
): Promise<MetadataChanges> {
  const records = await listMetadataFields(db, cloudName);
  if (records.length === 0 && Object.keys(given).length === 0) return { set: {}, clear: [] };
  const fields = records.map(definitionOf);
  const pending = pendingListValues(fields, given, options);
  if (pending.size === 0) return resolveMetadata(fields, given, options);
  const provisional = withListValues(fields, pending, generatedId);
  const changes = resolveMetadata(provisional.fields, given, options);
  const kept = Object.entries(provisional.additions).filter(([externalId]) => externalId in changes.set);
  if (options.mode === 'preset' || kept.length === 0) return changes;
  const stored = new Map((await appendDatasourceEntries(db, cloudName, Object.fromEntries(kept))).map((record) => [record.externalId, record]));
  return resolveMetadata(
    fields.map((field) => {
      const record = stored.get(field.external_id);
      return record ? definitionOf(record) : field;
    }),
    given,
    options,
  );
}

/**
 * `POST /:resource_type/metadata` (update_metadata): `metadata`, `public_ids[]`, `type`,
 * `clear_invalid`. The same change lands on every listed asset in one statement; answers
 * `{"public_ids": [...]}` with the ids that exist.
 */
export async function updateMetadataCommand(deps: ManagementDependencies, request: ManagementRequest): Promise<{ public_ids: string[] }> {
  const { params } = request;
  const encoded = readString(params, 'metadata');
  if (encoded === undefined || encoded.trim() === '') throw bad(missingParameter('metadata'));
  const { scope, publicIds } = readScopedPublicIds(request);
  const changes = await resolveCloudMetadata(deps.db, request.cloudName, parseContext(encoded), {
    mode: 'update',
    clearInvalid: readBoolean(params, 'clear_invalid', false),
    maxValueLength: deps.limits.parameters.metadataMaxValueLength,
  });
  const updated = await updateAssetsMetadata(deps.db, {
    scope,
    publicIds,
    changes,
  });
  return { public_ids: updated };
}

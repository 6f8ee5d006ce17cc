import {
  decodeListCursor,
  encodeListCursor,
  MAX_LIST_RESULTS,
  type AssetListKey,
  type CreatedAtListKey,
  type DerivedListKey,
  type ListDirection,
  type ListOrder,
} from '@rendition/catalog';
import { ApiError, invalidParameter, MAX_ADMIN_PUBLIC_IDS, quoteValue, readList, readString, type RawParams } from '@rendition/protocol';

/** The Admin API's listing parameters, read and checked: every bad value is a 400 naming its parameter. */

export const DEFAULT_MAX_RESULTS = 10;

export function maxResultsParameter(params: RawParams): number {
  const text = readString(params, 'max_results');
  if (text === undefined) return DEFAULT_MAX_RESULTS;
  const value = Number(text.trim());
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > MAX_LIST_RESULTS) {
    throw invalidParameter('max_results', text, `expected an integer from 1 to ${MAX_LIST_RESULTS}`);
  }
  return value;
}

/** Cloudinary's `direction`: `asc`/`desc` or `1`/`-1`; newest first when absent. */
export function directionParameter(params: RawParams): ListDirection {
  const text = readString(params, 'direction');
  if (text === undefined) return 'desc';
  switch (text.trim().toLowerCase()) {
    case 'asc':
    case '1':
      return 'asc';
    case 'desc':
    case '-1':
      return 'desc';
    default:
      throw invalidParameter('direction', text, 'expected asc, desc, 1 or -1');
  }
}

// ISO 8601 (a date, or a date and time with an optional fraction and zone) and the HTTP date form the
// SDK sends for a Date (`toUTCString()`). Anything else Date.parse would guess at is refused.
const ISO_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** JavaScript's `Date#toString()`, which the Node SDK sends for a Date (its own spec does): `Mon Nov 30 2026 02:55:00 GMT+0000 (…)`. */
const JS_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}(?: \([^()]{1,80}\))?$/;

/** `start_at`: assets created at or after it. A timestamp without a zone is UTC, whatever the server's zone. */
export function startAtParameter(params: RawParams): Date | undefined {
  const text = readString(params, 'start_at');
  if (text === undefined) return undefined;
  const trimmed = text.trim().toUpperCase();
  const iso = ISO_TIMESTAMP.exec(trimmed);
  let time = Number.NaN;
  if (iso) {
    const [, date = '', clock, zone] = iso;
    if (isCalendarDate(date)) time = Date.parse(`${date}T${clock ?? '00:00'}${zone ?? 'Z'}`);
  } else if (HTTP_DATE.test(text.trim()) || JS_DATE.test(text.trim())) {
    time = Date.parse(text.trim());
  }
  if (Number.isNaN(time)) throw invalidParameter('start_at', text, 'expected an ISO 8601 timestamp (e.g. 2024-05-01T12:00:00Z)');
  return new Date(time);
}

/**
 * `fields=a,b` as a list. The Node SDK sends an array as the same name repeated (`fields=a&fields=b`),
 * which the route keeps as a list; each item may itself be a comma list, as other SDKs join them.
 */
export function fieldsParameter(params: RawParams): string[] {
  const value = params.fields;
  if (value === undefined) return [];
  const items = (Array.isArray(value) ? value : [value]).flatMap((item) => item.split(','));
  return [...new Set(items.map((item) => item.trim()).filter((item) => item !== ''))];
}

/** A list of ids (`public_ids[]`, `asset_ids[]`): at least one, at most MAX_ADMIN_PUBLIC_IDS. */
export function idsParameter(params: RawParams, name: string): string[] {
  const value = params[name];
  // The SDK sends `name[]` (items may hold commas); a plain `name=a,b` is a comma list.
  const ids = (Array.isArray(value) ? value : readList(params, name)).filter((id) => id !== '');
  if (ids.length === 0) throw new ApiError(400, `Missing required parameter - ${name}`);
  if (ids.length > MAX_ADMIN_PUBLIC_IDS) {
    throw new ApiError(400, `Too many ${name}: at most ${MAX_ADMIN_PUBLIC_IDS} in one request (got ${ids.length})`);
  }
  return ids;
}

export function requiredParameter(params: RawParams, name: string): string {
  const value = readString(params, name);
  if (value === undefined) throw new ApiError(400, `Missing required parameter - ${name}`);
  return value;
}

/** A path segment or parameter that reaches SQL: text PostgreSQL can store (no NUL, well-formed). */
export function checkedText(name: string, value: string): string {
  if (value.includes('\u0000') || !value.isWellFormed()) throw new ApiError(400, `Invalid value for ${quoteValue(name)}: not storable text`);
  return value;
}

/**
 * A listing's `next_cursor`. A public_id key keeps the two-part form cursors had before creation-time
 * order existed (so those stay valid for prefix listings); a creation-time key has a third, leading
 * part. A cursor of the other order is refused: it does not belong to this listing.
 */
export function encodeAssetCursor(key: AssetListKey | CreatedAtListKey): string {
  return 'createdAt' in key ? encodeListCursor(['t', key.createdAt, key.assetId]) : encodeListCursor([key.publicId, key.assetId]);
}

export function assetCursorParameter(params: RawParams, order: ListOrder): AssetListKey | CreatedAtListKey | undefined {
  const cursor = readString(params, 'next_cursor');
  if (cursor === undefined) return undefined;
  if (order === 'public_id') {
    const parts = storableParts(decodeListCursor(cursor, 2));
    if (!parts) throw invalidCursor('next_cursor', cursor);
    const [publicId = '', assetId = ''] = parts;
    return { publicId, assetId };
  }
  const parts = storableParts(decodeListCursor(cursor, 3));
  const [tag, createdAt = '', assetId = ''] = parts ?? [];
  if (tag !== 't' || !isPostgresTimestamp(createdAt)) throw invalidCursor('next_cursor', cursor);
  return { createdAt, assetId };
}

export function encodeDerivedCursor(key: DerivedListKey): string {
  return encodeListCursor([key.transformationHash, key.format]);
}

/**
 * `derived_next_cursor`. One this API did not issue lists the derivatives from the start: the SDK's
 * own spec sends `aaa` to a real cloud and expects the resource, not an error (compatibility.md,
 * "Admin API reads").
 */
export function derivedCursorParameter(params: RawParams): DerivedListKey | undefined {
  const cursor = readString(params, 'derived_next_cursor');
  if (cursor === undefined) return undefined;
  const parts = storableParts(decodeListCursor(cursor, 2));
  if (!parts) return undefined;
  const [transformationHash = '', format = ''] = parts;
  return { transformationHash, format };
}

// A cursor is client input: a part PostgreSQL cannot take as text would be a 500, not a 400.
function storableParts(parts: string[] | undefined): string[] | undefined {
  return parts?.every((part) => !part.includes('\u0000') && part.isWellFormed()) ? parts : undefined;
}

// Date.parse rolls 2024-02-30 over to March: a day that does not exist is a typo, not a date.
function isCalendarDate(date: string): boolean {
  const time = Date.parse(`${date}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === date;
}

// What asset-queries' key text looks like; checked by round trip, because PostgreSQL refuses a day
// that does not exist where Date.parse rolls it over.
function isPostgresTimestamp(text: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d{6}Z$/.exec(text);
  if (!match) return false;
  const time = Date.parse(`${match[1]}Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === match[1];
}

function invalidCursor(name: string, cursor: string): ApiError {
  return invalidParameter(name, cursor, 'not a cursor this API returned for this listing');
}

/**
 * The one-part key a `next_cursor` of the folder and tag listings carries (the last name of the page
 * before); undefined when none was sent, a 400 when the text is not a cursor this API made.
 */
export function nameCursorParameter(params: RawParams): string | undefined {
  const cursor = readString(params, 'next_cursor');
  if (cursor === undefined) return undefined;
  const parts = decodeListCursor(cursor, 1);
  if (!parts?.[0]) throw invalidParameter('next_cursor', cursor, 'not a cursor this API returned');
  return parts[0];
}

export function encodeNameCursor(name: string): string {
  return encodeListCursor([name]);
}

import { ApiError } from './api-error.ts';
import { encodeContext } from './context.ts';

/**
 * Request parameters as they arrived, before any typing: a value is a string, or a list when the
 * client sent the `name[]` form (the SDKs send arrays as repeated `name[]` parts). Signatures are
 * computed over this shape, so nothing here may trim, lowercase or drop what the client signed.
 */
export type RawParams = Record<string, string | string[]>;

/** A null-prototype record, so a field named `__proto__` or `constructor` is just a field. */
function emptyParams(): RawParams {
  return Object.create(null) as RawParams;
}

/**
 * Folds multipart/urlencoded fields, in arrival order, into RawParams. `x[]` fields accumulate under
 * `x`; a plain `x` repeated keeps its last value (what Rails-style parsers, and so Cloudinary, do).
 */
export function normalizeParams(fields: Array<[name: string, value: string]>): RawParams {
  const params = emptyParams();
  for (const [name, value] of fields) {
    assertStorableText(name, value);
    if (name.endsWith('[]')) {
      const key = name.slice(0, -2);
      const current = params[key];
      if (Array.isArray(current)) current.push(value);
      else params[key] = [value];
    } else {
      params[name] = value;
    }
  }
  return params;
}

/** Keys whose object values the SDK encodes as `k=v|k2=v2` rather than JSON. */
const CONTEXT_ENCODED = new Set(['context', 'metadata']);

function scalarToString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/**
 * Deepest nesting a structured JSON parameter may have (access_control, responsive_breakpoints,
 * context objects: a few levels in practice). Deeper values would overflow the stack of the
 * recursive JSON.stringify below: a 500 for a client's input.
 */
export const MAX_JSON_PARAM_DEPTH = 32;

/** Whether a parsed JSON value nests objects/arrays more than `max` levels, measured without recursion. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [current, depth] = entry;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Turns a JSON request body into RawParams so JSON and form requests share one parser downstream.
 * Nulls are dropped like the SDK drops them; lists of scalars stay lists; `context`/`metadata`
 * objects get the SDK's pipe encoding; any other structured value becomes its JSON text, which is
 * the form the SDK sends those parameters in (access_control, responsive_breakpoints, regions...).
 */
export function fromJsonBody(body: unknown): RawParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'Invalid JSON body: expected an object');
  }
  const params = emptyParams();
  for (const [key, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    if (nestedDeeperThan(value, MAX_JSON_PARAM_DEPTH)) {
      throw new ApiError(400, `Invalid JSON body: parameter ${quoteValue(key)} is nested deeper than ${MAX_JSON_PARAM_DEPTH} levels`);
    }
    const scalar = scalarToString(value);
    if (scalar !== undefined) {
      assertStorableText(key, scalar);
      params[key] = scalar;
    } else if (Array.isArray(value) && value.every((item) => item === null || scalarToString(item) !== undefined)) {
      params[key] = value.flatMap((item) => {
        const text = scalarToString(item);
        if (text !== undefined) assertStorableText(key, text);
        return text === undefined ? [] : [text];
      });
    } else if (CONTEXT_ENCODED.has(key) && typeof value === 'object' && !Array.isArray(value)) {
      params[key] = encodeContext(value as Record<string, unknown>);
      assertStorableText(key, params[key]);
    } else {
      params[key] = JSON.stringify(value);
      assertStorableText(key, params[key]);
    }
  }
  return params;
}

/**
 * A parameter must be text PostgreSQL can store and a URL can carry: no NUL character (text columns
 * refuse it) and no lone surrogate (neither UTF-8 nor percent-encoding can express one). Refused here,
 * where every request's parameters enter, so no later step meets them (a 400, never a 500).
 */
export function assertStorableText(name: string, value: string): void {
  const label = quoteValue(name.toWellFormed().replaceAll('\u0000', '\\0'), 64);
  if (!name.isWellFormed() || name.includes('\u0000')) throw new ApiError(400, `Invalid parameter name ${label}: not storable text`);
  if (value.includes('\u0000')) throw new ApiError(400, `Invalid value for ${label}: contains a NUL character`);
  if (!value.isWellFormed()) throw new ApiError(400, `Invalid value for ${label}: not well-formed Unicode`);
}

/** A client-given name kept as information (a file name): made storable rather than refused. */
export function storableText(value: string): string {
  return value.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** Shortens user input quoted back in an error message so a huge field cannot bloat the reply. */
export function quoteValue(value: string, max = 100): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** The one shape of "this parameter has a bad value" refusals, so every one names the parameter. */
export function invalidParameter(name: string, value: string, expected: string): ApiError {
  return new ApiError(400, `Invalid value '${quoteValue(value)}' for parameter ${name}: ${expected}`);
}

/**
 * A parameter as one string, or undefined when absent or empty (Cloudinary treats an empty value as
 * not sent; the SDK never signs empties). A list is joined with `,`, the same text that was signed.
 */
export function readString(params: RawParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  return text === '' ? undefined : text;
}

/** Cloudinary's SDKs send `1`/`0`; the Admin API's querystring sends `true`/`false`. */
export function readBoolean(params: RawParams, name: string, defaultValue: boolean): boolean {
  const text = readString(params, name);
  if (text === undefined) return defaultValue;
  switch (text.trim().toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      throw invalidParameter(name, text, 'expected true, false, 1 or 0');
  }
}

/**
 * A list parameter: a `name[]` list as sent (items may legitimately hold commas, e.g. public ids),
 * or a comma-separated string. Items are trimmed and empty ones dropped.
 */
export function readList(params: RawParams, name: string): string[] {
  const value = params[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : value.split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

import { ApiError } from './api-error.ts';
import type { ParameterLimits } from './upload-request.ts';

/**
 * Cloudinary's `k=v|k2=v2` encoding of `context` and structured `metadata` (reference §1.3, §4.5).
 * Only `=` and `|` are escaped, with a backslash; a backslash before anything else is literal.
 */

/** The bounds of one asset's context (see ParameterLimits). */
export type ContextLimits = Pick<ParameterLimits, 'contextMaxKeyLength' | 'contextMaxValueLength' | 'contextMaxBytes'>;

/** Whether `text` has more than `max` characters (code points), without spreading a huge string. */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true;
  let count = 0;
  for (let i = 0; i < text.length; i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1) if (++count > max) return true;
  return false;
}

function quoted(text: string): string {
  return `'${text.length > 100 ? `${text.slice(0, 100)}…` : text}'`;
}

/** A context's size as its limit counts it: the UTF-8 bytes of every key and value. */
export function contextBytes(context: Readonly<Record<string, string>>): number {
  let bytes = 0;
  for (const [key, value] of Object.entries(context)) bytes += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  return bytes;
}

/** The refusal of a context over `contextMaxBytes`; `subject` says whose (the request's, or an asset's after a merge). */
export function contextTooLarge(bytes: number, limits: Pick<ContextLimits, 'contextMaxBytes'>, subject = 'Context'): ApiError {
  return new ApiError(400, `${subject} too large: ${bytes} bytes of keys and values, at most ${limits.contextMaxBytes} are allowed`);
}

/** Refuses (400, naming the limit) a context with a key or a value too long, or too large in total. */
export function checkContextLimits(context: Readonly<Record<string, string>>, limits: ContextLimits): void {
  for (const [key, value] of Object.entries(context)) {
    if (longerThan(key, limits.contextMaxKeyLength)) {
      throw new ApiError(400, `Invalid context key ${quoted(key)}: longer than ${limits.contextMaxKeyLength} characters`);
    }
    if (longerThan(value, limits.contextMaxValueLength)) {
      throw new ApiError(400, `Invalid context value for key ${quoted(key)}: longer than ${limits.contextMaxValueLength} characters`);
    }
  }
  const bytes = contextBytes(context);
  if (bytes > limits.contextMaxBytes) throw contextTooLarge(bytes, limits);
}

function escapeValue(value: string): string {
  return value.replace(/[=|]/g, '\\$&');
}

function unescapeValue(value: string): string {
  return value.replace(/\\([=|])/g, '$1');
}

/** Splits on `separator` where it is not escaped by a backslash. */
function splitUnescaped(text: string, separator: '|' | '=', limit = Infinity): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && parts.length < limit - 1; i++) {
    const char = text[i];
    if (char === '\\' && i + 1 < text.length && (text[i + 1] === '=' || text[i + 1] === '|')) {
      i++;
    } else if (char === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function jsonValueToString(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function parseJsonObject(text: string): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(parsed)) {
    const text = jsonValueToString(value);
    if (text !== undefined && key !== '') out[key] = text;
  }
  return out;
}

/**
 * Decodes a `context`/`metadata` value into a map. Also accepts a JSON object, which the Admin API
 * and hand-written clients send. A pair without `=` means the key with an empty value (how metadata
 * clears a field); pairs with an empty key are dropped. A multi-value metadata entry keeps its
 * `["a","b"]` text: its meaning depends on the field's type, which is not known here.
 * With `limits` (a `context` parameter), the map is bounded by checkContextLimits.
 */
export function parseContext(encoded: string, limits?: ContextLimits): Record<string, string> {
  const out = decodeContext(encoded);
  if (limits) checkContextLimits(out, limits);
  return out;
}

function decodeContext(encoded: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (encoded.trimStart().startsWith('{')) {
    const json = parseJsonObject(encoded);
    if (json !== undefined) return json;
  }
  for (const pair of splitUnescaped(encoded, '|')) {
    if (pair === '') continue;
    const [rawKey = '', rawValue = ''] = splitUnescaped(pair, '=', 2);
    const key = unescapeValue(rawKey);
    if (key === '') continue;
    out[key] = unescapeValue(rawValue);
  }
  return out;
}

/**
 * Encodes like the SDK's encode_context: strings and integers as `k=v`, lists as `k=["a","b"]`
 * (items escaped, quotes not). Where the SDK emits a bare `String(value)` without its key (floats,
 * booleans: a bug that loses the key), this keeps the key; null and undefined are skipped where the
 * SDK would throw.
 */
export function encodeContext(values: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      const items = value.map((item) => `"${escapeValue(String(item))}"`).join(',');
      pairs.push(`${key}=[${items}]`);
    } else if (typeof value === 'object') {
      pairs.push(`${key}=${escapeValue(JSON.stringify(value))}`);
    } else {
      pairs.push(`${key}=${escapeValue(String(value))}`);
    }
  }
  return pairs.join('|');
}

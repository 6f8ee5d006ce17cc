import {
  decodeListCursor,
  encodeListCursor,
  MAX_SEARCH_RESULTS,
  type AggregateRange,
  type SearchAggregate,
  type SearchPageKey,
  type SearchSortKey,
} from '@rendition/catalog';
import { ApiError, assertStorableText, invalidParameter } from '@rendition/protocol';

/**
 * The Search API's parameters (`resources/search`, `folders/search`), read from the SDK's JSON body
 * (`sort_by` a list of `{field: direction}`, `aggregate` / `with_field` / `fields` lists) or from a
 * query string or form (every value text: a JSON text or a comma list). Every bad value is a 400 that
 * names its parameter.
 */

export const DEFAULT_SEARCH_RESULTS = 50;
/** sort_by keys per request: each one is an ORDER BY term and a part of the cursor. */
export const MAX_SORT_KEYS = 8;
/** Ranges of one range aggregation: each one is a FILTER of one SQL count. */
export const MAX_AGGREGATE_RANGES = 20;

export interface SearchRequest {
  expression?: string;
  maxResults: number;
  nextCursor?: string;
  sort: SearchSortKey[];
  withFields: string[];
  fields: string[];
  aggregates: SearchAggregate[];
}

type Body = Record<string, unknown>;

/** The body (or query) as an object; anything else is the 400 of a body that is not one. */
export function searchBody(input: unknown): Body {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw new ApiError(400, 'Invalid JSON body: expected an object');
  return input as Body;
}

export function readSearchRequest(body: Body, options: { sortFields: (field: string) => boolean; withFields: ReadonlySet<string> }): SearchRequest {
  const expression = optionalText(body, 'expression');
  const nextCursor = optionalText(body, 'next_cursor');
  return {
    ...(expression === undefined ? {} : { expression }),
    ...(nextCursor === undefined ? {} : { nextCursor }),
    maxResults: maxResults(body.max_results),
    sort: sortBy(body.sort_by, options.sortFields),
    withFields: names(body, 'with_field').map((field) => {
      if (options.withFields.has(field)) return field;
      throw invalidParameter(
        'with_field',
        field,
        options.withFields.size > 0 ? `expected one of ${[...options.withFields].join(', ')}` : 'this search has none',
      );
    }),
    fields: names(body, 'fields'),
    aggregates: aggregates(body.aggregate),
  };
}

function optionalText(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalidParameter(name, JSON.stringify(value) ?? String(value), 'expected a string');
  // A NUL or a lone surrogate could not be bound as a SQL parameter.
  assertStorableText(name, value);
  return value;
}

function maxResults(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_SEARCH_RESULTS;
  const text = String(value).trim();
  const number = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(number) || number < 1 || number > MAX_SEARCH_RESULTS) {
    throw invalidParameter('max_results', String(value), `expected an integer from 1 to ${MAX_SEARCH_RESULTS}`);
  }
  return number;
}

/** A list parameter: a JSON list, or text holding a JSON list or a comma list. */
function listOf(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[') || text.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(text);
        return Array.isArray(parsed) ? parsed : [parsed];
      } catch {
        throw invalidParameter(name, text, 'not valid JSON');
      }
    }
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }
  return [value];
}

function names(body: Body, name: string): string[] {
  const items = listOf(body[name], name).flatMap((item) => {
    if (typeof item !== 'string') throw invalidParameter(name, JSON.stringify(item) ?? String(item), 'expected field names');
    return item.split(',').map((part) => part.trim());
  });
  return [...new Set(items.filter((item) => item !== ''))];
}

/** `[{created_at: 'desc'}, …]` (the SDK), `[["created_at", "desc"]]`, or text `created_at:desc,public_id`. */
function sortBy(value: unknown, isSortField: (field: string) => boolean): SearchSortKey[] {
  const pairs = listOf(value, 'sort_by').flatMap((item): Array<[string, unknown]> => {
    if (typeof item === 'string') {
      const [field = '', direction] = item.split(/[:\s]+/);
      return [[field, direction ?? 'desc']];
    }
    if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string') return [[item[0], item[1]]];
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) return Object.entries(item);
    throw invalidParameter('sort_by', JSON.stringify(item) ?? String(item), 'expected {field: "asc" | "desc"} entries');
  });
  const keys: SearchSortKey[] = [];
  for (const [field, direction] of pairs) {
    // Relevance: Rendition has no scores, so the default order stands in for it (docs/search.md).
    if (field === 'score') continue;
    if (!isSortField(field)) throw invalidParameter('sort_by', field, 'not a field search results can be sorted by');
    const text = String(direction).trim().toLowerCase();
    if (text !== 'asc' && text !== 'desc') throw invalidParameter('sort_by', `${field}: ${String(direction)}`, 'expected asc or desc');
    if (!keys.some((key) => key.field === field)) keys.push({ field, direction: text });
  }
  if (keys.length > MAX_SORT_KEYS) throw invalidParameter('sort_by', keys.map((key) => key.field).join(','), `at most ${MAX_SORT_KEYS} fields`);
  return keys;
}

const TERM_AGGREGATES = new Set(['format', 'resource_type', 'type']);
const KIB = 1_024;
const MIB = 1_048_576;

/** Cloudinary names the buckets of bytes, pixels and duration; the bounds are Rendition's (docs/search.md, [GUESS]). */
const DEFAULT_RANGES: Readonly<Record<'bytes' | 'pixels' | 'duration', AggregateRange[]>> = {
  bytes: [
    { key: 'tiny', to: 50 * KIB },
    { key: 'small', from: 50 * KIB, to: 250 * KIB },
    { key: 'medium', from: 250 * KIB, to: MIB },
    { key: 'large', from: MIB, to: 10 * MIB },
    { key: 'huge', from: 10 * MIB },
  ],
  pixels: [
    { key: 'tiny', to: 10_000 },
    { key: 'small', from: 10_000, to: 250_000 },
    { key: 'medium', from: 250_000, to: 1_000_000 },
    { key: 'large', from: 1_000_000, to: 10_000_000 },
    { key: 'huge', from: 10_000_000 },
  ],
  duration: [
    { key: 'short', to: 60 },
    { key: 'medium', from: 60, to: 600 },
    { key: 'long', from: 600 },
  ],
};

function isRangeField(field: string): field is keyof typeof DEFAULT_RANGES {
  return Object.hasOwn(DEFAULT_RANGES, field);
}

const AGGREGATE_NAMES = 'format, resource_type, type, bytes, pixels or duration';

/** `aggregate`: field names, or `{type: 'bytes' | 'pixels' | 'duration', ranges: [{from, to, key}]}`. */
function aggregates(value: unknown): SearchAggregate[] {
  const byField = new Map<string, SearchAggregate>();
  for (const item of listOf(value, 'aggregate')) {
    if (typeof item === 'string') {
      for (const field of item.split(',').map((part) => part.trim())) {
        if (field === '') continue;
        if (TERM_AGGREGATES.has(field)) byField.set(field, { kind: 'terms', field: field as 'format' | 'resource_type' | 'type' });
        else if (isRangeField(field)) byField.set(field, { kind: 'ranges', field, ranges: DEFAULT_RANGES[field] });
        else throw invalidParameter('aggregate', field, `expected ${AGGREGATE_NAMES}`);
      }
      continue;
    }
    const custom = customRanges(item);
    byField.set(custom.field, custom);
  }
  return [...byField.values()];
}

function customRanges(item: unknown): SearchAggregate {
  const shown = JSON.stringify(item) ?? String(item);
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw invalidParameter('aggregate', shown, `expected ${AGGREGATE_NAMES}`);
  const { type, ranges } = item as { type?: unknown; ranges?: unknown };
  if (typeof type !== 'string' || !isRangeField(type)) throw invalidParameter('aggregate', shown, 'ranges apply to bytes, pixels or duration');
  if (!Array.isArray(ranges) || ranges.length === 0 || ranges.length > MAX_AGGREGATE_RANGES) {
    throw invalidParameter('aggregate', shown, `expected 1 to ${MAX_AGGREGATE_RANGES} ranges`);
  }
  return {
    kind: 'ranges',
    field: type,
    ranges: ranges.map((range: unknown): AggregateRange => {
      const { from, to, key } = (range ?? {}) as { from?: unknown; to?: unknown; key?: unknown };
      const bound = (value: unknown) => (value === undefined || value === null ? undefined : Number(value));
      const [lower, upper] = [bound(from), bound(to)];
      const valid =
        typeof key === 'string' &&
        key !== '' &&
        key.length <= 64 &&
        [lower, upper].every((each) => each === undefined || (Number.isFinite(each) && each >= 0)) &&
        (lower === undefined || upper === undefined || lower < upper);
      if (!valid) throw invalidParameter('aggregate', JSON.stringify(range) ?? String(range), 'expected {key, from?, to?} with from < to, both >= 0');
      return { key: key as string, ...(lower === undefined ? {} : { from: lower }), ...(upper === undefined ? {} : { to: upper }) };
    }),
  };
}

/** The sort as a cursor names it: a cursor is only good for the sort it was made for. */
function sortSignature(sort: readonly SearchSortKey[]): string {
  return sort.map((key) => `${key.field}:${key.direction}`).join(',');
}

export function encodeSearchCursor(sort: readonly SearchSortKey[], key: SearchPageKey): string {
  return encodeListCursor([sortSignature(sort), ...key.values, key.id]);
}

/** The page key of `cursor`, made by a search sorted by `sort` (the default order when `sort` is empty). */
export function decodeSearchCursor(cursor: string, sort: readonly SearchSortKey[], isValid: (key: SearchPageKey) => boolean): SearchPageKey {
  const parts = decodeListCursor(cursor, sort.length + 2);
  const refused = () => invalidParameter('next_cursor', cursor, 'not a cursor of a search with this sort_by');
  if (!parts || parts[0] !== sortSignature(sort)) throw refused();
  const key = { values: parts.slice(1, -1), id: parts.at(-1) ?? '' };
  if (!isValid(key)) throw refused();
  return key;
}

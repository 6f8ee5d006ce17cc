import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { ApiError } from '@rendition/protocol';
import type { CatalogDb } from './connection.ts';

/**
 * Sort orders and keyset pages of the Search API. Each sort key is read back as text with the rows
 * (a timestamp to the microsecond, numbers exactly), and a page resumes strictly after the last row's
 * key texts and asset_id: as with the listings (asset-queries.ts), rows that exist for the whole walk
 * come exactly once whatever is inserted or deleted meanwhile. A missing value sorts as -1 (numbers)
 * or '' (text), so every key has a value and the comparisons stay two-valued.
 */

export type SortDirection = 'asc' | 'desc';

export interface SearchSortKey {
  field: string;
  direction: SortDirection;
}

/** The last row of a page: its sort key texts (in sort order) and asset_id (or folder path). */
export interface SearchPageKey {
  values: string[];
  id: string;
}

type KeyType = 'timestamptz' | 'bigint' | 'float8' | 'text' | 'bpchar';

export interface SortColumn {
  expression: RawBuilder<unknown>;
  type: KeyType;
}

export type SortTable = Readonly<Record<string, SortColumn>>;

const column = (expression: RawBuilder<unknown>, type: KeyType): SortColumn => ({ expression, type });

/** The tie-breaker of asset pages: asset_id as stored (char(32)), so (cloud_name, created_at, asset_id) serves the default order. */
export const ASSET_ID_COLUMN: SortColumn = column(sql`asset_id`, 'bpchar');
/** The tie-breaker of folder pages. */
export const FOLDER_ID_COLUMN: SortColumn = column(sql`(path COLLATE "C")`, 'text');

/** What `sort_by` may name for assets (Cloudinary's sortable fields). */
export const ASSET_SORT_FIELDS: SortTable = {
  created_at: column(sql`created_at`, 'timestamptz'),
  uploaded_at: column(sql`created_at`, 'timestamptz'),
  public_id: column(sql`(public_id COLLATE "C")`, 'text'),
  filename: column(sql`(regexp_replace(public_id, '^.*/', '') COLLATE "C")`, 'text'),
  asset_id: column(sql`(asset_id::text COLLATE "C")`, 'text'),
  display_name: column(sql`(display_name COLLATE "C")`, 'text'),
  asset_folder: column(sql`(asset_folder COLLATE "C")`, 'text'),
  format: column(sql`(coalesce(format, '') COLLATE "C")`, 'text'),
  resource_type: column(sql`(resource_type COLLATE "C")`, 'text'),
  type: column(sql`(type COLLATE "C")`, 'text'),
  bytes: column(sql`bytes`, 'bigint'),
  width: column(sql`coalesce(width, -1)::bigint`, 'bigint'),
  height: column(sql`coalesce(height, -1)::bigint`, 'bigint'),
  pixels: column(sql`coalesce(width::bigint * height, -1)`, 'bigint'),
  pages: column(sql`coalesce(pages, -1)::bigint`, 'bigint'),
  aspect_ratio: column(sql`coalesce(width::float8 / nullif(height, 0), -1)`, 'float8'),
  duration: column(sql`coalesce(CASE WHEN json_typeof(media->'duration') = 'number' THEN (media->>'duration')::float8 END, -1)`, 'float8'),
};

/** What `sort_by` may name for folders. */
export const FOLDER_SORT_FIELDS: SortTable = {
  created_at: column(sql`created_at`, 'timestamptz'),
  path: column(sql`(path COLLATE "C")`, 'text'),
  name: column(sql`(name COLLATE "C")`, 'text'),
};

const KEY_TEXT_PATTERNS: Readonly<Record<Exclude<KeyType, 'text'>, RegExp>> = {
  timestamptz: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  bigint: /^-?\d{1,18}$/,
  float8: /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i,
  bpchar: /^[0-9A-Za-z]{1,64}$/,
};

/** A key text the database takes back as its type (a NUL or a lone surrogate is no text it can bind). */
function isKeyText(type: KeyType, text: string): boolean {
  if (type === 'text') return text.length <= 4_096 && !text.includes('\u0000') && text.isWellFormed();
  if (!KEY_TEXT_PATTERNS[type].test(text)) return false;
  if (type === 'float8') return Number.isFinite(Number(text));
  if (type !== 'timestamptz') return true;
  // A calendar date and time (Date.parse would roll 02-30 over to March; the database refuses it).
  const time = Date.parse(text);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 19) === text.slice(0, 19);
}

/** Whether `page` can be a key of `sort` (the cursor came from a search with the same sort_by). */
export function isValidPageKey(table: SortTable, id: SortColumn, sort: readonly SearchSortKey[], page: SearchPageKey): boolean {
  if (page.values.length !== sort.length || !isKeyText(id.type, page.id)) return false;
  return sort.every((key, index) => {
    const sortColumn = Object.hasOwn(table, key.field) ? table[key.field] : undefined;
    return sortColumn !== undefined && isKeyText(sortColumn.type, page.values[index]!);
  });
}

export function sortColumnOf(table: SortTable, field: string): SortColumn {
  const sortColumn = Object.hasOwn(table, field) ? table[field] : undefined;
  if (!sortColumn) throw new RangeError(`not a sort field: ${field}`);
  return sortColumn;
}

/** The key's text as the cursor carries it. */
export function keyText(sortColumn: SortColumn): RawBuilder<string> {
  if (sortColumn.type === 'timestamptz') return sql<string>`to_char(${sortColumn.expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  return sql<string>`(${sortColumn.expression})::text`;
}

function keyValue(sortColumn: SortColumn, text: string): RawBuilder<unknown> {
  switch (sortColumn.type) {
    case 'timestamptz':
      return sql`${text}::timestamptz`;
    case 'bigint':
      return sql`${text}::bigint`;
    case 'float8':
      return sql`${text}::float8`;
    case 'text':
      return sql`${text}::text`;
    case 'bpchar':
      return sql`${text}::bpchar`;
  }
}

/** The ORDER BY terms: the sort keys, then the id in the last key's direction (unique, so the order is total). */
export function orderTerms(table: SortTable, sort: readonly SearchSortKey[], id: SortColumn): RawBuilder<unknown> {
  const terms = sort.map((key) => sql`${sortColumnOf(table, key.field).expression} ${sql.raw(key.direction === 'desc' ? 'DESC' : 'ASC')}`);
  terms.push(sql`${id.expression} ${sql.raw(idDirection(sort) === 'desc' ? 'DESC' : 'ASC')}`);
  return sql.join(terms);
}

function idDirection(sort: readonly SearchSortKey[]): SortDirection {
  return sort.at(-1)?.direction ?? 'asc';
}

/** Rows strictly after `page` in the order of `sort`. */
export function afterPage(table: SortTable, sort: readonly SearchSortKey[], id: SortColumn, page: SearchPageKey): RawBuilder<SqlBool> {
  const columns = sort.map((key) => sortColumnOf(table, key.field));
  const values = columns.map((sortColumn, index) => keyValue(sortColumn, page.values[index]!));
  const direction = idDirection(sort);
  const expressions = [...columns.map((sortColumn) => sortColumn.expression), id.expression];
  const bounds = [...values, keyValue(id, page.id)];
  const directions = [...sort.map((key) => key.direction), direction];
  // One direction throughout: a row comparison, which a matching btree index serves as a range.
  if (directions.every((each) => each === direction)) {
    return sql<SqlBool>`(${sql.join(expressions)}) ${sql.raw(direction === 'desc' ? '<' : '>')} (${sql.join(bounds)})`;
  }
  // Mixed directions: (a after x) OR (a = x AND b after y) OR …
  const alternatives = expressions.map((expression, index) => {
    const equalBefore = expressions.slice(0, index).map((earlier, position) => sql`${earlier} = ${bounds[position]!}`);
    const after = sql`${expression} ${sql.raw(directions[index] === 'desc' ? '<' : '>')} ${bounds[index]!}`;
    return sql`(${sql.join([...equalBefore, after], sql` AND `)})`;
  });
  return sql<SqlBool>`(${sql.join(alternatives, sql` OR `)})`;
}

/** The sort a search runs: the one asked, else the endpoint's default. */
export function effectiveSort(sort: readonly SearchSortKey[], fallback: readonly SearchSortKey[]): SearchSortKey[] {
  return [...(sort.length === 0 ? fallback : sort)];
}

export const MAX_SEARCH_RESULTS = 500;

export function checkMaxResults(maxResults: number): void {
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_SEARCH_RESULTS) {
    throw new RangeError(`maxResults must be an integer from 1 to ${MAX_SEARCH_RESULTS}`);
  }
}

/**
 * How long one search statement may run. The expression's bounds (protocol) keep it small, but a few
 * unindexed terms (bare-word prefixes, word matches on display_name) still scan the cloud's assets:
 * past this, the statement is cancelled and the request refused rather than left holding a connection.
 */
export const SEARCH_STATEMENT_TIMEOUT_MS = 15_000;

/** Runs one statement of a search under SEARCH_STATEMENT_TIMEOUT_MS (its own transaction, so the setting ends with it). */
export async function runSearchStatement<Row>(db: CatalogDb, statement: RawBuilder<Row>, timeoutMs = SEARCH_STATEMENT_TIMEOUT_MS): Promise<Row[]> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true)`.execute(trx);
      return (await statement.execute(trx)).rows;
    });
  } catch (error) {
    // 57014: query_canceled, what statement_timeout raises.
    if ((error as { code?: string }).code === '57014') {
      throw new ApiError(
        400,
        `Search took longer than ${timeoutMs / 1000} s: narrow the expression (fewer wildcard or word terms outside tags, public_id and context)`,
      );
    }
    throw error;
  }
}

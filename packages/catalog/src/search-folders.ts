import { sql, type SqlBool } from 'kysely';
import type { SearchNode } from '@rendition/protocol';
import type { CatalogDb } from './connection.ts';
import { folderSearchCondition } from './search-sql.ts';
import {
  afterPage,
  checkMaxResults,
  effectiveSort,
  FOLDER_ID_COLUMN,
  FOLDER_SORT_FIELDS,
  isValidPageKey,
  keyText,
  orderTerms,
  runSearchStatement,
  sortColumnOf,
  type SearchPageKey,
  type SearchSortKey,
} from './search-sort.ts';

/** `folders/search`: a cloud's folders filtered by a parsed expression (name, path, created_at), keyset-paged. */

export interface FolderSearchQuery {
  cloudName: string;
  expression?: SearchNode;
  now: Date;
  /** Empty: path ascending. */
  sort: SearchSortKey[];
  maxResults: number;
  after?: SearchPageKey;
}

export interface FolderRecord {
  name: string;
  path: string;
  /** When its folder row was made, or the first asset in it or below it was (the earlier). */
  createdAt: Date;
  /** A stable id made from the path (folder rows carry no id of their own). */
  externalId: string;
}

export interface FolderSearchResult {
  folders: FolderRecord[];
  totalCount: number;
  next?: SearchPageKey;
}

const DEFAULT_FOLDER_SORT: SearchSortKey[] = [{ field: 'path', direction: 'asc' }];

export function isFolderSortField(field: string): boolean {
  return Object.hasOwn(FOLDER_SORT_FIELDS, field);
}

export function isValidFolderPageKey(sort: readonly SearchSortKey[], page: SearchPageKey): boolean {
  return isValidPageKey(FOLDER_SORT_FIELDS, FOLDER_ID_COLUMN, effectiveSort(sort, DEFAULT_FOLDER_SORT), page);
}

/**
 * The folders of a cloud, as the folder reads see them (folders-repository.ts, migration 0016): the
 * `folders` rows and every asset_folder of its assets, with each folder above them. A folder made
 * only by its assets is as old as its first asset. Assets are grouped by asset_folder first; a cloud
 * with millions of assets in many folders makes this a long read (docs/search.md).
 */
export async function searchFolders(db: CatalogDb, query: FolderSearchQuery): Promise<FolderSearchResult> {
  checkMaxResults(query.maxResults);
  const sort = effectiveSort(query.sort, DEFAULT_FOLDER_SORT);
  if (query.after && !isValidPageKey(FOLDER_SORT_FIELDS, FOLDER_ID_COLUMN, sort, query.after))
    throw new RangeError('page key does not fit the sort order');
  const folders = sql`
    WITH placed AS (
      SELECT path AS folder, created_at FROM folders WHERE cloud_name = ${query.cloudName}
      UNION ALL
      SELECT asset_folder AS folder, min(created_at) AS created_at FROM assets
      WHERE cloud_name = ${query.cloudName} AND asset_folder <> '' GROUP BY asset_folder
    ), paths AS (
      SELECT array_to_string(parts[1:depth], '/') AS path, min(placed.created_at) AS created_at
      FROM placed
      CROSS JOIN LATERAL string_to_array(placed.folder, '/') AS parts
      CROSS JOIN LATERAL generate_series(1, cardinality(parts)) AS depth
      GROUP BY 1
    )
    SELECT path, regexp_replace(path, '^.*/', '') AS name, created_at, md5(path) AS external_id FROM paths`;
  const matches = folderSearchCondition(query.expression, query.now);
  const keys = sort.map((key, index) => sql`${keyText(sortColumnOf(FOLDER_SORT_FIELDS, key.field))} AS ${sql.ref(`search_key_${index}`)}`);
  const resume = query.after ? sql<SqlBool>`AND ${afterPage(FOLDER_SORT_FIELDS, sort, FOLDER_ID_COLUMN, query.after)}` : sql``;
  const [rows, counted] = await Promise.all([
    runSearchStatement(
      db,
      sql<{ path: string; name: string; created_at: Date; external_id: string } & Record<string, unknown>>`
      SELECT folder.*, ${sql.join(keys)} FROM (${folders}) AS folder
      WHERE ${matches} ${resume}
      ORDER BY ${orderTerms(FOLDER_SORT_FIELDS, sort, FOLDER_ID_COLUMN)}
      LIMIT ${query.maxResults + 1}`,
    ),
    runSearchStatement(db, sql<{ count: number }>`SELECT count(*) AS count FROM (${folders}) AS folder WHERE ${matches}`),
  ]);
  const pageRows = rows.slice(0, query.maxResults);
  const result: FolderSearchResult = {
    folders: pageRows.map((row) => ({ name: row.name, path: row.path, createdAt: row.created_at, externalId: row.external_id })),
    totalCount: Number(counted[0]?.count ?? 0),
  };
  const last = pageRows.at(-1);
  if (rows.length > query.maxResults && last) result.next = { values: sort.map((_, index) => String(last[`search_key_${index}`])), id: last.path };
  return result;
}

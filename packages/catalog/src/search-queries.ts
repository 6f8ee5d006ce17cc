import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { SearchNode } from '@rendition/protocol';
import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import type { CatalogDb } from './connection.ts';
import type { SearchAggregate } from './search-aggregates.ts';
import { searchCountStatement } from './search-count.ts';
import { assetSearchCondition } from './search-sql.ts';
import {
  afterPage,
  ASSET_ID_COLUMN,
  ASSET_SORT_FIELDS,
  checkMaxResults,
  effectiveSort,
  isValidPageKey,
  keyText,
  orderTerms,
  runSearchStatement,
  sortColumnOf,
  type SearchPageKey,
  type SearchSortKey,
} from './search-sort.ts';

export { MAX_SEARCH_RESULTS, runSearchStatement, SEARCH_STATEMENT_TIMEOUT_MS } from './search-sort.ts';
export type { SearchPageKey, SearchSortKey, SortDirection } from './search-sort.ts';
export type { AggregateRange, RangeAggregateField, SearchAggregate, TermAggregateField } from './search-aggregates.ts';
export { isFolderSortField, isValidFolderPageKey, searchFolders } from './search-folders.ts';
export type { FolderRecord, FolderSearchQuery, FolderSearchResult } from './search-folders.ts';

/**
 * The Search API's asset queries (`resources/search`; folders in search-folders.ts): one cloud's assets
 * filtered by a parsed expression, in a keyset-paged sort order, with an exact count and the asked
 * aggregations. The page and the count (with the aggregations, search-aggregates.ts) are two statements
 * run at once on the pool, so an answer takes about as long as the slower one.
 */

export interface AssetSearchQuery {
  cloudName: string;
  expression?: SearchNode;
  /** The clock relative dates count back from. */
  now: Date;
  /** Empty: created_at descending. */
  sort: SearchSortKey[];
  maxResults: number;
  after?: SearchPageKey;
  aggregates?: SearchAggregate[];
}

export interface AssetSearchResult {
  assets: AssetRecord[];
  totalCount: number;
  /** Present only when more rows follow this page. */
  next?: SearchPageKey;
  /** By field name: value (or range key) → count. */
  aggregations?: Record<string, Record<string, number>>;
}

const DEFAULT_ASSET_SORT: SearchSortKey[] = [{ field: 'created_at', direction: 'desc' }];

/** Whether `sort_by` may name this field for assets. */
export function isAssetSortField(field: string): boolean {
  return Object.hasOwn(ASSET_SORT_FIELDS, field);
}

/** Whether `page` can be a page key of an asset search sorted by `sort` (checked before it reaches SQL). */
export function isValidAssetPageKey(sort: readonly SearchSortKey[], page: SearchPageKey): boolean {
  return isValidPageKey(ASSET_SORT_FIELDS, ASSET_ID_COLUMN, effectiveSort(sort, DEFAULT_ASSET_SORT), page);
}

export async function searchAssets(db: CatalogDb, query: AssetSearchQuery): Promise<AssetSearchResult> {
  const statements = assetSearchStatements(query);
  const [rows, counted] = await Promise.all([runSearchStatement(db, statements.page), runSearchStatement(db, statements.count.statement)]);
  const pageRows = rows.slice(0, query.maxResults);
  const result: AssetSearchResult = {
    assets: pageRows.map((row) => assetRecordFromRow(row as Parameters<typeof assetRecordFromRow>[0])),
    ...statements.count.read(counted),
  };
  const last = pageRows.at(-1);
  // One row more than asked says whether another page exists.
  if (rows.length > query.maxResults && last) {
    result.next = { values: statements.sort.map((_, index) => String(last[`search_key_${index}`])), id: String(last.asset_id).trim() };
  }
  return result;
}

export interface ExplainedStatement {
  /** `page`, and `count` (or `count and aggregations`). */
  statement: string;
  /** EXPLAIN's plan, one line per node. */
  plan: string[];
  /** The server's own time for the statement (EXPLAIN ANALYZE's "Execution Time"), when analyzed. */
  executionMs?: number;
}

/**
 * EXPLAIN (ANALYZE when asked) of each statement a search runs: what the bench and the tests check
 * the indexes against. ANALYZE runs the statements (they only read).
 */
export async function explainAssetSearch(db: CatalogDb, query: AssetSearchQuery, options: { analyze: boolean }): Promise<ExplainedStatement[]> {
  const statements = assetSearchStatements(query);
  const named: Array<[string, RawBuilder<unknown>]> = [
    ['page', statements.page],
    [query.aggregates?.length ? 'count and aggregations' : 'count', statements.count.statement],
  ];
  const explained: ExplainedStatement[] = [];
  for (const [name, statement] of named) {
    const { rows } = await sql<{ 'QUERY PLAN': unknown }>`EXPLAIN (${sql.raw(options.analyze ? 'ANALYZE, ' : '')}FORMAT JSON) ${statement}`.execute(db);
    const document = rows[0]?.['QUERY PLAN'];
    const root = (Array.isArray(document) ? document[0] : JSON.parse(String(document))[0]) as PlanDocument;
    explained.push({
      statement: name,
      plan: planLines(root.Plan, 0),
      ...(root['Execution Time'] === undefined ? {} : { executionMs: root['Execution Time'] }),
    });
  }
  return explained;
}

interface PlanNode {
  'Node Type': string;
  'Scan Direction'?: string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Plan Rows'?: number;
  Plans?: PlanNode[];
}

interface PlanDocument {
  Plan: PlanNode;
  'Execution Time'?: number;
}

function planLines(node: PlanNode, depth: number): string[] {
  const target = node['Index Name'] ? ` using ${node['Index Name']}` : node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const rows =
    node['Actual Rows'] !== undefined ? ` (rows ${node['Actual Rows']})` : node['Plan Rows'] !== undefined ? ` (est. rows ${node['Plan Rows']})` : '';
  const direction = node['Scan Direction'] === 'Backward' ? ' Backward' : '';
  return [
    `${'  '.repeat(depth)}${node['Node Type']}${direction}${target}${rows}`,
    ...(node.Plans ?? []).flatMap((child) => planLines(child, depth + 1)),
  ];
}

/** The statements of one search: its page, its count and its aggregations, ready to run or explain. */
function assetSearchStatements(query: AssetSearchQuery) {
  checkMaxResults(query.maxResults);
  const sort = effectiveSort(query.sort, DEFAULT_ASSET_SORT);
  if (query.after && !isValidPageKey(ASSET_SORT_FIELDS, ASSET_ID_COLUMN, sort, query.after))
    throw new RangeError('page key does not fit the sort order');
  const matches = sql<SqlBool>`cloud_name = ${query.cloudName} AND ${assetSearchCondition(query.expression, query.now)}`;
  const keys = sort.map((key, index) => sql`${keyText(sortColumnOf(ASSET_SORT_FIELDS, key.field))} AS ${sql.ref(`search_key_${index}`)}`);
  const resume = query.after ? sql<SqlBool>`AND ${afterPage(ASSET_SORT_FIELDS, sort, ASSET_ID_COLUMN, query.after)}` : sql``;
  return {
    sort,
    page: sql<Record<string, unknown>>`
      SELECT assets.*, ${sql.join(keys)} FROM assets
      WHERE ${matches} ${resume}
      ORDER BY ${orderTerms(ASSET_SORT_FIELDS, sort, ASSET_ID_COLUMN)}
      LIMIT ${query.maxResults + 1}`,
    // Kinds and tags count from the tables kept for it (search-count.ts); the rest on `assets`.
    count: searchCountStatement(query.cloudName, query.expression, matches, query.aggregates ?? []),
  };
}

import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { SearchNode } from '@rendition/protocol';
import { RANGE_FIELD_SQL, tagWordColumnMatch, tagWordTerm } from './search-sql.ts';

/** Counted by value (format, resource_type, type). */
export type TermAggregateField = 'format' | 'resource_type' | 'type';
/** Counted into ranges (bytes, pixels of images, duration of videos). */
export type RangeAggregateField = keyof typeof RANGE_FIELD_SQL;

export interface AggregateRange {
  key: string;
  /** Inclusive; absent: unbounded. */
  from?: number;
  /** Exclusive; absent: unbounded. */
  to?: number;
}

export type SearchAggregate = { kind: 'terms'; field: TermAggregateField } | { kind: 'ranges'; field: RangeAggregateField; ranges: AggregateRange[] };

export interface CountedMatches {
  totalCount: number;
  /** By field name: value (or range key) → count; absent when no aggregation was asked. */
  aggregations?: Record<string, Record<string, number>>;
}

const TERM_COLUMNS: Readonly<Record<TermAggregateField, RawBuilder<string | null>>> = {
  format: sql`format`,
  resource_type: sql`resource_type`,
  type: sql`type`,
};

/** The rows a range aggregation counts: pixels of images only, durations of videos only (Cloudinary's rule). */
const RANGE_SCOPE: Readonly<Record<RangeAggregateField, RawBuilder<SqlBool>>> = {
  bytes: sql<SqlBool>`true`,
  pixels: sql<SqlBool>`resource_type = 'image'`,
  duration: sql<SqlBool>`resource_type = 'video'`,
};

/**
 * The count and every aggregation of a search in one statement, so the matching rows are read once
 * (for matches that need their heap rows, the reading is the cost): range counts are FILTERs of the
 * total, and value counts are GROUPING SETS beside the empty set, whose row is the total.
 */
export function countStatement(matches: RawBuilder<SqlBool>, aggregates: readonly SearchAggregate[]) {
  return countFrom(sql`assets WHERE ${matches}`, aggregates);
}

function countFrom(source: RawBuilder<unknown>, aggregates: readonly SearchAggregate[]) {
  const terms = aggregates.filter((each): each is Extract<SearchAggregate, { kind: 'terms' }> => each.kind === 'terms');
  const ranges = aggregates.filter((each): each is Extract<SearchAggregate, { kind: 'ranges' }> => each.kind === 'ranges');
  const rangeColumns = ranges.flatMap((each, a) => {
    const value = RANGE_FIELD_SQL[each.field];
    return each.ranges.map((range, r) => {
      const bounds: RawBuilder<SqlBool>[] = [RANGE_SCOPE[each.field], sql<SqlBool>`${value} IS NOT NULL`];
      if (range.from !== undefined) bounds.push(sql<SqlBool>`${value} >= ${range.from}::float8`);
      if (range.to !== undefined) bounds.push(sql<SqlBool>`${value} < ${range.to}::float8`);
      return sql`count(*) FILTER (WHERE ${sql.join(bounds, sql` AND `)}) AS ${sql.ref(`range_${a}_${r}`)}`;
    });
  });
  const termColumns = terms.flatMap((each, t) => [
    sql`${TERM_COLUMNS[each.field]} AS ${sql.ref(`term_${t}`)}`,
    sql`GROUPING(${TERM_COLUMNS[each.field]}) AS ${sql.ref(`grouping_${t}`)}`,
  ]);
  const grouping = terms.length === 0 ? sql`` : sql`GROUP BY GROUPING SETS ((), ${sql.join(terms.map((each) => sql`(${TERM_COLUMNS[each.field]})`))})`;
  const statement = sql<Record<string, unknown>>`
    SELECT ${sql.join([sql`count(*) AS count`, ...rangeColumns, ...termColumns])}
    FROM ${source} ${grouping}`;

  const read = (rows: Record<string, unknown>[]): CountedMatches => {
    // The empty grouping set's row: every GROUPING() is 1 (without terms, the only row).
    const total = rows.find((row) => terms.every((_, t) => Number(row[`grouping_${t}`]) === 1)) ?? {};
    const result: CountedMatches = { totalCount: Number(total.count ?? 0) };
    if (aggregates.length === 0) return result;
    const aggregations: Record<string, Record<string, number>> = {};
    ranges.forEach((each, a) => {
      aggregations[each.field] = Object.fromEntries(each.ranges.map((range, r) => [range.key, Number(total[`range_${a}_${r}`] ?? 0)]));
    });
    terms.forEach((each, t) => {
      const counted = rows
        .filter((row) => Number(row[`grouping_${t}`]) === 0 && row[`term_${t}`] !== null && row[`term_${t}`] !== undefined)
        .map((row): [string, number] => [String(row[`term_${t}`]), Number(row.count)])
        .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
      aggregations[each.field] = Object.fromEntries(counted);
    });
    result.aggregations = aggregations;
    return result;
  };
  return { statement, read };
}

/**
 * The count (and the value aggregations) of a tag-only expression from asset_tag_words (migration 0020),
 * whose btree answers it index-only; undefined when the expression is not one of these shapes:
 *
 * - a tag term (`tags=x`, one-word `tags:x`) or an OR of them, ANDed with equalities on resource_type,
 *   type or format (columns the table copies): its rows, distinct by asset when there are several terms;
 * - NOT of that tag part, without aggregations: the assets of those equalities (an index-only count on
 *   `assets`) less the ones the tag part matches (a tag term is never NULL, so NOT is the complement).
 *
 * Exact either way: the table holds every whole tag and word that such a term can name (0020's length
 * limit is checked by tagWordTerm), and is kept by triggers in the same transactions as `assets`.
 */
export function tagCountStatement(cloudName: string, node: SearchNode | undefined, aggregates: readonly SearchAggregate[]) {
  if (!node || aggregates.some((each) => each.kind !== 'terms')) return undefined;
  const columns: Array<NonNullable<ReturnType<typeof tagWordColumnMatch>>> = [];
  const rest: SearchNode[] = [];
  for (const part of node.type === 'and' ? node.children : [node]) {
    const column = tagWordColumnMatch(part);
    if (column) columns.push(column);
    else rest.push(part);
  }
  if (rest.length !== 1) return undefined;
  const negated = rest[0]!.type === 'not';
  const core = rest[0]!.type === 'not' ? rest[0]!.child : rest[0]!;
  const terms = orTerms(core).map(tagWordTerm);
  if (terms.length === 0 || terms.some((term) => term === undefined) || (negated && aggregates.length > 0)) return undefined;
  const equalities = columns.map(({ column, value }) => sql<SqlBool>`${sql.ref(column)} = ${value}`);
  const rowsOf = (term: NonNullable<(typeof terms)[number]>) =>
    sql`asset_tag_words WHERE ${sql.join(
      [sql<SqlBool>`cloud_name = ${cloudName}`, sql<SqlBool>`whole = ${term.whole}`, sql<SqlBool>`word = ${term.word}`, ...equalities],
      sql` AND `,
    )}`;
  // One row per (whole tag or word, asset): one term is counted as is; several, as the UNION of their
  // index-only scans (distinct assets; an OR in one scan would read the table's heap through a bitmap).
  const source =
    terms.length === 1
      ? rowsOf(terms[0]!)
      : sql`(${sql.join(
          terms.map((term) => sql`SELECT asset_id, resource_type, type, format FROM ${rowsOf(term!)}`),
          sql` UNION `,
        )}) AS tagged`;
  const positive = countFrom(source, aggregates);
  if (!negated) return positive;
  const scope = sql.join([sql<SqlBool>`cloud_name = ${cloudName}`, ...equalities], sql` AND `);
  return {
    statement: sql<Record<string, unknown>>`
      SELECT (SELECT count(*) FROM assets WHERE ${scope}) - (SELECT count(*) FROM ${source}) AS count`,
    read: positive.read,
  };
}

function orTerms(node: SearchNode): SearchNode[] {
  return node.type === 'or' ? node.children.flatMap(orTerms) : [node];
}

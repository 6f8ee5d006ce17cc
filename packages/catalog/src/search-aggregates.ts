import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { RANGE_FIELD_SQL } from './search-sql.ts';

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
export function countStatement(matches: RawBuilder<SqlBool>, aggregates: readonly SearchAggregate[]): CountStatement {
  return countFrom(sql`assets WHERE ${matches}`, aggregates);
}

/** A count statement and how to read its rows. */
export interface CountStatement {
  statement: RawBuilder<Record<string, unknown>>;
  read(rows: Record<string, unknown>[]): CountedMatches;
}

/**
 * The count and the aggregations over `source` (`FROM` text: a table and its WHERE, or a subquery):
 * each row one asset, or, with `weight`, each row that many assets (a signed count, search-count.ts).
 */
export function countFrom(source: RawBuilder<unknown>, aggregates: readonly SearchAggregate[], weight?: RawBuilder<unknown>): CountStatement {
  const counted = weight ? sql`coalesce(sum(${weight}), 0)` : sql`count(*)`;
  const terms = aggregates.filter((each): each is Extract<SearchAggregate, { kind: 'terms' }> => each.kind === 'terms');
  const ranges = aggregates.filter((each): each is Extract<SearchAggregate, { kind: 'ranges' }> => each.kind === 'ranges');
  const rangeColumns = ranges.flatMap((each, a) => {
    const value = RANGE_FIELD_SQL[each.field];
    return each.ranges.map((range, r) => {
      const bounds: RawBuilder<SqlBool>[] = [RANGE_SCOPE[each.field], sql<SqlBool>`${value} IS NOT NULL`];
      if (range.from !== undefined) bounds.push(sql<SqlBool>`${value} >= ${range.from}::float8`);
      if (range.to !== undefined) bounds.push(sql<SqlBool>`${value} < ${range.to}::float8`);
      const filter = sql`FILTER (WHERE ${sql.join(bounds, sql` AND `)})`;
      return sql`${weight ? sql`coalesce(sum(${weight}) ${filter}, 0)` : sql`count(*) ${filter}`} AS ${sql.ref(`range_${a}_${r}`)}`;
    });
  });
  const termColumns = terms.flatMap((each, t) => [
    sql`${TERM_COLUMNS[each.field]} AS ${sql.ref(`term_${t}`)}`,
    sql`GROUPING(${TERM_COLUMNS[each.field]}) AS ${sql.ref(`grouping_${t}`)}`,
  ]);
  const grouping = terms.length === 0 ? sql`` : sql`GROUP BY GROUPING SETS ((), ${sql.join(terms.map((each) => sql`(${TERM_COLUMNS[each.field]})`))})`;
  const statement = sql<Record<string, unknown>>`
    SELECT ${sql.join([sql`${counted} AS count`, ...rangeColumns, ...termColumns])}
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
      const byValue = rows
        // A signed count can sum to 0 for a value: like a value without matches, it is absent.
        .filter((row) => Number(row[`grouping_${t}`]) === 0 && row[`term_${t}`] !== null && row[`term_${t}`] !== undefined && Number(row.count) !== 0)
        .map((row): [string, number] => [String(row[`term_${t}`]), Number(row.count)])
        .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0));
      aggregations[each.field] = Object.fromEntries(byValue);
    });
    result.aggregations = aggregations;
    return result;
  };
  return { statement, read };
}

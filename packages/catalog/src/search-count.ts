import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { SearchNode } from '@rendition/protocol';
import { countFrom, countStatement, type CountStatement, type SearchAggregate } from './search-aggregates.ts';
import { tagWordColumnMatch, tagWordTerm, type TagWordColumn } from './search-sql.ts';

/**
 * Which statement counts a search's matches (and its value aggregations), exactly. Counting the
 * matching rows of `assets` costs a visit per row (a heap page per row for tag matches, the whole table
 * for `NOT tags=x`); for these shapes of expression the count is algebra over tables whose rows are
 * already counted:
 *
 * | shape | counted from |
 * | --- | --- |
 * | K: no expression, or `resource_type`/`type`/`format` equalities ANDed | `asset_counts` (0026): a sum over a few rows per key |
 * | K AND T, T a tag term (`tags=x`, one-word `tags:x`) | `asset_tag_words` (0020) index-only: one row per asset |
 * | K AND (T1 OR T2 …) | the same, each term's rows in asset_id order (its btree's), merged, duplicates dropped as they stream |
 * | K AND NOT (T1 OR …) | count(K) − count(K AND (T1 OR …)): the tag part is never NULL, so NOT is its complement in K |
 *
 * Value aggregations (`format`, `resource_type`, `type`: columns both tables copy) are counted by the same
 * algebra, per value; range aggregations need each row's value and count on `assets`, as does every
 * other expression. Both tables are kept by triggers in the transactions that change `assets`, and a
 * statement reads them in one snapshot: the answers are the ones a count(*) on `assets` would give
 * (packages/catalog/test/search-count.test.ts compares them on many expressions).
 */

type TagWordKey = NonNullable<ReturnType<typeof tagWordTerm>>;

interface KindEquality {
  column: TagWordColumn;
  value: string;
}

/** An expression these tables answer: kind equalities, and an OR of tag terms or its negation. */
export interface CountShape {
  kinds: KindEquality[];
  tags?: { terms: TagWordKey[]; negated: boolean };
}

export function countShape(node: SearchNode | undefined): CountShape | undefined {
  const kinds: KindEquality[] = [];
  const rest: SearchNode[] = [];
  for (const part of node ? andParts(node) : []) {
    const kind = tagWordColumnMatch(part);
    if (kind) kinds.push(kind);
    else rest.push(part);
  }
  if (rest.length === 0) return { kinds };
  if (rest.length > 1) return undefined;
  const negated = rest[0]!.type === 'not';
  const core = rest[0]!.type === 'not' ? rest[0]!.child : rest[0]!;
  const terms: TagWordKey[] = [];
  for (const term of orParts(core)) {
    const key = tagWordTerm(term);
    if (!key) return undefined;
    terms.push(key);
  }
  return { kinds, tags: { terms, negated } };
}

/**
 * The count statement of a search: from the counted tables when the expression has a shape they answer
 * (and every aggregation is a value aggregation), else on `assets` with `matches`.
 */
export function searchCountStatement(
  cloudName: string,
  node: SearchNode | undefined,
  matches: RawBuilder<SqlBool>,
  aggregates: readonly SearchAggregate[],
): CountStatement {
  const shape = aggregates.every((each) => each.kind === 'terms') ? countShape(node) : undefined;
  if (!shape) return countStatement(matches, aggregates);
  const kinds: RawBuilder<SqlBool> = sql<SqlBool>`${sql.join(
    [sql<SqlBool>`cloud_name = ${cloudName}`, ...shape.kinds.map(({ column, value }) => sql<SqlBool>`${sql.ref(column)} = ${value}`)],
    sql` AND `,
  )}`;
  const counted = sql`asset_counts WHERE ${kinds}`;
  if (!shape.tags) return countFrom(counted, aggregates, sql`assets`);
  const tagged = taggedRows(kinds, shape.tags.terms, aggregates.length > 0);
  if (!shape.tags.negated) return countFrom(tagged, aggregates);
  if (aggregates.length === 0) {
    return {
      statement: sql<Record<string, unknown>>`
        SELECT (SELECT coalesce(sum(assets), 0) FROM ${counted}) - (SELECT count(*) FROM ${tagged}) AS count`,
      read: countFrom(tagged, aggregates).read,
    };
  }
  // Per value too: the kind's counts, less one for each tagged asset.
  const signed = sql`(
    SELECT resource_type, type, format, assets AS weight FROM ${counted}
    UNION ALL
    SELECT resource_type, type, format, -1 FROM ${tagged}
  ) AS signed`;
  return countFrom(signed, aggregates, sql`weight`);
}

/**
 * The `FROM` of the assets K AND (T1 OR …) matches, one row each (with resource_type, type, format when
 * aggregated). One term: its rows. Several: each term's rows ordered by asset_id (what its btree range
 * gives, no sort), merged (Merge Append) and kept once (Unique). DISTINCT ON is never hashed, so the
 * already sorted terms make the merge its cheapest plan; DISTINCT, UNION or count(DISTINCT) over the
 * same rows get a hash or a sort (the planner guesses 200 distinct ids for any union), 2–3× as long on
 * 50,000 ids.
 */
function taggedRows(kinds: RawBuilder<SqlBool>, terms: readonly TagWordKey[], withKinds: boolean): RawBuilder<unknown> {
  const where = (term: TagWordKey) => sql<SqlBool>`${kinds} AND whole = ${term.whole} AND word = ${term.word}`;
  if (terms.length === 1) return sql`asset_tag_words WHERE ${where(terms[0]!)}`;
  const columns = withKinds ? sql`asset_id, resource_type, type, format` : sql`asset_id`;
  const ordered = terms.map((term) => sql`(SELECT ${columns} FROM asset_tag_words WHERE ${where(term)} ORDER BY asset_id)`);
  return sql`(SELECT DISTINCT ON (asset_id) ${columns} FROM (${sql.join(ordered, sql` UNION ALL `)}) AS terms ORDER BY asset_id) AS tagged`;
}

function andParts(node: SearchNode): SearchNode[] {
  return node.type === 'and' ? node.children.flatMap(andParts) : [node];
}

function orParts(node: SearchNode): SearchNode[] {
  return node.type === 'or' ? node.children.flatMap(orParts) : [node];
}

import { sql } from 'kysely';
import { escapeLike } from './asset-queries.ts';
import type { CatalogDb } from './connection.ts';

export interface CloudTagPage {
  tags: string[];
  /** The last tag of this page, present only when more tags follow. */
  next?: string;
}

/**
 * The distinct tags of a cloud's assets of one resource type, in byte order (`COLLATE "C"`, whatever
 * the database's collation), keyset-paginated: a page resumes strictly after `after`. `prefix` is taken
 * literally (`%` and `_` are not wildcards).
 */
export async function listCloudTags(
  db: CatalogDb,
  query: { cloudName: string; resourceType: string; prefix?: string; maxResults: number; after?: string },
): Promise<CloudTagPage> {
  const conditions = [sql`cloud_name = ${query.cloudName}`, sql`resource_type = ${query.resourceType}`];
  if (query.prefix !== undefined && query.prefix !== '') conditions.push(sql`tag COLLATE "C" LIKE ${`${escapeLike(query.prefix)}%`}`);
  if (query.after !== undefined) conditions.push(sql`tag COLLATE "C" > ${query.after}`);
  const { rows } = await sql<{ tag: string }>`
    SELECT DISTINCT tag COLLATE "C" AS tag
    FROM assets CROSS JOIN LATERAL unnest(tags) AS listed(tag)
    WHERE ${sql.join(conditions, sql` AND `)}
    ORDER BY tag
    LIMIT ${query.maxResults + 1}
  `.execute(db);
  const tags = rows.slice(0, query.maxResults).map((row) => row.tag);
  const last = tags.at(-1);
  return rows.length > query.maxResults && last !== undefined ? { tags, next: last } : { tags };
}

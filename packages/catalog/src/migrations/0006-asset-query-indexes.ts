import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the Admin API's listings (asset-queries.ts). Listings walk public_ids in byte order
 * (`COLLATE "C"`), so one btree serves both the keyset order and `LIKE 'prefix%'` ranges whatever the
 * database's default collation. `tags @> ARRAY[tag]` needs a GIN index on tags: 0004 creates it as
 * `assets_tags_idx`; the same name here makes this a no-op after 0004 and keeps the listing's index
 * requirement stated where the listing's indexes are (down leaves it to 0004).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX assets_listing_idx ON assets (cloud_name, resource_type, type, (public_id COLLATE "C"), asset_id)`.execute(db);
  await sql`CREATE INDEX assets_listing_any_type_idx ON assets (cloud_name, resource_type, (public_id COLLATE "C"), asset_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS assets_tags_idx ON assets USING gin (tags)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS assets_listing_any_type_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS assets_listing_idx`.execute(db);
}

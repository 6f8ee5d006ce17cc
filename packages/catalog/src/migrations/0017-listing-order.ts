import { sql, type Kysely } from 'kysely';

/**
 * Indexes for the Admin API's listing orders and filters (asset-queries.ts). Listings without a prefix
 * walk assets newest first, keyed (created_at, asset_id): one btree per scope shape (with and without
 * a delivery type) serves the order and the cursor's row comparison in both directions (0006's
 * public_id btrees keep serving prefix listings). `resources_by_asset_folder` walks one folder across
 * resource types in the same order. `resources_by_context` asks `context ? key` and
 * `context @> {key: value}`: the default jsonb GIN operator class serves both (jsonb_path_ops has no `?`);
 * the Search API's `context.k` queries use it too (0015).
 *
 * IF NOT EXISTS: on a large catalog an operator may build these beforehand with CREATE INDEX
 * CONCURRENTLY under the same names (a plain CREATE INDEX holds writes off while it builds).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX IF NOT EXISTS assets_created_idx ON assets (cloud_name, resource_type, type, created_at, asset_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS assets_created_any_type_idx ON assets (cloud_name, resource_type, created_at, asset_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS assets_asset_folder_idx ON assets (cloud_name, asset_folder, created_at, asset_id)`.execute(db);
  await sql`CREATE INDEX IF NOT EXISTS assets_context_idx ON assets USING gin (context)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS assets_context_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS assets_asset_folder_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS assets_created_any_type_idx`.execute(db);
  await sql`DROP INDEX IF EXISTS assets_created_idx`.execute(db);
}

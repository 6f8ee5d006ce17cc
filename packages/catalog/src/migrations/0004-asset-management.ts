import { sql, type Kysely } from 'kysely';

/**
 * Delete tokens (`return_delete_token=true` on upload, spent by `delete_by_token`). Only a SHA-256
 * of the token is kept, so the table alone cannot delete anything; a token dies with its asset.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('delete_tokens')
    .addColumn('token_hash', 'char(64)', (c) => c.primaryKey())
    .addColumn('asset_id', 'char(32)', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('delete_tokens_asset_idx').on('delete_tokens').column('asset_id').execute();
  await db.schema.createIndex('delete_tokens_expires_idx').on('delete_tokens').column('expires_at').execute();
  // Tag commands filter on public_id lists within one (cloud, resource_type, type): the identity index
  // serves them; set_exclusive looks tags up across a cloud, which a GIN index on tags serves.
  await db.schema.createIndex('assets_tags_idx').on('assets').using('gin').column('tags').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('assets_tags_idx').ifExists().execute();
  await db.schema.dropTable('delete_tokens').ifExists().execute();
}

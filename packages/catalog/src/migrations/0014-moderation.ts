import { sql, type Kysely } from 'kysely';

/**
 * Moderation (docs/moderation.md).
 *
 * `assets.moderation`: the current version's moderation entries in wire form (`[{kind, status,
 * response?, updated_at?}]`), in the order they were asked; jsonb with a GIN index so that
 * `resources_by_moderation` finds the assets holding `{kind, status}` without a scan.
 * `assets.moderation_status`: the asset's overall status (rejected if an entry is, else pending while
 * one is pending or queued, else approved); delivery refuses a rejected asset, the duplicate index
 * only matches assets that are not rejected. `assets.moderation_notification_url`: the upload's
 * `notification_url`, which every later decision notifies.
 *
 * `image_hashes`: the duplicate-detection index: one 64-bit perceptual hash per image moderated with
 * `duplicate:<t>`, split into four 16-bit chunks each with its own index (multi-index hashing: two
 * hashes within Hamming distance d agree within floor(d/4) bits on at least one chunk).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets ADD COLUMN moderation jsonb`.execute(db);
  await sql`ALTER TABLE assets ADD COLUMN moderation_status text`.execute(db);
  await sql`ALTER TABLE assets ADD COLUMN moderation_notification_url text`.execute(db);
  await sql`CREATE INDEX assets_moderation_entries ON assets USING gin (moderation jsonb_path_ops) WHERE moderation IS NOT NULL`.execute(db);
  await db.schema
    .createTable('image_hashes')
    .addColumn('asset_id', 'char(32)', (c) => c.primaryKey().references('assets.asset_id').onDelete('cascade'))
    .addColumn('cloud_name', 'text', (c) => c.notNull())
    .addColumn('hash', 'bigint', (c) => c.notNull())
    .addColumn('chunk0', 'integer', (c) => c.notNull())
    .addColumn('chunk1', 'integer', (c) => c.notNull())
    .addColumn('chunk2', 'integer', (c) => c.notNull())
    .addColumn('chunk3', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  for (const chunk of ['chunk0', 'chunk1', 'chunk2', 'chunk3']) {
    await sql`CREATE INDEX ${sql.raw(`image_hashes_${chunk}`)} ON image_hashes (cloud_name, ${sql.raw(chunk)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('image_hashes').ifExists().execute();
  await sql`DROP INDEX IF EXISTS assets_moderation_entries`.execute(db);
  await sql`ALTER TABLE assets DROP COLUMN moderation, DROP COLUMN moderation_status, DROP COLUMN moderation_notification_url`.execute(db);
}

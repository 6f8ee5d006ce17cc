import { sql, type Kysely } from 'kysely';

/**
 * Upload presets: a named map of upload parameters per cloud, with the flags that are not upload
 * parameters (`unsigned`, `disallow_public_id`, `live`). Settings are kept as the parameters were
 * sent (strings, or lists for `name[]` fields), so an upload merges them exactly like request fields.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upload_presets')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unsigned', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('disallow_public_id', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('live', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('settings', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('upload_presets_pk', ['cloud_name', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upload_presets').ifExists().execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Streaming profiles of a cloud (Admin API `streaming_profiles`): custom ones, and overrides of the
 * predefined ones (made by an update; a delete removes the override and the predefined profile is back).
 * `representations` holds one canonical transformation string per rendition, in the profile's order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('streaming_profiles')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('representations', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('streaming_profiles_pk', ['cloud_name', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('streaming_profiles').ifExists().execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Upload mappings (issue 20): per cloud, a folder name and the URL prefix (`template`) it stands
 * for, as the Admin API's `upload_mappings` calls keep them. One mapping per folder.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('upload_mappings')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('folder', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('upload_mappings_pk', ['cloud_name', 'folder'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('upload_mappings').ifExists().execute();
}

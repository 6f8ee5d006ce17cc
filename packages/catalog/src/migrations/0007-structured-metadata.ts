import { sql, type Kysely } from 'kysely';

/**
 * Structured metadata: the field definitions of each cloud (Admin API `metadata_fields`) and the
 * values an asset holds, by field external_id. A deleted field keeps its row (`deleted_at`) so its
 * external_id stays taken, as Cloudinary's do; its values are taken off the assets when it goes.
 * `default_value`, `validation` and `datasource` are kept as the Admin API shows them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('metadata_fields')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('mandatory', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('default_value', 'jsonb')
    .addColumn('validation', 'jsonb')
    .addColumn('datasource', 'jsonb')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('deleted_at', 'timestamptz')
    .addPrimaryKeyConstraint('metadata_fields_pk', ['cloud_name', 'external_id'])
    .execute();
  await db.schema
    .alterTable('assets')
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('assets').dropColumn('metadata').execute();
  await db.schema.dropTable('metadata_fields').ifExists().execute();
}

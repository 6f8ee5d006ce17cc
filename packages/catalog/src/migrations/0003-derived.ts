import { sql, type Kysely } from 'kysely';

/** Derivatives: one row per (asset version, canonical transformation, format), written once. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('derived')
    .addColumn('asset_id', 'char(32)', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
    .addColumn('version_id', 'char(32)', (c) => c.notNull())
    .addColumn('transformation_hash', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('transformation', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('etag', 'char(32)', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('derived_pk', ['asset_id', 'version_id', 'transformation_hash', 'format'])
    .execute();

  await db.schema
    .createTable('named_transformations')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('transformation', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('named_transformations_pk', ['cloud_name', 'name'])
    .execute();

  await db.schema
    .alterTable('clouds')
    .addColumn('strict_transformations', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();

  // eager_async batches notify twice: the upload when it is stored, the eager list when it is done.
  await db.schema
    .alterTable('batches')
    .addColumn('eager_async', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('eager_notification_urls', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('batches').dropColumn('eager_async').dropColumn('eager_notification_urls').execute();
  await db.schema.alterTable('clouds').dropColumn('strict_transformations').execute();
  await db.schema.dropTable('named_transformations').ifExists().execute();
  await db.schema.dropTable('derived').ifExists().execute();
}

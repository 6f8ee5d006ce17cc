import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('clouds')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('api_key', 'text', (c) => c.primaryKey())
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('api_secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('api_keys_cloud_idx').on('api_keys').column('cloud_name').execute();

  await db.schema
    .createTable('assets')
    .addColumn('asset_id', 'char(32)', (c) => c.primaryKey())
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('public_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('version_id', 'char(32)', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('pages', 'integer')
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'char(32)', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('context', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('asset_folder', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('original_filename', 'text')
    .addColumn('access_mode', 'text', (c) => c.notNull().defaultTo('public'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('assets_identity_unique', ['cloud_name', 'resource_type', 'type', 'public_id'])
    .execute();

  await db.schema
    .createTable('asset_versions')
    .addColumn('version_id', 'char(32)', (c) => c.primaryKey())
    .addColumn('asset_id', 'char(32)', (c) => c.notNull().references('assets.asset_id').onDelete('cascade'))
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'char(32)', (c) => c.notNull())
    .addColumn('format', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('asset_versions_asset_idx').on('asset_versions').column('asset_id').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('result', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('jobs_unfinished_idx').on('jobs').column('status').where(sql.ref('finished_at'), 'is', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['jobs', 'asset_versions', 'assets', 'api_keys', 'clouds']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

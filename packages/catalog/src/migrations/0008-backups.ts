import { sql, type Kysely } from 'kysely';

/**
 * Backups and versions (issue 5 item 6). `clouds.backups` is the cloud's default (on). Every
 * `asset_versions` row holds the bytes of one version: the current one, or a backup kept by an
 * overwrite or a destroy. Version rows no longer cascade with their asset: a destroy with backups
 * keeps the backed-up rows and records the asset's identity and descriptive fields in
 * `deleted_assets`, so `download_backup` and `restore` still reach them after the asset is gone.
 * The new version columns (content type, dimensions) let a version be served and restored alone.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clouds')
    .addColumn('backups', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await sql`ALTER TABLE asset_versions DROP CONSTRAINT IF EXISTS asset_versions_asset_id_fkey`.execute(db);
  await db.schema
    .alterTable('asset_versions')
    .addColumn('content_type', 'text')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('pages', 'integer')
    .addColumn('backup', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`
    UPDATE asset_versions v
    SET content_type = a.content_type, width = a.width, height = a.height, pages = a.pages
    FROM assets a
    WHERE a.version_id = v.version_id
  `.execute(db);

  await db.schema
    .createTable('deleted_assets')
    .addColumn('asset_id', 'char(32)', (c) => c.primaryKey())
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('public_id', 'text', (c) => c.notNull())
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('context', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('metadata', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('asset_folder', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('original_filename', 'text')
    .addColumn('access_mode', 'text', (c) => c.notNull().defaultTo('public'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('deleted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('deleted_assets_identity_idx')
    .on('deleted_assets')
    .columns(['cloud_name', 'resource_type', 'type', 'public_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('deleted_assets').ifExists().execute();
  await sql`DELETE FROM asset_versions v WHERE NOT EXISTS (SELECT 1 FROM assets a WHERE a.asset_id = v.asset_id)`.execute(db);
  for (const column of ['backup', 'pages', 'height', 'width', 'content_type']) {
    await db.schema.alterTable('asset_versions').dropColumn(column).execute();
  }
  await sql`ALTER TABLE asset_versions ADD CONSTRAINT asset_versions_asset_id_fkey FOREIGN KEY (asset_id) REFERENCES assets(asset_id) ON DELETE CASCADE`.execute(
    db,
  );
  await db.schema.alterTable('clouds').dropColumn('backups').execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * Asset folders (Admin API `create_folder`, `root_folders`, `sub_folders`, `delete_folder`,
 * `rename_folder`; docs/asset-management.md, "Folders, tags, usage and config").
 *
 * A folder exists when a row here names it (made by `create_folder`, or kept by a rename or a delete
 * of a child) or when an asset's `asset_folder` is it or lies under it. Only the first kind needs a
 * row: the second is read from `assets`, so an upload never has to write here. Every explicit folder
 * has rows for all of its ancestors too, so a folder's explicit children are the rows one level below it.
 *
 * The `assets` index lets the folder reads and a rename find the assets at or under a path as a byte
 * range (`asset_folder COLLATE "C" LIKE 'a/b/%'`) whatever the database's default collation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('folders')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('folders_pk', ['cloud_name', 'path'])
    .execute();
  await sql`CREATE INDEX folders_path_bytes_idx ON folders (cloud_name, (path COLLATE "C"))`.execute(db);
  await sql`CREATE INDEX assets_folder_path_bytes_idx ON assets (cloud_name, (asset_folder COLLATE "C"))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS assets_folder_path_bytes_idx`.execute(db);
  await db.schema.dropTable('folders').ifExists().execute();
}

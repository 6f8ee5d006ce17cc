import { sql, type Generated, type Transaction } from 'kysely';
import { escapeLike } from './asset-queries.ts';
import type { CatalogDb } from './connection.ts';
import type { Database } from './database-schema.ts';

/**
 * Asset folders (migration 0016). A folder exists when a `folders` row names it (an explicit folder,
 * whose ancestors always have rows too) or when some asset's `asset_folder` is it or lies under it
 * (an implied folder). Uploads and `asset_folder` updates make rows for the folder they file an asset
 * in (keepAssetFolder), so such a folder stays once its assets are gone. Paths are compared byte-wise (`COLLATE "C"`), as the asset listings compare
 * public_ids, and `/` separates a path's elements.
 */

interface FoldersTable {
  cloud_name: string;
  path: string;
  name: string;
  created_at: Generated<Date>;
}

export interface FolderEntry {
  name: string;
  path: string;
}

export interface FolderPage {
  folders: FolderEntry[];
  /** Every child of the parent, not only this page's. */
  totalCount: number;
  /** The last name of this page, present only when more children follow. */
  next?: string;
}

/** The last element of a path: a folder's name. */
function folderName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** `a/b/c` → `a`, `a/b`, `a/b/c`. */
function pathWithAncestors(path: string): string[] {
  const elements = path.split('/');
  return elements.map((_, index) => elements.slice(0, index + 1).join('/'));
}

/** The rows under `path` (not `path` itself) as a LIKE pattern on byte-compared text. */
function belowPattern(path: string): string {
  return `${escapeLike(path)}/%`;
}

/**
 * The children of `parent` (`''`: the root folders) by name, in byte order, keyset-paginated:
 * a page resumes strictly after `after`, so folders made or removed between two pages never shift
 * the ones still to come.
 */
export async function listChildFolders(
  db: CatalogDb,
  query: { cloudName: string; parent: string; maxResults: number; after?: string },
): Promise<FolderPage> {
  const { cloudName, parent, maxResults } = query;
  const prefix = parent === '' ? '' : `${parent}/`;
  const pattern = parent === '' ? '%' : belowPattern(parent);
  // The next element after the parent's prefix: `a/b/c/d` under `a/b` is child `c`.
  const child = (column: 'path' | 'asset_folder') =>
    sql<string>`split_part(substr(${sql.ref(column)}, char_length(${prefix}) + 1), '/', 1) COLLATE "C"`;
  const after = query.after === undefined ? sql`true` : sql`name > ${query.after}`;
  const { rows } = await sql<{ total: number | string; names: string[] }>`
    WITH children AS (
      SELECT ${child('path')} AS name FROM folders
      WHERE cloud_name = ${cloudName} AND path COLLATE "C" LIKE ${pattern}
      UNION
      SELECT ${child('asset_folder')} AS name FROM assets
      WHERE cloud_name = ${cloudName} AND asset_folder COLLATE "C" LIKE ${pattern}
    ), named AS (
      SELECT name FROM children WHERE name <> ''
    )
    SELECT
      (SELECT count(*) FROM named) AS total,
      (SELECT coalesce(array_agg(name ORDER BY name), '{}')
         FROM (SELECT name FROM named WHERE ${after} ORDER BY name LIMIT ${maxResults + 1}) page) AS names
  `.execute(db);
  const row = rows[0];
  const names = row?.names ?? [];
  const folders = names.slice(0, maxResults).map((name) => ({ name, path: `${prefix}${name}` }));
  const last = folders.at(-1);
  const page: FolderPage = { folders, totalCount: Number(row?.total ?? 0) };
  return names.length > maxResults && last ? { ...page, next: last.name } : page;
}

/** Whether `path` is a folder of the cloud: explicit, or implied by an asset at or under it. */
export async function folderExists(db: CatalogDb, cloudName: string, path: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM folders WHERE cloud_name = ${cloudName} AND path = ${path})
        OR EXISTS (SELECT 1 FROM assets WHERE cloud_name = ${cloudName} AND ${assetsAtOrUnder(path)}) AS found
  `.execute(db);
  return rows[0]?.found === true;
}

function assetsAtOrUnder(path: string) {
  return sql<boolean>`(asset_folder COLLATE "C" = ${path} OR asset_folder COLLATE "C" LIKE ${belowPattern(path)})`;
}

/** Makes `path` and its ancestors explicit folders; those that were already are left as they are. */
export async function createFolders(db: CatalogDb, cloudName: string, path: string): Promise<void> {
  await insertFolderRows(db, folderRows(cloudName, path));
}

function folderRows(cloudName: string, path: string): Array<{ cloud_name: string; path: string; name: string }> {
  return pathWithAncestors(path).map((each) => ({ cloud_name: cloudName, path: each, name: folderName(each) }));
}

async function insertFolderRows(db: CatalogDb, rows: Array<{ cloud_name: string; path: string; name: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db
    .withTables<{ folders: FoldersTable }>()
    .insertInto('folders')
    .values(rows)
    .onConflict((c) => c.columns(['cloud_name', 'path']).doNothing())
    .execute();
}

/**
 * Keeps the asset folder an asset is filed in (upload, overwrite, `update` of `asset_folder`) as an
 * explicit folder with its ancestors, so it outlives the assets in it, as Cloudinary's folders do in
 * dynamic folder mode (a folder emptied by deletes stays until `delete_folder`). The root (`''`) and a
 * path with an empty element (an `asset_folder` no folder call could name) make no rows.
 */
export async function keepAssetFolder(db: CatalogDb, cloudName: string, assetFolder: string): Promise<void> {
  await insertFolderRows(db, assetFolderRows(cloudName, assetFolder));
}

/** The folder rows keepAssetFolder keeps for an asset folder (none for the root or a path with an empty element). */
export function assetFolderRows(cloudName: string, assetFolder: string): Array<{ cloud_name: string; path: string; name: string }> {
  if (assetFolder === '' || assetFolder.split('/').includes('')) return [];
  return folderRows(cloudName, assetFolder);
}

/** Folder changes of one cloud run one at a time, so a rename and a delete never interleave. */
async function inFolderLock<T>(db: CatalogDb, cloudName: string, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`folders:${cloudName}`}, 0))`.execute(trx);
    return work(trx);
  });
}

export type DeleteFolderOutcome = { kind: 'deleted'; paths: string[] } | { kind: 'not_found' } | { kind: 'not_empty' };

/**
 * Deletes an empty folder with its (empty) subfolders. A folder holding an asset, directly or in a
 * subfolder, is not empty; its parent stays, as an explicit folder.
 */
export async function deleteEmptyFolder(db: CatalogDb, cloudName: string, path: string): Promise<DeleteFolderOutcome> {
  return inFolderLock(db, cloudName, async (trx) => {
    if (!(await folderExists(trx, cloudName, path))) return { kind: 'not_found' };
    const { rows: held } = await sql<{ found: boolean }>`
      SELECT EXISTS (SELECT 1 FROM assets WHERE cloud_name = ${cloudName} AND ${assetsAtOrUnder(path)}) AS found
    `.execute(trx);
    if (held[0]?.found === true) return { kind: 'not_empty' };
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : undefined;
    if (parent !== undefined) await createFolders(trx, cloudName, parent);
    const { rows } = await sql<{ path: string }>`
      WITH deleted AS (
        DELETE FROM folders
        WHERE cloud_name = ${cloudName} AND (path = ${path} OR path COLLATE "C" LIKE ${belowPattern(path)})
        RETURNING path
      )
      SELECT path FROM deleted ORDER BY path COLLATE "C"
    `.execute(trx);
    return { kind: 'deleted', paths: rows.map((row) => row.path) };
  });
}

export type RenameFolderOutcome = { kind: 'renamed'; movedAssets: number } | { kind: 'not_found' } | { kind: 'target_exists' };

/**
 * Moves folder `from` (its subfolders and the assets in them) to `to`. Only `asset_folder` changes:
 * public_ids, and so delivery URLs, stay as they are (Cloudinary's dynamic folders). The destroyed
 * assets kept as backups move too, so a restore puts them back where their folder now is. The old
 * parent stays, and the new one's ancestors are made, as explicit folders. The caller refuses a `to`
 * at or under `from`.
 */
export async function renameFolder(db: CatalogDb, cloudName: string, from: string, to: string): Promise<RenameFolderOutcome> {
  return inFolderLock(db, cloudName, async (trx) => {
    if (!(await folderExists(trx, cloudName, from))) return { kind: 'not_found' };
    if (await folderExists(trx, cloudName, to)) return { kind: 'target_exists' };
    const fromParent = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : undefined;
    if (fromParent !== undefined) await createFolders(trx, cloudName, fromParent);
    const moved = (column: 'path' | 'asset_folder') => sql<string>`${to} || substr(${sql.ref(column)}, char_length(${from}) + 1)`;
    await sql`
      UPDATE folders SET path = ${moved('path')}, name = CASE WHEN path = ${from} THEN ${folderName(to)} ELSE name END
      WHERE cloud_name = ${cloudName} AND (path = ${from} OR path COLLATE "C" LIKE ${belowPattern(from)})
    `.execute(trx);
    await createFolders(trx, cloudName, to);
    const assets = await sql`
      UPDATE assets SET asset_folder = ${moved('asset_folder')}
      WHERE cloud_name = ${cloudName} AND ${assetsAtOrUnder(from)}
    `.execute(trx);
    await sql`
      UPDATE deleted_assets SET asset_folder = ${moved('asset_folder')}
      WHERE cloud_name = ${cloudName} AND ${assetsAtOrUnder(from)}
    `.execute(trx);
    return { kind: 'renamed', movedAssets: Number(assets.numAffectedRows ?? 0) };
  });
}

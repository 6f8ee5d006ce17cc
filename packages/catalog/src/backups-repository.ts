import type { Selectable } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { AssetVersionsTable, DeletedAssetsTable } from './database-schema.ts';
import { ensureCloud } from './clouds-repository.ts';
import { toAssetDescription, type AssetDescription, type AssetIdentity, type AssetRecord } from './asset-records.ts';
import { findAsset } from './assets-repository.ts';
import { identityIs } from './identity-filters.ts';

/**
 * Backups and versions (migration 0008). The design in one line: every `asset_versions` row owns one
 * blob (`storage_key`), and a row that is not its asset's current version is a backup. Rows stay
 * until nothing needs them:
 *  - an overwrite keeps the replaced version's row and blob when it is backed up (see
 *    `keepsReplacedVersion` in backup-retention.ts), else deletes both;
 *  - a destroy keeps the backed-up rows (they do not cascade with the asset) and records the asset's
 *    identity and fields in `deleted_assets`, so `download_backup` and `restore` still find them;
 *  - a restore copies a version's bytes into a NEW version (new version_id, new blob), so no two rows
 *    share a blob and deleting one never breaks another.
 * A version is backed up when the cloud's `backups` setting is on (default) or it was uploaded with
 * `backup=true`; an overwrite with `backup=true` also keeps the version it replaces.
 */

/** A stored version: enough to serve its bytes and to make it current again. */
export interface VersionBackup {
  versionId: string;
  assetId: string;
  version: number;
  storageKey: string;
  bytes: number;
  etag: string;
  format: string | null;
  contentType: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  /** What ffprobe measured of a video/audio version (assets.media). */
  media: Record<string, unknown> | null;
  createdAt: Date;
}

/** A destroyed asset whose backups were kept: what a restore recreates it from. */
export type DeletedAssetRecord = AssetDescription & {
  deletedAt: Date;
};

export async function setCloudBackups(db: CatalogDb, cloudName: string, enabled: boolean): Promise<void> {
  await ensureCloud(db, cloudName);
  await db.updateTable('clouds').set({ backups: enabled }).where('name', '=', cloudName).execute();
}

/** `download_backup`: a version of an asset of this cloud, live or destroyed with its backups. */
export async function findVersionBackup(
  db: CatalogDb,
  input: { cloudName: string; assetId: string; versionId: string },
): Promise<VersionBackup | undefined> {
  const row = await db
    .selectFrom('asset_versions')
    .selectAll()
    .where('version_id', '=', input.versionId)
    .where('asset_id', '=', input.assetId)
    .where((eb) =>
      eb.or([
        eb.exists(
          eb
            .selectFrom('assets')
            .select('asset_id')
            .whereRef('assets.asset_id', '=', 'asset_versions.asset_id')
            .where('assets.cloud_name', '=', input.cloudName),
        ),
        eb.exists(
          eb
            .selectFrom('deleted_assets')
            .select('asset_id')
            .whereRef('deleted_assets.asset_id', '=', 'asset_versions.asset_id')
            .where('deleted_assets.cloud_name', '=', input.cloudName),
        ),
      ]),
    )
    .executeTakeFirst();
  return row && toVersion(row);
}

/**
 * What `restore` of one public_id works from: the asset live under that identity (if any), the
 * version asked for (or, without one, the newest version that is not the live asset's current one),
 * which may belong to the live asset or to a destroyed asset that held the identity, and that
 * destroyed asset's fields.
 */
export async function findRestorableVersion(
  db: CatalogDb,
  input: { identity: AssetIdentity; versionId?: string },
): Promise<{ version: VersionBackup; live?: AssetRecord; deleted?: DeletedAssetRecord; highestVersion: number } | undefined> {
  const { identity } = input;
  const live = await findAsset(db, identity);
  const deletedRows = await db.selectFrom('deleted_assets').selectAll().where(identityIs(identity)).execute();
  const owners = [...(live ? [live.assetId] : []), ...deletedRows.map((row) => row.asset_id)];
  if (owners.length === 0) return undefined;
  let query = db.selectFrom('asset_versions').selectAll().where('asset_id', 'in', owners);
  if (input.versionId !== undefined) query = query.where('version_id', '=', input.versionId);
  else if (live) query = query.where('version_id', '<>', live.versionId);
  const row = await query.orderBy('created_at', 'desc').orderBy('version', 'desc').limit(1).executeTakeFirst();
  if (!row) return undefined;
  const version = toVersion(row);
  // A restored version gets a version number above every one this identity's assets used: versioned
  // URLs are cached as immutable, so an earlier number must never name new bytes.
  const highest = await db
    .selectFrom('asset_versions')
    .select((eb) => eb.fn.max('version').as('highest'))
    .where('asset_id', 'in', owners)
    .executeTakeFirst();
  const highestVersion = Math.max(Number(highest?.highest ?? 0), live?.version ?? 0);
  const deletedRow = deletedRows.find((candidate) => candidate.asset_id.trim() === version.assetId);
  return { version, highestVersion, ...(live ? { live } : {}), ...(deletedRow ? { deleted: toDeleted(deletedRow) } : {}) };
}

function toVersion(row: Selectable<AssetVersionsTable>): VersionBackup {
  return {
    versionId: row.version_id.trim(),
    assetId: row.asset_id.trim(),
    version: Number(row.version),
    storageKey: row.storage_key,
    bytes: Number(row.bytes),
    etag: row.etag.trim(),
    format: row.format,
    contentType: row.content_type,
    width: row.width,
    height: row.height,
    pages: row.pages,
    media: row.media ?? null,
    createdAt: row.created_at,
  };
}

function toDeleted(row: Selectable<DeletedAssetsTable>): DeletedAssetRecord {
  return { ...toAssetDescription(row), deletedAt: row.deleted_at };
}

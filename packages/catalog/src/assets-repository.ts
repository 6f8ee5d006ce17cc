import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { AssetsTable, Database, DeletedAssetsTable, MetadataValue } from './database-schema.ts';
import { mergedMetadata, type MetadataChanges } from './metadata-fields-repository.ts';
import { forgetDeletedAsset, keepsReplacedVersion } from './backups-repository.ts';

export interface AssetIdentity {
  cloudName: string;
  resourceType: string;
  type: string;
  publicId: string;
}

export interface AssetRecord extends AssetIdentity {
  assetId: string;
  version: number;
  versionId: string;
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  bytes: number;
  etag: string;
  contentType: string;
  storageKey: string;
  tags: string[];
  context: Record<string, string>;
  /** Structured metadata by field external_id. */
  metadata: Record<string, MetadataValue>;
  assetFolder: string;
  displayName: string;
  originalFilename: string | null;
  accessMode: string;
  createdAt: Date;
}

export type CommitOutcome =
  /** A new asset. */
  | { kind: 'created'; asset: AssetRecord }
  /** An existing asset now points at the new version; the previous original may be deleted. */
  | {
      kind: 'overwritten';
      asset: AssetRecord;
      replacedStorageKey: string;
      replacedVersionId: string;
      /** The replaced version is a backup: its row and original stay (only its derivatives may go). */
      replacedKept: boolean;
    }
  /** `replacesAssetId` no longer holds this identity (destroyed or renamed meanwhile): nothing changed. */
  | { kind: 'asset-gone' }
  /** overwrite=false and the public_id is taken: nothing changed. */
  | { kind: 'existing'; asset: AssetRecord }
  /** This version was committed before (a retried job): nothing changed. */
  | { kind: 'already-committed'; asset: AssetRecord };

export async function findAsset(db: CatalogDb, identity: AssetIdentity): Promise<AssetRecord | undefined> {
  const row = await selectByIdentity(db, identity).executeTakeFirst();
  return row && toRecord(row);
}

export async function findAssetByVersionId(db: CatalogDb, versionId: string): Promise<AssetRecord | undefined> {
  const row = await db
    .selectFrom('asset_versions')
    .innerJoin('assets', 'assets.asset_id', 'asset_versions.asset_id')
    .selectAll('assets')
    .where('asset_versions.version_id', '=', versionId)
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * Records a stored original as the asset's current version, in one transaction, so a crash
 * leaves either the old catalog state or the new one. Idempotent per versionId.
 */
export async function commitAssetVersion(
  db: CatalogDb,
  input: {
    asset: AssetRecord;
    overwrite: boolean;
    /** `backup=true`: this version is backed up, and so is the version it replaces. */
    backup?: boolean;
    /**
     * The asset the caller found under this identity and whose asset_id it reused for the blob's key.
     * Re-checked under the row lock: if a destroy or rename took it meanwhile, the commit answers
     * `asset-gone` instead of recording a row whose original the destroy's sweep may delete.
     */
    replacesAssetId?: string;
  },
): Promise<CommitOutcome> {
  return db.transaction().execute(async (trx) => {
    const { asset } = input;
    const committed = await trx
      .selectFrom('asset_versions')
      .select('asset_id')
      .where('version_id', '=', asset.versionId)
      .executeTakeFirst();
    if (committed) {
      const row = await trx.selectFrom('assets').selectAll().where('asset_id', '=', committed.asset_id).executeTakeFirst();
      // Committed, then destroyed (its version kept as a backup): a retry must not bring it back.
      if (!row) throw new Error(`version ${asset.versionId} was committed and its asset destroyed since`);
      return { kind: 'already-committed', asset: toRecord(row) };
    }

    if (input.replacesAssetId !== undefined) {
      // Serializes with destroy and rename, which lock the same row before changing it.
      const seen = await trx.selectFrom('assets').selectAll().where('asset_id', '=', input.replacesAssetId).forUpdate().executeTakeFirst();
      const sameIdentity =
        seen !== undefined &&
        seen.cloud_name === asset.cloudName &&
        seen.resource_type === asset.resourceType &&
        seen.type === asset.type &&
        seen.public_id === asset.publicId;
      if (!sameIdentity) return { kind: 'asset-gone' };
    }

    const inserted = await trx
      .insertInto('assets')
      .values(toRow(asset))
      .onConflict((c) => c.constraint('assets_identity_unique').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await insertVersion(trx, asset, asset.assetId, input.backup === true);
      await forgetDeletedAsset(trx, asset.assetId);
      return { kind: 'created', asset: toRecord(inserted) };
    }

    const current = await selectByIdentity(trx, asset).forUpdate().executeTakeFirstOrThrow();
    if (!input.overwrite) return { kind: 'existing', asset: toRecord(current) };

    // Versioned URLs are cached as immutable, so new bytes never reuse the version they replace,
    // even when the overwrite lands within the same second.
    const replacement = { ...asset, version: Math.max(asset.version, Number(current.version) + 1) };
    const { asset_id: _keepAssetId, ...changes } = toRow(replacement);
    const updated = await trx
      .updateTable('assets')
      .set({ ...changes, updated_at: new Date() })
      .where('asset_id', '=', current.asset_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // A backed-up replaced version keeps its row (and its original); otherwise it goes.
    const replacedVersionId = current.version_id.trim();
    const replacedKept = await keepsReplacedVersion(trx, { cloudName: asset.cloudName, replacedVersionId, forced: input.backup === true });
    if (!replacedKept) await trx.deleteFrom('asset_versions').where('version_id', '=', replacedVersionId).execute();
    await insertVersion(trx, replacement, current.asset_id, input.backup === true);
    return { kind: 'overwritten', asset: toRecord(updated), replacedStorageKey: current.storage_key, replacedVersionId, replacedKept };
  });
}

function selectByIdentity(db: Kysely<Database>, identity: AssetIdentity) {
  return db
    .selectFrom('assets')
    .selectAll()
    .where('cloud_name', '=', identity.cloudName)
    .where('resource_type', '=', identity.resourceType)
    .where('type', '=', identity.type)
    .where('public_id', '=', identity.publicId);
}

async function insertVersion(trx: Transaction<Database>, asset: AssetRecord, assetId: string, backup: boolean): Promise<void> {
  await trx
    .insertInto('asset_versions')
    .values({
      version_id: asset.versionId,
      asset_id: assetId,
      version: asset.version,
      storage_key: asset.storageKey,
      bytes: asset.bytes,
      etag: asset.etag,
      format: asset.format,
      content_type: asset.contentType,
      width: asset.width,
      height: asset.height,
      pages: asset.pages,
      backup,
    })
    .execute();
}

function toRow(asset: AssetRecord) {
  return {
    asset_id: asset.assetId,
    cloud_name: asset.cloudName,
    resource_type: asset.resourceType,
    type: asset.type,
    public_id: asset.publicId,
    version: asset.version,
    version_id: asset.versionId,
    format: asset.format,
    width: asset.width,
    height: asset.height,
    pages: asset.pages,
    bytes: asset.bytes,
    etag: asset.etag,
    content_type: asset.contentType,
    storage_key: asset.storageKey,
    tags: asset.tags,
    context: JSON.stringify(asset.context),
    metadata: JSON.stringify(asset.metadata),
    asset_folder: asset.assetFolder,
    display_name: asset.displayName,
    original_filename: asset.originalFilename,
    access_mode: asset.accessMode,
    created_at: asset.createdAt,
  };
}

function toRecord(row: Selectable<AssetsTable>): AssetRecord {
  return {
    ...toAssetDescription(row),
    version: Number(row.version),
    versionId: row.version_id.trim(),
    format: row.format,
    width: row.width,
    height: row.height,
    pages: row.pages,
    bytes: Number(row.bytes),
    etag: row.etag.trim(),
    contentType: row.content_type,
    storageKey: row.storage_key,
  };
}

/** An asset's identity and descriptive fields: what outlives its versions in `deleted_assets`. */
export type AssetDescription = Omit<AssetRecord, 'version' | 'versionId' | 'format' | 'width' | 'height' | 'pages' | 'bytes' | 'etag' | 'contentType' | 'storageKey'>;

/** The columns `assets` shares with `deleted_assets`, read into their record fields. */
export function toAssetDescription(row: Omit<Selectable<DeletedAssetsTable>, 'deleted_at'>): AssetDescription {
  return {
    assetId: row.asset_id.trim(),
    cloudName: row.cloud_name,
    resourceType: row.resource_type,
    type: row.type,
    publicId: row.public_id,
    tags: row.tags,
    context: row.context,
    metadata: row.metadata ?? {},
    assetFolder: row.asset_folder,
    displayName: row.display_name,
    originalFilename: row.original_filename,
    accessMode: row.access_mode,
    createdAt: row.created_at,
  };
}

/** Replaces tags and/or context of an asset and merges structured metadata into it (explicit); returns the updated asset. */
export async function updateAssetMetadata(
  db: CatalogDb,
  assetId: string,
  changes: { tags?: string[]; context?: Record<string, string>; metadata?: MetadataChanges },
): Promise<AssetRecord> {
  const row = await db
    .updateTable('assets')
    .set({
      updated_at: new Date(),
      ...(changes.tags ? { tags: changes.tags } : {}),
      ...(changes.context ? { context: JSON.stringify(changes.context) } : {}),
      ...(changes.metadata ? { metadata: mergedMetadata(changes.metadata) } : {}),
    })
    .where('asset_id', '=', assetId)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** The one row→record mapping, for the other catalog modules that select asset rows (asset-queries.ts). */
export { toRecord as assetRecordFromRow };

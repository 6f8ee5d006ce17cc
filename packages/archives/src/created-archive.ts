import { commitAssetVersion, deleteDerivedOfVersion, findAsset, type AssetRecord, type CatalogDb } from '@rendition/catalog';
import { contentTypeForRaw } from '@rendition/protocol';
import { deleteDerivedBlobs, originalKey, type BlobStore } from '@rendition/storage';

/** Where a created archive is written: the asset it becomes (new, or the existing one it overwrites). */
export interface ArchiveAssetPlace {
  assetId: string;
  versionId: string;
  storageKey: string;
  /** The asset found under the target public_id, overwritten by this version. */
  replacesAssetId?: string;
}

export interface ArchiveAssetTarget {
  cloudName: string;
  publicId: string;
  tags: string[];
  assetFolder: string;
  newAssetId: string;
  /** Made from the job's id: a retried job writes the same key and finds its version committed. */
  versionId: string;
}

/** The archive's storage key, under the asset_id of whatever holds the target public_id now (or a new one). */
export async function placeArchiveAsset(db: CatalogDb, target: ArchiveAssetTarget): Promise<ArchiveAssetPlace> {
  const current = await findAsset(db, { cloudName: target.cloudName, resourceType: 'raw', type: 'upload', publicId: target.publicId });
  const assetId = current?.assetId ?? target.newAssetId;
  return {
    assetId,
    versionId: target.versionId,
    storageKey: originalKey(assetId, target.versionId),
    ...(current ? { replacesAssetId: current.assetId } : {}),
  };
}

/**
 * Records the stored archive as a raw asset of type upload, as an upload with overwrite would: the
 * version it replaces goes (unless it is a backup) with its derivatives. Idempotent per version.
 * An asset destroyed or renamed between placing and committing is an internal error: the job's
 * retry places the archive again.
 */
export async function commitArchiveAsset(
  deps: { db: CatalogDb; store: BlobStore },
  target: ArchiveAssetTarget,
  place: ArchiveAssetPlace,
  stored: { bytes: number; md5: string },
): Promise<AssetRecord> {
  const asset: AssetRecord = {
    cloudName: target.cloudName,
    resourceType: 'raw',
    type: 'upload',
    publicId: target.publicId,
    assetId: place.assetId,
    version: Math.floor(Date.now() / 1000),
    versionId: place.versionId,
    format: null,
    width: null,
    height: null,
    pages: null,
    bytes: stored.bytes,
    etag: stored.md5,
    contentType: contentTypeForRaw(target.publicId),
    storageKey: place.storageKey,
    tags: target.tags,
    context: {},
    metadata: {},
    assetFolder: target.assetFolder,
    displayName: target.publicId.split('/').pop() ?? target.publicId,
    originalFilename: null,
    accessMode: 'public',
    createdAt: new Date(),
    media: null,
    moderation: null,
    moderationStatus: null,
    moderationNotificationUrl: null,
  };
  const result = await commitAssetVersion(deps.db, {
    asset,
    overwrite: true,
    ...(place.replacesAssetId ? { replacesAssetId: place.replacesAssetId } : {}),
  });
  switch (result.kind) {
    case 'created':
    case 'already-committed':
      return result.asset;
    case 'overwritten': {
      const derivedKeys = await deleteDerivedOfVersion(deps.db, result.asset.assetId, result.replacedVersionId);
      if (!result.replacedKept && result.replacedStorageKey !== place.storageKey) await deps.store.delete(result.replacedStorageKey);
      await deleteDerivedBlobs(deps.store, derivedKeys);
      return result.asset;
    }
    case 'asset-gone':
    case 'existing':
      // Stored under an asset_id a destroy's sweep may delete: not kept.
      await deps.store.delete(place.storageKey);
      throw new Error(`archive target ${target.publicId} changed while the archive was stored`);
  }
}

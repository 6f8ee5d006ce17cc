import { createHash } from 'node:crypto';
import { commitAssetVersion, deleteDerivedOfVersion, findAsset, type AssetRecord } from '@rendition/catalog';
import type { DeliveryType } from '@rendition/protocol';
import { hashFile } from '@rendition/scratch';
import { deleteDerivedBlobs, originalKey } from '@rendition/storage';
import type { DeriveDependencies } from '../derive-image.ts';

/** What a composition stores: an image asset of a generated type (multi, sprite, text). */
export interface ComposedFile {
  cloudName: string;
  type: DeliveryType;
  publicId: string;
  path: string;
  /** Null for a file that is no image (a sprite's CSS and JSON): its public_id ends with its extension already. */
  format: string | null;
  contentType: string;
  width: number | null;
  height: number | null;
  pages: number;
  /** The version to record (at least one above the current one, as any overwrite): one sprite's files share theirs. */
  version?: number;
}

/**
 * A job's version of an asset, made from its id: a retried job finds what an earlier attempt
 * committed instead of adding a version, and a new asset's id is stable the same way.
 */
export function composedIds(jobId: string, publicId: string): { versionId: string; newAssetId: string } {
  const id = (salt: string) => createHash('md5').update(`${jobId}\u0000${publicId}\u0000${salt}`).digest('hex');
  return { versionId: id('version'), newAssetId: id('asset') };
}

/**
 * Stores a composed file as the new version of its asset (created, or overwritten as an upload with
 * overwrite=true would be): the original under its key, the version in the catalog, and the replaced
 * version's derivatives and original removed unless it is kept as a backup. A retried job computes the
 * same bytes again (every composition encodes deterministically) and finds its version committed.
 */
export async function storeComposedAsset(
  deps: Pick<DeriveDependencies, 'db' | 'store'>,
  jobId: string,
  file: ComposedFile,
  attempt = 1,
): Promise<AssetRecord> {
  const { versionId, newAssetId } = composedIds(jobId, file.publicId);
  const identity = { cloudName: file.cloudName, resourceType: 'image' as const, type: file.type, publicId: file.publicId };
  const current = await findAsset(deps.db, identity);
  const assetId = current?.assetId ?? newAssetId;
  const storageKey = originalKey(assetId, versionId);
  const measured = await hashFile(file.path);
  await deps.store.putFile(storageKey, file.path, { contentType: file.contentType });
  const asset: AssetRecord = {
    ...identity,
    assetId,
    version: file.version ?? Math.floor(Date.now() / 1000),
    versionId,
    format: file.format,
    width: file.width,
    height: file.height,
    pages: file.pages,
    bytes: measured.bytes,
    etag: measured.md5,
    contentType: file.contentType,
    storageKey,
    tags: [],
    context: {},
    metadata: {},
    assetFolder: '',
    displayName: file.publicId.split('/').pop() ?? file.publicId,
    originalFilename: null,
    accessMode: 'public',
    createdAt: new Date(),
  };
  const outcome = await commitAssetVersion(deps.db, { asset, overwrite: true, ...(current ? { replacesAssetId: current.assetId } : {}) });
  switch (outcome.kind) {
    case 'created':
    case 'already-committed':
    case 'existing':
      return outcome.asset;
    case 'asset-gone':
      // Destroyed or renamed meanwhile: the blob sits under an id a destroy's sweep may delete.
      await deps.store.delete(storageKey);
      if (attempt >= 3) throw new Error(`asset ${file.publicId} kept changing while it was being stored`);
      return storeComposedAsset(deps, jobId, file, attempt + 1);
    case 'overwritten': {
      const derivedKeys = await deleteDerivedOfVersion(deps.db, outcome.asset.assetId, outcome.replacedVersionId);
      if (!outcome.replacedKept && outcome.replacedStorageKey !== storageKey) await deps.store.delete(outcome.replacedStorageKey);
      await deleteDerivedBlobs(deps.store, derivedKeys);
      return outcome.asset;
    }
  }
}

import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { commitAssetVersion, deleteDerivedOfVersion, findRestorableVersion, findVersionBackup, type AssetRecord } from '@rendition/catalog';
import {
  ApiError,
  contentTypeForFormat,
  missingParameter,
  parseDeliveryType,
  readList,
  readString,
  type DeliveryType,
  type RawParams,
  type ResourceType,
} from '@rendition/protocol';
import { BlobNotFoundError, deleteDerivedBlobs, originalKey } from '@rendition/storage';
import { assetResponse, type ManagementDependencies, type ManagementRequest } from './management-dependencies.ts';

/** The bytes of one stored version, as `download_backup` serves them. */
export interface BackupDownload {
  body: Readable;
  contentType: string;
  bytes: number;
  etag: string;
}

/**
 * `GET download_backup?asset_id=&version_id=` (signed like the SDK's `download_backedup_asset`): the
 * bytes of any stored version of an asset of the cloud, current or backed up, live or destroyed.
 */
export async function downloadBackup(deps: ManagementDependencies, input: { cloudName: string; params: RawParams }): Promise<BackupDownload> {
  const assetId = readString(input.params, 'asset_id');
  if (!assetId) throw new ApiError(400, missingParameter('asset_id'));
  const versionId = readString(input.params, 'version_id');
  if (!versionId) throw new ApiError(400, missingParameter('version_id'));
  const notFound = () => new ApiError(404, `Backup not found - asset_id ${assetId}, version_id ${versionId}`);
  if (!/^[0-9a-f]{32}$/.test(assetId) || !/^[0-9a-f]{32}$/.test(versionId)) throw notFound();
  const version = await findVersionBackup(deps.db, { cloudName: input.cloudName, assetId, versionId });
  if (!version) throw notFound();
  let body: Readable;
  try {
    body = await deps.store.get(version.storageKey);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw notFound();
    throw error;
  }
  return { body, contentType: versionContentType(version), bytes: version.bytes, etag: version.etag };
}

function versionContentType(version: { contentType: string | null; format: string | null }): string {
  if (version.contentType) return version.contentType;
  return version.format ? contentTypeForFormat(version.format) : 'application/octet-stream';
}

/**
 * Admin `POST resources/:resource_type/:type/restore` with `public_ids` and optional `versions` (one
 * version_id per public_id): each named version (without one, the newest version that is not the
 * current one) becomes the current version again, as a NEW version whose bytes are a copy of the old
 * one's. A destroyed asset comes back under its asset_id with its tags, context and metadata. The
 * version it replaces is kept as a backup. Answers `{"<public_id>": <resource JSON>}`, or
 * `{"<public_id>": {"error": "..."}}` for one that has no such backup.
 */
export async function restoreAssetsCommand(
  deps: ManagementDependencies,
  request: ManagementRequest & { type: string },
): Promise<Record<string, unknown>> {
  const publicIds = listParam(request.params, 'public_ids');
  if (publicIds.length === 0) throw new ApiError(400, missingParameter('public_ids'));
  const versions = listParam(request.params, 'versions');
  const type = parseDeliveryType(request.type);
  const result: Record<string, unknown> = {};
  for (const [index, publicId] of publicIds.entries()) {
    const versionId = versions[index];
    result[publicId] = await restoreOne(deps, request, { resourceType: request.resourceType, type, publicId, ...(versionId ? { versionId } : {}) });
  }
  return result;
}

async function restoreOne(
  deps: ManagementDependencies,
  request: ManagementRequest,
  target: { resourceType: ResourceType; type: DeliveryType; publicId: string; versionId?: string },
): Promise<Record<string, unknown>> {
  const identity = { cloudName: request.cloudName, resourceType: target.resourceType, type: target.type, publicId: target.publicId };
  const found = await findRestorableVersion(deps.db, { identity, ...(target.versionId ? { versionId: target.versionId } : {}) });
  const noBackup = {
    error: target.versionId ? `No backup of ${target.publicId} with version_id ${target.versionId}` : `No backup of ${target.publicId}`,
  };
  if (!found) return noBackup;
  const { version, live, deleted } = found;
  const base = live ?? (deleted && { ...deleted, deletedAt: undefined });
  if (!base) return noBackup;

  const assetId = live?.assetId ?? version.assetId;
  const versionId = randomBytes(16).toString('hex');
  const storageKey = originalKey(assetId, versionId);
  const contentType = versionContentType(version);
  try {
    await deps.store.put(storageKey, await deps.store.get(version.storageKey), { contentType });
  } catch (error) {
    if (error instanceof BlobNotFoundError) return noBackup;
    throw error;
  }
  const { deletedAt: _deletedAt, ...fields } = base as typeof base & { deletedAt?: Date };
  const asset: AssetRecord = {
    ...(fields as AssetRecord),
    ...identity,
    assetId,
    version: Math.max(Math.floor(Date.now() / 1000), found.highestVersion + 1),
    versionId,
    format: version.format,
    width: version.width,
    height: version.height,
    pages: version.pages,
    media: version.media,
    bytes: version.bytes,
    etag: version.etag,
    contentType,
    storageKey,
  };

  let outcome;
  try {
    outcome = await commitAssetVersion(deps.db, { asset, overwrite: true, backup: true, ...(live ? { replacesAssetId: live.assetId } : {}) });
  } catch (error) {
    await deps.store.delete(storageKey);
    throw error;
  }
  switch (outcome.kind) {
    case 'asset-gone':
      await deps.store.delete(storageKey);
      throw new ApiError(409, `${target.publicId} changed while it was being restored; try again`);
    case 'overwritten': {
      const derivedKeys = await deleteDerivedOfVersion(deps.db, outcome.asset.assetId, outcome.replacedVersionId);
      if (!outcome.replacedKept && outcome.replacedStorageKey !== storageKey) await deps.store.delete(outcome.replacedStorageKey);
      await deleteDerivedBlobs(deps.store, derivedKeys);
      return assetResponse(deps, request, outcome.asset);
    }
    case 'existing':
    case 'created':
    case 'already-committed':
      return assetResponse(deps, request, outcome.asset);
  }
}

/** A JSON array (the SDK's body), repeated `name[]` fields, or a comma list. */
function listParam(params: RawParams, name: string): string[] {
  const value = params[name];
  if (Array.isArray(value)) return value.filter((item) => item !== '');
  return readList(params, name);
}

import { deleteBackedUpVersions } from '@rendition/catalog';
import { ApiError, missingParameter, type RawParams } from '@rendition/protocol';
import type { ManagementDependencies } from './management-dependencies.ts';

/** At most this many version_ids in one call (a bound of ours; Cloudinary documents none). */
export const MAX_BACKUP_VERSION_IDS = 100;

const HEX_ID = /^[0-9a-f]{32}$/;

/**
 * Admin `DELETE resources/backup/:asset_id` with `version_ids[]` (the SDK's
 * `api.delete_backed_up_assets(asset_id, version_ids)`): the named backed-up versions of an asset of
 * the cloud, live or destroyed with its backups kept, are deleted with their derivatives. Answers
 * `{asset_id, deleted_version_ids}`; the live asset's current version is not a backup to delete and
 * is listed under `failures` (`[{version_id, error}]`) instead. An asset or a version_id this cloud does
 * not have is a 404 and nothing is deleted.
 */
export async function deleteBackedUpAssetsCommand(
  deps: ManagementDependencies,
  input: { cloudName: string; assetId: string; params: RawParams },
): Promise<Record<string, unknown>> {
  const { assetId } = input;
  const versionIds = listParam(input.params, 'version_ids');
  if (versionIds.length === 0) throw new ApiError(400, missingParameter('version_ids'));
  if (versionIds.length > MAX_BACKUP_VERSION_IDS) {
    throw new ApiError(400, `Too many version_ids: ${versionIds.length} (at most ${MAX_BACKUP_VERSION_IDS} in one call)`);
  }
  if (!HEX_ID.test(assetId)) throw new ApiError(404, `Resource not found - ${assetId.slice(0, 100)}`);
  const notFound = (versionId: string) => new ApiError(404, `Backup not found - asset_id ${assetId}, version_id ${versionId.slice(0, 100)}`);
  const malformed = versionIds.find((versionId) => !HEX_ID.test(versionId));
  if (malformed !== undefined) throw notFound(malformed);

  const outcome = await deleteBackedUpVersions(deps.db, { cloudName: input.cloudName, assetId, versionIds });
  if (outcome.kind === 'asset-not-found') throw new ApiError(404, `Resource not found - ${assetId}`);
  if (outcome.kind === 'version-not-found') throw notFound(outcome.versionId);

  // The rows are gone; a blob that cannot be deleted now is only unreferenced bytes (logged, not an error to the caller).
  const results = await Promise.allSettled(outcome.storageKeys.map((key) => deps.store.delete(key)));
  const failed = results.filter((result) => result.status === 'rejected').length;
  if (failed > 0) deps.logger.warn({ assetId, failed }, 'delete_backed_up_assets: some blobs of deleted versions were not deleted');

  return {
    asset_id: assetId,
    deleted_version_ids: outcome.deleted,
    ...(outcome.current.length > 0
      ? {
          failures: outcome.current.map((versionId) => ({ version_id: versionId, error: `${versionId} is the asset's current version, not a backup` })),
        }
      : {}),
  };
}

/** Repeated `version_ids[]` fields, a JSON array, or a comma list. */
function listParam(params: RawParams, name: string): string[] {
  const value = params[name];
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

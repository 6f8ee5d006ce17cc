import { notifyChange } from '@rendition/batches';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { renameAsset } from '@rendition/catalog';
import { ApiError, missingParameter, parseDeliveryType, readBoolean, readString, validatePublicId } from '@rendition/protocol';
import { assetResponse, deleteAssetBlobs, type ManagementDependencies, type ManagementRequest } from './management-dependencies.ts';

export const renameTargetExists = (toPublicId: string): string => `to_public_id ${toPublicId} already exists`;

/**
 * `rename`: a catalog change only. Storage keys hold the asset id, never the public_id, so no byte
 * moves and delivery URLs follow the new name at once. With overwrite, an asset already holding the
 * new name is destroyed in the same transaction; its bytes are deleted after the commit.
 */
export async function renameAssetCommand(deps: ManagementDependencies, request: ManagementRequest): Promise<Record<string, unknown>> {
  const { params } = request;
  const from = readString(params, 'from_public_id');
  if (!from) throw new ApiError(400, missingParameter('from_public_id'));
  const to = readString(params, 'to_public_id');
  if (!to) throw new ApiError(400, missingParameter('to_public_id'));
  validatePublicId(to);
  const type = parseDeliveryType(readString(params, 'type') ?? 'upload');
  const toType = parseDeliveryType(readString(params, 'to_type') ?? type);
  // A fetched image's public_id is its remote URL (docs/fetch-delivery.md): it is neither renamed nor made.
  if (type === 'fetch' || toType === 'fetch') throw new ApiError(400, 'Invalid type fetch: fetched images cannot be renamed');
  const overwrite = readBoolean(params, 'overwrite', false);
  // No CDN sits in front of Rendition's own delivery: invalidate is validated and has nothing to do.
  readBoolean(params, 'invalidate', false);
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'notification_url'));

  const outcome = await renameAsset(deps.db, {
    from: { cloudName: request.cloudName, resourceType: request.resourceType, type, publicId: from },
    toPublicId: to,
    toType,
    overwrite,
  });
  switch (outcome.kind) {
    case 'not-found':
      throw new ApiError(404, `Resource not found - ${from}`);
    case 'target-exists':
      throw new ApiError(400, renameTargetExists(to));
    case 'renamed':
      if (outcome.replaced) await deleteAssetBlobs(deps.store, outcome.replaced);
      await notifyChange(deps, {
        cloudName: request.cloudName,
        apiKey: request.credentials.apiKey,
        type: 'rename',
        fields: {
          resource_type: outcome.asset.resourceType,
          type: outcome.asset.type,
          asset_id: outcome.asset.assetId,
          from_public_id: from,
          to_public_id: outcome.asset.publicId,
          version: outcome.asset.version,
        },
        notificationUrl,
      });
      return assetResponse(deps, request, outcome.asset);
  }
}

import { notifyChange } from '@rendition/batches';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { destroyAsset } from '@rendition/catalog';
import { ApiError, missingParameter, parseDeliveryType, readBoolean, readString } from '@rendition/protocol';
import { deleteAssetBlobs, type ManagementDependencies, type ManagementRequest } from './management-dependencies.ts';

/**
 * `destroy`: the catalog rows (asset, versions, derivatives, delete tokens) go in one transaction,
 * then every blob under the asset's prefix. A missing asset is HTTP 200 `{"result":"not found"}`,
 * as Cloudinary answers.
 */
export async function destroyAssetCommand(deps: ManagementDependencies, request: ManagementRequest): Promise<{ result: string }> {
  const { params } = request;
  const publicId = readString(params, 'public_id');
  if (!publicId) throw new ApiError(400, missingParameter('public_id'));
  const type = parseDeliveryType(readString(params, 'type') ?? 'upload');
  readBoolean(params, 'invalidate', false);
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'notification_url'));
  const destroyed = await destroyAsset(deps.db, { cloudName: request.cloudName, resourceType: request.resourceType, type, publicId });
  if (!destroyed) return { result: 'not found' };
  await deleteAssetBlobs(deps.store, destroyed);
  await notifyChange(deps, {
    cloudName: request.cloudName,
    apiKey: request.credentials.apiKey,
    type: 'delete',
    fields: {
      resources: [
        {
          resource_type: destroyed.resourceType,
          type: destroyed.type,
          asset_id: destroyed.assetId,
          public_id: destroyed.publicId,
          version: destroyed.version,
        },
      ],
    },
    notificationUrl,
  });
  return { result: 'ok' };
}

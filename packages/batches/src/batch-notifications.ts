import type { BatchRecord, NewDelivery } from '@rendition/catalog';
import { buildEagerNotification, buildUploadNotification, newMessageId, serializeNotification } from '@rendition/webhooks';

/**
 * The webhook bodies of a finished batch: one delivery per URL, each with its own id (the
 * Standard Webhooks `webhook-id`, stable across retries). The body is fixed now and sent unchanged
 * on every attempt; only the signature headers are renewed.
 *
 * An eager_async batch already sent its upload notification when the original was stored
 * (uploadNotifications), so its completion reports the eager list, to eager_notification_url.
 */
export function notificationsForBatch(batch: BatchRecord): NewDelivery[] {
  const options = envelopeOptions(batch);
  if (batch.eagerAsync && batch.status === 'complete' && batch.result) {
    const urls = batch.eagerNotificationUrls.length > 0 ? batch.eagerNotificationUrls : batch.notificationUrls;
    const body = buildEagerNotification(
      {
        eager: Array.isArray(batch.result.eager) ? batch.result.eager : [],
        batchId: batch.batchId,
        assetId: batch.result.asset_id,
        publicId: batch.result.public_id,
      },
      options,
    );
    return deliveriesTo(urls, serializeNotification(body));
  }
  const body =
    batch.status === 'complete' && batch.result
      ? buildUploadNotification(batch.result, options)
      : buildUploadNotification(
          { status: 'failed', batch_id: batch.batchId, error: { message: batch.error?.message ?? 'Processing failed' } },
          options,
        );
  const urls = batch.eagerAsync ? [...batch.notificationUrls, ...batch.eagerNotificationUrls] : batch.notificationUrls;
  return deliveriesTo(urls, serializeNotification(body));
}

/** The upload notification of an eager_async upload, sent as soon as the original is stored. */
export function uploadNotifications(batch: BatchRecord, response: Record<string, unknown>): NewDelivery[] {
  return deliveriesTo(batch.notificationUrls, serializeNotification(buildUploadNotification(response, envelopeOptions(batch))));
}

function envelopeOptions(batch: BatchRecord) {
  return { requestId: batch.batchId.slice(0, 32), triggeredAt: batch.completedAt ?? new Date(), apiKey: batch.apiKey };
}

function deliveriesTo(urls: string[], body: string): NewDelivery[] {
  return [...new Set(urls)].map((url) => ({ id: newMessageId(), url, body }));
}

import type { BatchRecord, NewDelivery } from '@rendition/catalog';
import { isSynchronousRawConvert, RAW_CONVERT_KINDS, type RawConvertKind } from '@rendition/protocol';
import { buildEagerNotification, buildInfoNotification, buildUploadNotification, newMessageId, serializeNotification } from '@rendition/webhooks';
import { rawConvertEntries } from './batch-result.ts';

/**
 * The webhook bodies of a finished batch: one delivery per URL, each with its own id (the
 * Standard Webhooks `webhook-id`, stable across retries). The body is fixed now and sent unchanged
 * on every attempt; only the signature headers are renewed.
 *
 * An eager_async batch already sent its upload notification when the original was stored
 * (uploadNotifications), so its completion reports the eager list, to eager_notification_url. So
 * does an upload with an asynchronous raw_convert (aspose): its completion is the conversion's
 * `info` notification (and the eager one, with eager_async).
 */
export function notificationsForBatch(batch: BatchRecord): NewDelivery[] {
  const options = envelopeOptions(batch);
  const conversions = batch.status === 'complete' ? asyncConversions(batch) : [];
  if (conversions.length > 0 && batch.result) {
    const asset = batch.result;
    const info = conversions.flatMap(([kind, entry]) => {
      if (entry.status === 'pending') return [];
      const infoData = entry.status === 'complete' ? (entry.data ?? {}) : { error: entry.error?.message ?? 'Conversion failed' };
      const body = buildInfoNotification({ infoKind: kind, infoStatus: entry.status, asset, infoData }, options);
      return deliveriesTo(batch.notificationUrls, serializeNotification(body));
    });
    return [...info, ...(batch.eagerAsync ? eagerNotifications(batch, asset) : [])];
  }
  if (batch.eagerAsync && batch.status === 'complete' && batch.result) return eagerNotifications(batch, batch.result);
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

/** The asynchronous conversions (aspose) the batch's result reports: the upload notified before they ran. */
function asyncConversions(batch: BatchRecord) {
  return Object.entries(rawConvertEntries(batch.result)).filter(
    ([kind]) => (RAW_CONVERT_KINDS as readonly string[]).includes(kind) && !isSynchronousRawConvert(kind as RawConvertKind),
  );
}

function eagerNotifications(batch: BatchRecord, result: Record<string, unknown>): NewDelivery[] {
  const urls = batch.eagerNotificationUrls.length > 0 ? batch.eagerNotificationUrls : batch.notificationUrls;
  const body = buildEagerNotification(
    { eager: Array.isArray(result.eager) ? result.eager : [], batchId: batch.batchId, assetId: result.asset_id, publicId: result.public_id },
    envelopeOptions(batch),
  );
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

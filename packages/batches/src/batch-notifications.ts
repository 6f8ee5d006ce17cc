import type { BatchRecord, NewDelivery } from '@rendition/catalog';
import { buildUploadNotification, newMessageId, serializeNotification } from '@rendition/webhooks';

/**
 * The webhook bodies of a finished batch: one delivery per URL, each with its own id (the
 * Standard Webhooks `webhook-id`, stable across retries). The body is fixed now and sent unchanged
 * on every attempt; only the signature headers are renewed.
 */
export function notificationsForBatch(batch: BatchRecord): NewDelivery[] {
  if (batch.notificationUrls.length === 0) return [];
  const triggeredAt = batch.completedAt ?? new Date();
  const options = { requestId: batch.batchId.slice(0, 32), triggeredAt, apiKey: batch.apiKey };
  const body =
    batch.status === 'complete' && batch.result
      ? buildUploadNotification(batch.result, options)
      : buildUploadNotification(
          {
            status: 'failed',
            batch_id: batch.batchId,
            error: { message: batch.error?.message ?? 'Processing failed' },
          },
          options,
        );
  const serialized = serializeNotification(body);
  return [...new Set(batch.notificationUrls)].map((url) => ({ id: newMessageId(), url, body: serialized }));
}

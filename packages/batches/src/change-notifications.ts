import { randomBytes } from 'node:crypto';
import { cloudNotificationUrls, inTransaction, insertDeliveries, insertFinishedBatch } from '@rendition/catalog';
import { buildResourceNotification, newMessageId, serializeNotification } from '@rendition/webhooks';
import type { BatchJobDependencies } from './finish-job.ts';

/**
 * Notifies `notification_url` (and the cloud's global URLs) of a change already committed: a
 * `delete` or a `rename`. Recorded durably first, then queued; the relay covers a failed queueing.
 */
export async function notifyChange(
  deps: BatchJobDependencies,
  change: { cloudName: string; apiKey: string; type: 'delete' | 'rename'; fields: Record<string, unknown>; notificationUrl: string | undefined },
): Promise<void> {
  const urls = [...(change.notificationUrl ? [change.notificationUrl] : []), ...(await cloudNotificationUrls(deps.db, change.cloudName))];
  if (urls.length === 0) return;
  const batchId = randomBytes(32).toString('hex');
  // The batch and its deliveries in one transaction, so the relay sends them even if queueing fails now.
  const deliveries = await inTransaction(deps.db, async (trx) => {
    const batch = await insertFinishedBatch(trx, {
      batchId,
      cloudName: change.cloudName,
      apiKey: change.apiKey,
      kind: change.type,
      result: change.fields,
      notificationUrls: urls,
    });
    const body = serializeNotification(
      buildResourceNotification(change.type, change.fields, {
        requestId: batchId.slice(0, 32),
        triggeredAt: batch.completedAt ?? new Date(),
        apiKey: change.apiKey,
      }),
    );
    const made = [...new Set(urls)].map((url) => ({ id: newMessageId(), url, body }));
    await insertDeliveries(trx, batch, made);
    return made;
  });
  const queued = await Promise.allSettled(deliveries.map((delivery) => deps.queues.enqueue('notify', { v: 1, deliveryId: delivery.id }, delivery.id)));
  if (queued.some((result) => result.status === 'rejected'))
    deps.logger.warn({ batch_id: batchId }, 'could not queue notifications now; the relay will');
}

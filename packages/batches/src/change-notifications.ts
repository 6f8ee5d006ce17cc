import { randomBytes } from 'node:crypto';
import { cloudNotificationUrls, inTransaction, insertDeliveries, insertFinishedBatch, type AssetRecord } from '@rendition/catalog';
import { assetUrls, isoSeconds, type ModerationEntry } from '@rendition/protocol';
import {
  buildModerationNotification,
  buildUploadNotification,
  buildResourceNotification,
  newMessageId,
  serializeNotification,
  type UploadNotificationOptions,
} from '@rendition/webhooks';
import type { BatchJobDependencies } from './finish-job.ts';

/**
 * Notifies `notification_url` (and the cloud's global URLs) of a change already committed: a
 * `delete` or a `rename`. Recorded durably first, then queued; the relay covers a failed queueing.
 */
export async function notifyChange(
  deps: BatchJobDependencies,
  change: { cloudName: string; apiKey: string; type: 'delete' | 'rename'; fields: Record<string, unknown>; notificationUrl: string | undefined },
): Promise<void> {
  await recordAndQueue(deps, {
    cloudName: change.cloudName,
    apiKey: change.apiKey,
    kind: change.type,
    result: change.fields,
    notificationUrl: change.notificationUrl,
    body: (envelope) => buildResourceNotification(change.type, change.fields, envelope),
  });
}

/**
 * The `moderation` notification of one decided entry (a worker's verdict or a person's decision), to
 * the URL the decision names, the upload's notification_url and the cloud's URLs. The asset's URLs are
 * signed with the deciding key's secret when its type needs it, as Cloudinary's are.
 */
export async function notifyModeration(
  deps: BatchJobDependencies,
  decision: {
    asset: AssetRecord;
    entry: ModerationEntry;
    credentials: { apiKey: string; apiSecret: string };
    urlBases: { publicBaseUrl: string; secureBaseUrl: string };
    /** The decision's own notification_url (Admin API `update`), besides the upload's. */
    notificationUrl?: string | undefined;
  },
): Promise<void> {
  const { asset, entry } = decision;
  const urls = assetUrls(asset, { cloudName: asset.cloudName, apiSecret: decision.credentials.apiSecret, ...decision.urlBases });
  const fields = {
    asset_id: asset.assetId,
    public_id: asset.publicId,
    uploaded_at: isoSeconds(asset.createdAt),
    version: asset.version,
    url: urls.url,
    secure_url: urls.secure_url,
    etag: asset.etag,
  };
  await recordAndQueue(deps, {
    cloudName: asset.cloudName,
    apiKey: decision.credentials.apiKey,
    kind: 'moderation',
    result: { ...fields, moderation_kind: entry.kind, moderation_status: entry.status },
    notificationUrl: [decision.notificationUrl, asset.moderationNotificationUrl ?? undefined],
    body: (envelope) => buildModerationNotification({ entry, asset: fields }, envelope),
  });
}

/**
 * A piece of work that finished within its request but was asked for with `async=true` (an `explicit`
 * with nothing left to run): a finished batch whose `upload` notification carries the result, so the
 * caller gets the `batch_id` it can look up and the webhook it waits for. Returns the batch id.
 */
export async function recordFinishedWork(
  deps: BatchJobDependencies,
  work: { cloudName: string; apiKey: string; kind: string; result: Record<string, unknown>; notificationUrl: string | undefined },
): Promise<string> {
  return recordAndQueue(deps, {
    ...work,
    body: (envelope) => buildUploadNotification(work.result, envelope),
    recordWithoutUrls: true,
  });
}

/** A finished batch holding the notification and its deliveries, in one transaction; then queued. Returns its id. */
async function recordAndQueue(
  deps: BatchJobDependencies,
  change: {
    cloudName: string;
    apiKey: string;
    kind: string;
    result: Record<string, unknown>;
    notificationUrl: string | undefined | Array<string | undefined>;
    body: (envelope: UploadNotificationOptions) => Record<string, unknown>;
    /** Keep the batch even when nobody is to be notified (its id was answered). */
    recordWithoutUrls?: boolean;
  },
): Promise<string> {
  const own = (Array.isArray(change.notificationUrl) ? change.notificationUrl : [change.notificationUrl]).filter(
    (url): url is string => url !== undefined && url !== '',
  );
  const urls = [...own, ...(await cloudNotificationUrls(deps.db, change.cloudName))];
  const batchId = randomBytes(32).toString('hex');
  if (urls.length === 0 && change.recordWithoutUrls !== true) return batchId;
  // The batch and its deliveries in one transaction, so the relay sends them even if queueing fails now.
  const deliveries = await inTransaction(deps.db, async (trx) => {
    const batch = await insertFinishedBatch(trx, {
      batchId,
      cloudName: change.cloudName,
      apiKey: change.apiKey,
      kind: change.kind,
      result: change.result,
      notificationUrls: urls,
    });
    const body = serializeNotification(
      change.body({ requestId: batchId.slice(0, 32), triggeredAt: batch.completedAt ?? new Date(), apiKey: change.apiKey }),
    );
    const made = [...new Set(urls)].map((url) => ({ id: newMessageId(), url, body }));
    await insertDeliveries(trx, batch, made);
    return made;
  });
  const queued = await Promise.allSettled(deliveries.map((delivery) => deps.queues.enqueue('notify', { v: 1, deliveryId: delivery.id }, delivery.id)));
  if (queued.some((result) => result.status === 'rejected'))
    deps.logger.warn({ batch_id: batchId }, 'could not queue notifications now; the relay will');
  return batchId;
}

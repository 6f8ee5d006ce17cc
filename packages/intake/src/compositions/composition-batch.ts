import { randomBytes, randomUUID } from 'node:crypto';
import { finishJob, waitForBatch } from '@rendition/batches';
import { cloudNotificationUrls, createBatchWithJobs, type CatalogDb, type NewJob, type OutcomeWaiter } from '@rendition/catalog';
import { QueueUnavailableError, type JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { AddressPolicy } from '@rendition/net';
import { checkedNotificationUrl } from '@rendition/webhooks';

export interface CompositionDependencies {
  db: CatalogDb;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  addressPolicy: AddressPolicy;
  publicBaseUrl: string;
  secureBaseUrl: string;
  limits: { syncUploadTimeoutMs: number };
}

/** The ids a composition's batch and its one job are known by (the job's payload carries both). */
export function newCompositionIds(): { jobId: string; batchId: string } {
  return { jobId: randomUUID(), batchId: randomBytes(32).toString('hex') };
}

/**
 * One composition as a batch of one job, recorded before Redis is asked to run it (the outbox relay
 * queues it again if Redis loses it). An asynchronous call answers `pending` now, its result follows
 * as the batch's notification; a synchronous one waits for the batch and answers its result (or its
 * error). `eagerAsync`: the batch reports its `eager` list (explode).
 */
export async function submitComposition(
  deps: CompositionDependencies,
  input: {
    cloudName: string;
    apiKey: string;
    kind: string;
    ids: { jobId: string; batchId: string };
    job: Omit<NewJob, 'id'>;
    notificationUrl: string | undefined;
    /** The immediate answer; absent: wait for the batch. */
    pending?: Record<string, unknown>;
    eagerAsync?: boolean;
  },
): Promise<Record<string, unknown>> {
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, input.notificationUrl);
  deps.queues.assertAvailable();
  const job: NewJob = { ...input.job, id: input.ids.jobId };
  await createBatchWithJobs(
    deps.db,
    {
      batchId: input.ids.batchId,
      cloudName: input.cloudName,
      apiKey: input.apiKey,
      kind: input.kind,
      notificationUrls: [...(notificationUrl ? [notificationUrl] : []), ...(await cloudNotificationUrls(deps.db, input.cloudName))],
      eagerAsync: input.eagerAsync ?? false,
    },
    [job],
  );
  try {
    await deps.queues.enqueue(job.kind as never, job.payload as never, job.id);
  } catch (cause) {
    // Recorded: an asynchronous batch runs once the relay queues it. A waiting request fails now, and its batch with it.
    if (input.pending === undefined) {
      const error = cause instanceof QueueUnavailableError ? cause : new QueueUnavailableError({ cause });
      await finishJob(deps, { jobId: job.id, outcome: { kind: 'failed', error: { status: error.status, message: error.message } } });
      throw error;
    }
  }
  if (input.pending !== undefined) return input.pending;
  return waitForBatch(deps, input.cloudName, input.ids.batchId, deps.limits.syncUploadTimeoutMs);
}

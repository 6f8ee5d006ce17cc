import { finishJob, type CatalogDb, type FinishJobInput, type FinishJobResult, type NewJob } from '@rendition/catalog';
import type { JobKind, JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { notificationsForBatch } from './batch-notifications.ts';

export interface BatchJobDependencies {
  db: CatalogDb;
  queues: JobQueues;
  logger: Logger;
}

/**
 * Records a job's end in PostgreSQL (which counts it off its batch and, for the batch's last job,
 * creates the webhook deliveries), then queues what that produced. If queueing fails here the
 * outbox relay queues it later, so nothing is lost between the commit and Redis.
 */
export async function finishBatchJob(
  deps: BatchJobDependencies,
  input: Omit<FinishJobInput, 'deliveriesForFinishedBatch'>,
): Promise<FinishJobResult> {
  const finished = await finishJob(deps.db, { ...input, deliveriesForFinishedBatch: notificationsForBatch });
  await enqueueAll(deps, finished.followUps, finished.deliveries.map((delivery) => delivery.id));
  return finished;
}

async function enqueueAll(deps: BatchJobDependencies, followUps: NewJob[], deliveryIds: string[]): Promise<void> {
  const work = [
    ...followUps.map((job) => deps.queues.enqueue(job.kind as JobKind, job.payload as never, job.id)),
    ...deliveryIds.map((deliveryId) => deps.queues.enqueue('notify', { v: 1, deliveryId }, deliveryId)),
  ];
  const results = await Promise.allSettled(work);
  const failed = results.filter((result) => result.status === 'rejected').length;
  if (failed > 0) deps.logger.warn({ failed }, 'could not queue follow-up work now; the relay will');
}

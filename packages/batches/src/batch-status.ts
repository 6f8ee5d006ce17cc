import { findBatch, findDelivery, listBatchJobs, listDeliveriesWithAttempts, reopenDelivery, type CatalogDb } from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';

/** `GET /v1_1/:cloud/batches/:batch_id` (Rendition's extension): the batch, its jobs and its notifications. */
export async function describeBatch(db: CatalogDb, cloudName: string, batchId: string): Promise<Record<string, unknown>> {
  const batch = await findBatch(db, cloudName, batchId);
  if (!batch) throw new ApiError(404, `Resource not found - batch ${batchId}`);
  const [jobs, deliveries] = await Promise.all([listBatchJobs(db, batch.batchId), listDeliveriesWithAttempts(db, batch.batchId)]);
  return {
    batch_id: batch.batchId,
    kind: batch.kind,
    status: batch.status,
    created_at: batch.createdAt.toISOString(),
    completed_at: batch.completedAt?.toISOString() ?? null,
    result: batch.result,
    error: batch.error ? { message: batch.error.message, http_code: batch.error.status } : null,
    jobs: jobs.map((job) => ({
      id: job.id,
      kind: job.kind,
      queue: job.queue,
      status: job.status,
      attempts: job.attempts,
      // Long jobs (transcodes) report how far they are; a completed job is done whatever it last reported.
      ...(job.progress === null ? {} : { progress: job.status === 'completed' ? 100 : job.progress }),
      error: job.error ? { message: job.error.message, http_code: job.error.status } : null,
      created_at: job.created_at.toISOString(),
      finished_at: job.finished_at?.toISOString() ?? null,
    })),
    notifications: deliveries.map((delivery) => ({
      id: delivery.id,
      url: delivery.url,
      status: delivery.status,
      attempts: delivery.attempts,
      last_status: delivery.lastStatus,
      next_attempt_at: delivery.finishedAt ? null : delivery.nextAttemptAt.toISOString(),
      created_at: delivery.createdAt.toISOString(),
      finished_at: delivery.finishedAt?.toISOString() ?? null,
      attempt_log: delivery.attemptLog.map((attempt) => ({
        attempted_at: attempt.attemptedAt.toISOString(),
        status_code: attempt.statusCode,
        latency_ms: attempt.latencyMs,
        outcome: attempt.outcome,
        error: attempt.error,
      })),
    })),
  };
}

/** Sends a delivered, stopped or exhausted notification again (same webhook-id, same body). */
export async function replayNotification(
  deps: { db: CatalogDb; queues: JobQueues },
  cloudName: string,
  batchId: string,
  deliveryId: string,
): Promise<Record<string, unknown>> {
  const delivery = await findDelivery(deps.db, deliveryId);
  if (!delivery || delivery.cloudName !== cloudName || delivery.batchId !== batchId) {
    throw new ApiError(404, `Resource not found - notification ${deliveryId}`);
  }
  if (delivery.finishedAt === null) throw new ApiError(400, `Notification ${deliveryId} is still being delivered`);
  const jobId = `${delivery.id}-replay-${Date.now()}`;
  await reopenDelivery(deps.db, delivery.id, jobId);
  await deps.queues.enqueue('notify', { v: 1, deliveryId: delivery.id }, jobId);
  return { id: delivery.id, status: 'pending' };
}

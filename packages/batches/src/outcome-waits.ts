import { findBatch, findJob, type CatalogDb, type JobRecord, type OutcomeWaiter } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import type { BatchResult } from './batch-result.ts';

export interface OutcomeWaitDependencies {
  db: CatalogDb;
  outcomes: OutcomeWaiter;
}

/**
 * Waits for a whole batch (an upload with synchronous eager derivations, an explicit call): its
 * jobs finish on several workers, and the batch row in PostgreSQL is where they meet.
 */
export async function waitForBatch(deps: OutcomeWaitDependencies, cloudName: string, batchId: string, timeoutMs: number): Promise<BatchResult> {
  const batch = await deps.outcomes.waitFor(
    `batch:${batchId}`,
    async () => {
      const found = await findBatch(deps.db, cloudName, batchId);
      return found && found.status !== 'pending' ? found : undefined;
    },
    timeoutMs,
  );
  if (!batch)
    throw new ApiError(500, `Eager transformations are still processing (batch ${batchId}); they will complete in the background`, { expose: true });
  if (batch.status === 'failed' || !batch.result) {
    throw new ApiError(batch.error?.status ?? 500, batch.error?.message ?? 'Processing failed', { expose: true });
  }
  return batch.result as BatchResult;
}

/** Waits for one job's recorded outcome; undefined when it has not finished by the deadline. */
export async function waitForJob(deps: OutcomeWaitDependencies, jobId: string, timeoutMs: number): Promise<JobRecord | undefined> {
  return deps.outcomes.waitFor(
    `job:${jobId}`,
    async () => {
      const job = await findJob(deps.db, jobId);
      return job && (job.status === 'completed' || job.status === 'failed') ? job : undefined;
    },
    timeoutMs,
  );
}

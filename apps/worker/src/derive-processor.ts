import { UnrecoverableError, type Job } from 'bullmq';
import { finishBatchJob, type BatchJobDependencies } from '@rendition/batches';
import { deriveImage, eagerResultItem, withEagerItem, type DeriveDependencies } from '@rendition/derivations';
import { DeriveJobV1Schema } from '@rendition/jobs';
import { toClientError } from '@rendition/uploads';

/**
 * Runs one derive job. An eager one also counts itself off its batch, adding its item to the
 * batch's `eager` list; an on-the-fly one only records the derivative.
 */
export function createDeriveProcessor(deps: DeriveDependencies, batches: BatchJobDependencies & { publicBaseUrl: string; secureBaseUrl: string }) {
  return async function processDerive(job: Job): Promise<{ storageKey: string }> {
    const parsed = DeriveJobV1Schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Malformed derive payload: ${parsed.error.message}`);
    const payload = parsed.data;
    let derived;
    try {
      derived = await deriveImage(deps, payload);
    } catch (error) {
      const clientError = toClientError(error, { sourceDescription: 'the original' });
      if (!clientError) throw error;
      if (payload.eager) {
        await finishBatchJob(batches, { jobId: payload.eager.jobId, outcome: { kind: 'failed', error: { status: clientError.status, message: clientError.message } } });
      }
      throw new UnrecoverableError(clientError.message);
    }
    if (payload.eager) {
      const item = await eagerResultItem(deps.db, payload, derived, batches);
      const { index } = payload.eager;
      await finishBatchJob(batches, {
        jobId: payload.eager.jobId,
        outcome: { kind: 'completed', result: item },
        updateBatchResult: (current) => withEagerItem(current, index, item),
      });
    }
    return { storageKey: derived.storageKey };
  };
}

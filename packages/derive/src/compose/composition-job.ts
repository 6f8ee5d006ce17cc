import { finishJob, type BatchJobDependencies, type BatchResultChange } from '@rendition/batches';
import type { NewJob } from '@rendition/catalog';
import { RejectedJobError, type JobHandler, type JobPayload } from '@rendition/jobs';
import { toClientError } from '../client-error.ts';

/** What one composition job produced: its batch's result, or follow-up jobs that make it (explode). */
export type CompositionOutcome = { result: Record<string, unknown>; followUps?: NewJob[] };

/**
 * The handler every composition kind shares: the work, then its job finished with the batch rules.
 * Bad input (an ApiError, a MediaError of the client's file) fails the job with its 4xx, recorded
 * before the RejectedJobError so the waiting request answers it; anything else is retried, and the
 * last failure is recorded as a 500.
 */
export function compositionHandler<K extends 'multi' | 'explode' | 'sprite' | 'text'>(
  deps: BatchJobDependencies,
  what: string,
  work: (payload: JobPayload<K>) => Promise<CompositionOutcome>,
): JobHandler<K> {
  return {
    async handle(payload) {
      let outcome: CompositionOutcome;
      try {
        outcome = await work(payload);
      } catch (error) {
        const clientError = error instanceof RejectedJobError ? error : toClientError(error);
        if (!clientError) throw error;
        await finishJob(deps, {
          jobId: payload.jobId,
          outcome: { kind: 'failed', error: { status: clientError.status, message: clientError.message } },
        });
        throw new RejectedJobError(clientError.message, { status: clientError.status, cause: error });
      }
      const resultChange: BatchResultChange = { kind: 'upload-stored', response: outcome.result, keepEager: false };
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'completed', result: outcome.result },
        resultChange,
        ...(outcome.followUps ? { followUps: outcome.followUps } : {}),
      });
      return outcome.result;
    },
    async onExhausted(payload, error) {
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'failed', error: { status: 500, message: `Internal error while generating the ${what}: ${error.message}` } },
      });
    },
  };
}

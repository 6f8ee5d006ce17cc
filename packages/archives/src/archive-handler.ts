import { finishJob, type BatchJobDependencies } from '@rendition/batches';
import { findJob, markJobActive, type OutcomeWaiter } from '@rendition/catalog';
import { RejectedJobError, type JobHandler } from '@rendition/jobs';
import { isApiError } from '@rendition/protocol';
import type { BlobStore } from '@rendition/storage';
import { buildArchive } from './archive-build.ts';

export type ArchiveHandlerDependencies = BatchJobDependencies & {
  store: BlobStore;
  publicBaseUrl: string;
  secureBaseUrl: string;
  /** The process's listening waiter (catalog's createOutcomeWaiter), for the derive jobs an archive with transformations waits for. */
  outcomes: OutcomeWaiter;
};

/**
 * The `archive` job (docs/archives.md): builds the archive, then finishes the job in its batch (a
 * create's result becomes the batch's, and so its notification). Bad input (an asset gone, a
 * transformation that cannot be made, a limit) fails the job with its 4xx, never retried; anything
 * else is retried, and the last failure is recorded as a 500.
 */
export function createArchiveHandler(deps: ArchiveHandlerDependencies): JobHandler<'archive'> {
  const { outcomes } = deps;
  return {
    async handle(payload, context) {
      // A job relayed or retried after it finished is not built twice (a download's staged copy would outlive its answer).
      const earlier = await findJob(deps.db, payload.jobId);
      if (earlier?.status === 'completed' || earlier?.status === 'failed') return earlier.result;
      await markJobActive(deps.db, payload.jobId);
      let built;
      try {
        built = await buildArchive({ ...deps, outcomes }, payload, context);
      } catch (error) {
        const refusal = clientError(error);
        if (!refusal) throw error;
        await finishJob(deps, { jobId: payload.jobId, outcome: { kind: 'failed', error: refusal } });
        throw new RejectedJobError(refusal.message, { status: refusal.status, cause: error });
      }
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'completed', result: built.result },
        ...(built.resultChange ? { resultChange: built.resultChange } : {}),
      });
      return built.result;
    },
    async onExhausted(payload, error) {
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'failed', error: { status: 500, message: `Internal error while building the archive: ${error.message}` } },
      });
    },
  };
}

/** The client's share of a failure: a refusal of ours, or a 4xx met on the way (a derivative that cannot be made). */
function clientError(error: unknown): { status: number; message: string } | undefined {
  if (error instanceof RejectedJobError) return { status: error.status, message: error.message };
  if (isApiError(error) && error.status < 500) return { status: error.status, message: error.message };
  return undefined;
}

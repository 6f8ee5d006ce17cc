import { finishJob, type BatchJobDependencies, type EagerResultItem } from '@rendition/batches';
import { findAssetByVersionId, recordDerived, recordDerivedEndingStandaloneJob, recordJobProgress, type DerivedRecord } from '@rendition/catalog';
import { eagerItem, type UrlBases } from '@rendition/derivations';
import { RejectedJobError, type DeriveJobV1, type JobContext, type JobHandler } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { toClientError } from './client-error.ts';
import { deriveImage, type DeriveDependencies, type DerivedRecorder } from './derive-image.ts';
import { deriveVideo, type VideoDeriveDependencies } from './derive-video.ts';

export type DeriveHandlerDependencies = DeriveDependencies & BatchJobDependencies & UrlBases;

// Jobs queued before derive jobs had outbox rows carry other ids; they have nothing to finish.
const OUTBOX_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The `derive` job: computes one derivative. An eager one also counts itself off its batch, putting
 * its item in the batch's eager list; a first delivery's job records its outcome for the request
 * waiting on it.
 */
export function createDeriveHandler(deps: DeriveHandlerDependencies): JobHandler<'derive'> {
  return createDerivativeHandler(deps, (payload, _context, _jobId, record) => deriveImage(deps, payload, record));
}

/** The `derive-video` job: a derivative of a video or audio asset, made by ffmpeg (derive-video.ts). */
export function createDeriveVideoHandler(deps: DeriveHandlerDependencies & VideoDeriveDependencies): JobHandler<'derive-video'> {
  return createDerivativeHandler(deps, (payload, context, jobId, record) =>
    deriveVideo(deps, payload, { signal: context.signal, onProgress: jobId ? progressRecorder(deps, jobId) : undefined, record }),
  );
}

/** A first delivery's job (no eager item): recorded without a batch (derivations' derivative-request.ts), so its end is one statement. */
const isFirstDelivery = (payload: DeriveJobV1): boolean => payload.eager === undefined;

/** Records a running job's progress at most once a second (and each whole step of 5 %), never blocking the work. */
function progressRecorder(deps: Pick<DeriveHandlerDependencies, 'db'>, jobId: string): (percent: number) => void {
  let last = { at: 0, percent: -5 };
  return (percent) => {
    const now = Date.now();
    if (now - last.at < 1_000 || percent - last.percent < 5) return;
    last = { at: now, percent };
    recordJobProgress(deps.db, jobId, percent).catch(() => {});
  };
}

/** What a first delivery's job answers the request waiting on it: where its derivative is stored. */
const firstDeliveryResult = (storageKey: string): Record<string, unknown> => ({ storage_key: storageKey });

/**
 * A first delivery's job ends in the statement that records its derivative (one round trip and one WAL
 * flush fewer before the waiting request hears of it); `ended` says whether that statement ended it.
 * When another run had recorded the derivative, it is recorded and the job ended the usual way.
 */
function jobEndingRecorder(jobId: string): { record: DerivedRecorder; ended: () => boolean } {
  let ended = false;
  return {
    record: async (db, derived) => {
      const recorded = await recordDerivedEndingStandaloneJob(db, derived, { id: jobId, result: firstDeliveryResult(derived.storageKey) }, new Date());
      if (!recorded) return recordDerived(db, derived);
      ended = recorded.jobEnded;
      return recorded.derived;
    },
    ended: () => ended,
  };
}

function createDerivativeHandler<K extends 'derive' | 'derive-video'>(
  deps: DeriveHandlerDependencies,
  derive: (payload: DeriveJobV1, context: JobContext, outboxJobId: string | undefined, record: DerivedRecorder | undefined) => Promise<DerivedRecord>,
): JobHandler<K> {
  const outboxId = (payload: DeriveJobV1, queueJobId: string) => payload.eager?.jobId ?? (OUTBOX_ID.test(queueJobId) ? queueJobId : undefined);
  return {
    async handle(payload, context) {
      const jobId = outboxId(payload, context.jobId);
      const ending = jobId && isFirstDelivery(payload) ? jobEndingRecorder(jobId) : undefined;
      let derived: DerivedRecord;
      let item: EagerResultItem | undefined;
      try {
        derived = await derive(payload, context, jobId, ending?.record);
        if (payload.eager) item = await eagerResultItem(deps, payload, derived);
      } catch (error) {
        const clientError = toClientError(error);
        if (!clientError) throw error;
        if (jobId) {
          const outcome = { kind: 'failed' as const, error: { status: clientError.status, message: clientError.message } };
          await finishJob(deps, { jobId, outcome, standalone: isFirstDelivery(payload) });
        }
        throw new RejectedJobError(clientError.message, { status: clientError.status, cause: error });
      }
      if (payload.eager && item) {
        await finishJob(deps, {
          jobId: payload.eager.jobId,
          outcome: { kind: 'completed', result: item },
          resultChange: { kind: 'eager-item', index: payload.eager.index, item },
        });
      } else if (jobId && ending?.ended() !== true) {
        await finishJob(deps, {
          jobId,
          outcome: { kind: 'completed', result: firstDeliveryResult(derived.storageKey) },
          standalone: isFirstDelivery(payload),
        });
      }
      return { storageKey: derived.storageKey };
    },
    async onExhausted(payload, error, context) {
      const jobId = outboxId(payload, context.jobId);
      if (!jobId) return;
      await finishJob(deps, {
        jobId,
        outcome: { kind: 'failed', error: { status: 500, message: `Internal error while deriving: ${error.message}` } },
        standalone: isFirstDelivery(payload),
      });
    },
  };
}

/** Cloudinary's eager item of a derive job: `{transformation, width, height, bytes, format, url, secure_url}`. */
async function eagerResultItem(deps: DeriveHandlerDependencies, job: DeriveJobV1, derived: DerivedRecord): Promise<EagerResultItem> {
  const asset = await findAssetByVersionId(deps.db, job.versionId);
  if (!asset) throw new ApiError(404, 'Resource not found - the asset version no longer exists');
  return eagerItem(asset, { requested: job.eager?.requested ?? job.transformation, transformation: job.transformation }, derived, deps);
}

import {
  batchAfter,
  commitNewAssetAndFinishJob,
  finishJobIfBatchUnchanged,
  finishStandaloneJob,
  finishJobLockingBatch,
  inTransaction,
  recordBatchProgress,
  type AssetRecord,
  type BatchProgress,
  type BatchRecord,
  type SeenBatch,
  type UnchangedBatchFinish,
  type CatalogDb,
  type JobOutcome,
  type NewDelivery,
  type NewJob,
} from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { DirectDeliveries } from '@rendition/webhooks';
import { notificationsForBatch, uploadNotifications } from './batch-notifications.ts';
import { applyResultChange, type BatchResult, type BatchResultChange } from './batch-result.ts';

export interface BatchJobDependencies {
  db: CatalogDb;
  queues: JobQueues;
  logger: Logger;
  /** Queues a batch's deliveries and attempts them at once (webhooks' DirectDeliveries); absent: the notify queue alone. */
  deliveries?: Pick<DirectDeliveries, 'queue'>;
}

export interface FinishJobInput {
  jobId: string;
  outcome: JobOutcome;
  resultChange?: BatchResultChange;
  /** Follow-up jobs of the same batch (a completed ingest's eager derivations). */
  followUps?: NewJob[];
  /** An eager_async upload notifies as soon as its original is stored, before its batch finishes. */
  notifyUploadNow?: Record<string, unknown>;
  /**
   * The job's batch as the job read it when it started (an ingest's startIngest): the end is then
   * recorded in one statement if the batch is still that version, else as usual.
   */
  seenBatch?: SeenBatch;
  /**
   * A new asset to record in the same statement as the job's end (with `seenBatch` only): an upload's
   * ingest commits once. If that statement cannot do both, it does neither and the result says
   * `assetRecorded: false`: the caller commits the asset the usual way and finishes the job again.
   */
  newAsset?: { asset: AssetRecord; backup: boolean };
  /** The job was recorded without a batch (a first delivery's derive job): its end is one statement. */
  standalone?: boolean;
}

export interface FinishJobResult {
  /** False when the job had been finished before (a retried or relayed duplicate). */
  finishedNow: boolean;
  followUps: NewJob[];
  deliveries: NewDelivery[];
  batch?: BatchRecord;
  /** False when `newAsset` was given and nothing was recorded (neither the asset nor the job's end). */
  assetRecorded?: false;
}

/**
 * The batch rules. A job's end is recorded and counted off its batch in one transaction; the
 * batch's last job makes the batch's notifications in that same transaction, so a crash can never
 * finish a batch without them. After the commit, what it produced is queued; if queueing fails, the
 * outbox relay queues it later.
 */
export async function finishJob(deps: BatchJobDependencies, input: FinishJobInput): Promise<FinishJobResult> {
  if (input.newAsset) return finishRecordingAsset(deps, input, input.newAsset);
  if (input.standalone === true && (await finishStandaloneJob(deps.db, input.jobId, input.outcome, new Date())) === 'finished') {
    return { finishedNow: true, followUps: [], deliveries: [] };
  }
  const finished = (input.seenBatch && (await finishUnchangedBatch(deps, input, input.seenBatch))) || (await finishLockingBatch(deps, input));
  await enqueueAll(deps, finished);
  return finished;
}

/** The batch locked, so this transaction knows whether its change ends the batch, and ends it in the same UPDATE. */
function finishLockingBatch(deps: BatchJobDependencies, input: FinishJobInput): Promise<FinishJobResult> {
  return inTransaction(deps.db, async (trx): Promise<FinishJobResult> => {
    const now = new Date();
    const job = await finishJobLockingBatch(trx, input.jobId, input.outcome, now);
    if (!job) return { finishedNow: false, followUps: [], deliveries: [] };
    if (job.batchId === null) return { finishedNow: true, followUps: [], deliveries: [] };
    if (!job.batch) throw new Error(`batch ${job.batchId} of job ${input.jobId} is missing`);
    const end = batchEnd(input, job.batch, now);
    await recordBatchProgress(trx, end.batch, end.change, end.followUps, end.deliveries);
    return { finishedNow: true, followUps: end.followUps, deliveries: end.deliveries, batch: end.batch };
  });
}

/** The new asset and the job's end in one statement (catalog ingest-commit.ts), or nothing. */
async function finishRecordingAsset(
  deps: BatchJobDependencies,
  input: FinishJobInput,
  newAsset: NonNullable<FinishJobInput['newAsset']>,
): Promise<FinishJobResult> {
  const seen = input.seenBatch;
  if (!seen) throw new Error(`job ${input.jobId}: a new asset is recorded with the job's end only against the batch it saw`);
  const { finish, end } = endAgainstSeenBatch(input, seen);
  if ((await commitNewAssetAndFinishJob(deps.db, { ...finish, ...newAsset })) !== 'finished') {
    return { finishedNow: false, followUps: [], deliveries: [], assetRecorded: false };
  }
  const finished: FinishJobResult = { finishedNow: true, followUps: end.followUps, deliveries: end.deliveries, batch: end.batch };
  await enqueueAll(deps, finished);
  return finished;
}

/** One statement, when the batch is still as the job saw it; undefined when it changed (then the locking path runs). */
async function finishUnchangedBatch(deps: BatchJobDependencies, input: FinishJobInput, seen: SeenBatch): Promise<FinishJobResult | undefined> {
  const { finish, end } = endAgainstSeenBatch(input, seen);
  const outcome = await finishJobIfBatchUnchanged(deps.db, finish);
  if (outcome === 'batch-changed') return undefined;
  if (outcome === 'finished-before') return { finishedNow: false, followUps: [], deliveries: [] };
  return { finishedNow: true, followUps: end.followUps, deliveries: end.deliveries, batch: end.batch };
}

/** The job's end made from the batch as the job saw it, as the one-statement paths write it. */
function endAgainstSeenBatch(input: FinishJobInput, seen: SeenBatch): { finish: UnchangedBatchFinish; end: ReturnType<typeof batchEnd> } {
  const now = new Date();
  const end = batchEnd(input, seen.batch, now);
  return {
    finish: { jobId: input.jobId, outcome: input.outcome, now, seen, change: end.change, followUps: end.followUps, deliveries: end.deliveries },
    end,
  };
}

/** The batch rules: what a job's end does to its batch as it is now (`current`), and the notifications that makes. */
function batchEnd(input: FinishJobInput, current: BatchRecord, now: Date) {
  const followUps = input.outcome.kind === 'completed' ? (input.followUps ?? []) : [];
  const pendingAfter = current.pendingJobs + followUps.length - 1;
  const error = input.outcome.kind === 'failed' ? input.outcome.error : current.error;
  // Made from the batch as it was: an upload's own notification is sent before the batch ends.
  const immediate = input.notifyUploadNow ? uploadNotifications(current, input.notifyUploadNow) : [];
  const change: BatchProgress = {
    pendingJobsDelta: followUps.length - 1,
    ...(input.resultChange ? { result: applyResultChange(current.result as BatchResult | null, input.resultChange) } : {}),
    ...(input.outcome.kind === 'failed' ? { error: input.outcome.error } : {}),
    ...(pendingAfter > 0 ? {} : { finished: { status: error ? 'failed' : 'complete', at: now } }),
  };
  const batch = batchAfter(current, change);
  const deliveries = [...immediate, ...(batch.pendingJobs > 0 ? [] : notificationsForBatch(batch))];
  return { followUps, change, batch, deliveries };
}

async function enqueueAll(deps: BatchJobDependencies, { followUps, deliveries, batch }: FinishJobResult): Promise<void> {
  const direct = deps.deliveries;
  const work = [
    ...followUps.map((job) => deps.queues.enqueue(job.kind as never, job.payload as never, job.id)),
    ...deliveries.map((delivery) =>
      direct && batch
        ? direct.queue({ ...delivery, cloudName: batch.cloudName, apiKey: batch.apiKey })
        : deps.queues.enqueue('notify', { v: 1, deliveryId: delivery.id }, delivery.id),
    ),
  ];
  const results = await Promise.allSettled(work);
  const failed = results.filter((result) => result.status === 'rejected').length;
  if (failed > 0) deps.logger.warn({ failed }, 'could not queue follow-up work now; the relay will');
}

import { createBatchesWithJobs, type CatalogDb, type NewBatch, type NewJob } from '@rendition/catalog';
import type { JobQueues, QueuedJob } from '@rendition/jobs';

/** What accepting one upload (or explicit call) records and then queues. */
export interface Acceptance {
  batch: NewBatch;
  /** The outbox rows: recorded with the batch, in the same statement. */
  jobs: NewJob[];
  /** What is queued in Redis once they are recorded. */
  queue: QueuedJob[];
  /**
   * Answer as soon as the rows are committed, before they are queued: for work whose caller is
   * answered at once (`async=true`), which the outbox relay queues if this process cannot.
   */
  answerOnRecord?: boolean;
}

/**
 * Recorded, always (a rejection means nothing was); then queued, or refused by Redis with its error,
 * or (`answerOnRecord`) still on its way into Redis when the caller is answered.
 */
export type AcceptanceOutcome = { queued: true } | { queued: false; queueError: unknown } | { queued: 'after-answer' };

export interface AcceptanceGroupOptions {
  /** Acceptances recorded by one statement at most (INTAKE_GROUP_MAX); 1 records each on its own. */
  maxGroupSize: number;
  /** Groups being recorded at once (INTAKE_GROUP_IN_FLIGHT); while they are, the next group gathers. */
  maxInFlight: number;
  /**
   * How long recorded acceptances wait for another group being recorded, so both go in one Redis
   * exchange (INTAKE_QUEUE_LINGER_MS); never when nothing else is being recorded. Absent or 0: no wait.
   */
  queueLingerMs?: number;
}

export interface AcceptanceGroups {
  accept(acceptance: Acceptance): Promise<AcceptanceOutcome>;
  /** Resolves once everything recorded so far has been offered to Redis (the API's shutdown waits for it). */
  drain(): Promise<void>;
}

interface Waiting {
  acceptance: Acceptance;
  resolve(outcome: AcceptanceOutcome): void;
  reject(error: unknown): void;
}

/** Jobs sent to Redis in one exchange at most: bounds the exchange's size, not how long anything waits. */
const MAX_JOBS_PER_EXCHANGE = 512;

/**
 * Group commit at intake (issue 17, docs/performance.md): the acceptances that arrive while the
 * previous groups are being recorded are recorded together, in one multi-row statement and one
 * commit. Nothing waits on purpose: an acceptance arriving when fewer than `maxInFlight` groups are
 * in flight is recorded in the next turn of the event loop, so a quiet intake is as fast as before
 * and a busy one sends a fraction of the round trips.
 *
 * Queueing is a stage of its own, one Redis exchange at a time: everything recorded while an
 * exchange is in flight goes in the next one, so under load an exchange carries several groups
 * (each exchange costs a pipeline and two socket writes whatever its size). Every caller is answered
 * only after its own rows are committed; a group whose statement fails is recorded again one
 * acceptance at a time, so one bad row fails only its own request.
 */
export function createAcceptanceGroups(deps: { db: CatalogDb; queues: JobQueues }, options: AcceptanceGroupOptions): AcceptanceGroups {
  const waiting: Waiting[] = [];
  let recording = 0;
  let scheduled = false;
  const toQueue: Waiting[] = [];
  let queueing: Promise<void> | undefined;
  /** When the oldest acceptance waiting to be queued was recorded (performance.now()). */
  let waitingToQueueSince = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  const lingerMs = options.queueLingerMs ?? 0;

  const schedule = (): void => {
    if (scheduled || waiting.length === 0 || recording >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const flush = async (): Promise<void> => {
    if (waiting.length === 0 || recording >= options.maxInFlight) return;
    const group = waiting.splice(0, Math.max(1, options.maxGroupSize));
    recording += 1;
    schedule();
    // No longer being recorded before it is queued: startQueueing's linger waits for the others only.
    const recorded = await record(group).finally(() => {
      recording -= 1;
    });
    for (const item of recorded) if (item.acceptance.answerOnRecord === true) item.resolve({ queued: 'after-answer' });
    if (toQueue.length === 0) waitingToQueueSince = performance.now();
    toQueue.push(...recorded);
    startQueueing();
    schedule();
  };

  const record = async (group: Waiting[]): Promise<Waiting[]> => {
    try {
      await createBatchesWithJobs(
        deps.db,
        group.map(({ acceptance }) => ({ batch: acceptance.batch, jobs: acceptance.jobs })),
      );
      return group;
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return [];
      }
      // All or none were recorded: none. Each on its own now, so the failure stays with its cause.
      const alone = await Promise.all(
        group.map(async (item) => {
          try {
            await createBatchesWithJobs(deps.db, [{ batch: item.acceptance.batch, jobs: item.acceptance.jobs }]);
            return item;
          } catch (itemError) {
            item.reject(itemError);
            return undefined;
          }
        }),
      );
      return alone.filter((item): item is Waiting => item !== undefined);
    }
  };

  const startQueueing = (): void => {
    if (queueing || toQueue.length === 0) return;
    // Another group is being recorded (the usual case under load): its jobs join this exchange, which
    // costs about the same for one job or many, unless the oldest recorded one has waited long enough.
    const waited = performance.now() - waitingToQueueSince;
    if (recording > 0 && waited < lingerMs) {
      lingerTimer ??= setTimeout(() => {
        lingerTimer = undefined;
        startQueueing();
      }, lingerMs - waited);
      return;
    }
    if (lingerTimer) {
      clearTimeout(lingerTimer);
      lingerTimer = undefined;
    }
    queueing = queueNext().finally(() => {
      queueing = undefined;
      startQueueing();
    });
  };

  /** One exchange: the recorded acceptances waiting, up to MAX_JOBS_PER_EXCHANGE jobs (an acceptance is never split). */
  const queueNext = async (): Promise<void> => {
    let count = 0;
    let taken = 0;
    while (taken < toQueue.length && (taken === 0 || count + toQueue[taken]!.acceptance.queue.length <= MAX_JOBS_PER_EXCHANGE)) {
      count += toQueue[taken]!.acceptance.queue.length;
      taken += 1;
    }
    const items = toQueue.splice(0, taken);
    waitingToQueueSince = performance.now();
    const jobs = items.flatMap(({ acceptance }) => acceptance.queue);
    try {
      if (jobs.length > 0) await enqueueAll(deps.queues, jobs);
      for (const item of items) item.resolve({ queued: true });
    } catch (queueError) {
      // Recorded, so not lost: the outbox relay queues them once Redis takes jobs again. Those
      // answered already (answerOnRecord) ignore this: a promise settles once.
      for (const item of items) item.resolve({ queued: false, queueError });
    }
  };

  return {
    accept(acceptance) {
      return new Promise<AcceptanceOutcome>((resolve, reject) => {
        waiting.push({ acceptance, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (queueing || toQueue.length > 0 || recording > 0 || waiting.length > 0) {
        if (queueing) await queueing;
        else await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
  };
}

async function enqueueAll(queues: JobQueues, jobs: QueuedJob[]): Promise<void> {
  if (queues.enqueueMany) {
    await queues.enqueueMany(jobs);
    return;
  }
  for (const job of jobs) await queues.enqueue(job.kind, job.payload as never, job.jobId);
}

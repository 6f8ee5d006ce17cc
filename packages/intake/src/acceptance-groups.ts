import { createBatchesWithJobs, type CatalogDb, type NewBatch, type NewJob } from '@rendition/catalog';
import type { JobQueues, QueuedJob } from '@rendition/jobs';

/** What accepting one upload (or explicit call) records and then queues. */
export interface Acceptance {
  batch: NewBatch;
  /** The outbox rows: recorded with the batch, in the same statement. */
  jobs: NewJob[];
  /** What is queued in Redis once they are recorded. */
  queue: QueuedJob[];
}

/** Recorded, always (a rejection means nothing was); queued unless Redis refused, with its error. */
export type AcceptanceOutcome = { queued: true } | { queued: false; queueError: unknown };

export interface AcceptanceGroupOptions {
  /** Acceptances recorded by one statement at most (INTAKE_GROUP_MAX); 1 records each on its own. */
  maxGroupSize: number;
  /** Groups being recorded at once (INTAKE_GROUP_IN_FLIGHT); while they are, the next group gathers. */
  maxInFlight: number;
}

export interface AcceptanceGroups {
  accept(acceptance: Acceptance): Promise<AcceptanceOutcome>;
}

interface Waiting {
  acceptance: Acceptance;
  resolve(outcome: AcceptanceOutcome): void;
  reject(error: unknown): void;
}

/**
 * Group commit at intake (issue 17, docs/performance.md): the acceptances that arrive while the
 * previous groups are being recorded are recorded together, in one multi-row statement and one
 * commit, and queued together (one MULTI per queue). Nothing waits on purpose: an acceptance arriving
 * when fewer than `maxInFlight` groups are in flight is recorded in the next turn of the event loop, so
 * a quiet intake is as fast as before and a busy one sends a fraction of the round trips.
 *
 * Every caller is still answered only after its own rows are committed. A group whose statement fails
 * is recorded again one acceptance at a time, so one bad row fails only its own request.
 */
export function createAcceptanceGroups(deps: { db: CatalogDb; queues: JobQueues }, options: AcceptanceGroupOptions): AcceptanceGroups {
  const waiting: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = (): void => {
    if (scheduled || waiting.length === 0 || inFlight >= options.maxInFlight) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void flush();
    });
  };

  const flush = async (): Promise<void> => {
    if (waiting.length === 0 || inFlight >= options.maxInFlight) return;
    const group = waiting.splice(0, Math.max(1, options.maxGroupSize));
    inFlight += 1;
    schedule();
    try {
      const recorded = await record(group);
      await queueRecorded(recorded);
    } finally {
      inFlight -= 1;
      schedule();
    }
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

  const queueRecorded = async (recorded: Waiting[]): Promise<void> => {
    const jobs = recorded.flatMap(({ acceptance }) => acceptance.queue);
    try {
      if (jobs.length > 0) await enqueueAll(deps.queues, jobs);
      for (const item of recorded) item.resolve({ queued: true });
    } catch (queueError) {
      // Recorded, so not lost: the outbox relay queues them once Redis takes jobs again.
      for (const item of recorded) item.resolve({ queued: false, queueError });
    }
  };

  return {
    accept(acceptance) {
      return new Promise<AcceptanceOutcome>((resolve, reject) => {
        waiting.push({ acceptance, resolve, reject });
        schedule();
      });
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

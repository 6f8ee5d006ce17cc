import { DelayedError, UnrecoverableError, Worker, type Job, type Processor } from 'bullmq';
import {
  createRedisConnection,
  isJobKind,
  JOBS,
  kindsOfQueue,
  queueKeyPrefix,
  RejectedJobError,
  RunLaterError,
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobKind,
  type QueueName,
} from '@rendition/jobs';
import { runWithStatementTally, type StatementTally } from '@rendition/catalog';
import type { Logger } from '@rendition/logging';
import { initJobMetrics, observeJob, observeStatements, type JobOutcome } from '@rendition/metrics';

export interface WorkerPool {
  /**
   * Stops taking work; waits for active jobs until the deadline, then hands them back to the queue to
   * be run by another worker. Resolves with false when jobs were handed back: their handlers may still
   * be running in this process, and nothing should wait for them.
   */
  close(deadlineMs: number): Promise<boolean>;
}

// A killed worker's job must be picked up again quickly, and a long decode must not be mistaken
// for a dead worker: locks are renewed every lockDuration/2 by the live process (decodes run off the
// event loop). A dead worker's job is moved back to wait by the first stalled check after its lock
// expires: at most LOCK_DURATION_MS + STALLED_INTERVAL_MS after the kill. Measured in
// e2e/resilience.test.ts (kill to notification on the other worker): about 15 to 19 s
// with a 15 s lock, about 10 to 14 s with 10 s, against the 25 s the design asks for.
const LOCK_DURATION_MS = 10_000;
const STALLED_INTERVAL_MS = 5_000;
const MAX_STALLED_COUNT = 5;
/** How long the deadline waits for handlers it aborted to end (a SIGKILLed ffmpeg is reaped in milliseconds). */
const ABORTED_HANDLER_GRACE_MS = 1_000;

/**
 * Every kind a selected queue carries needs a handler: a job kind nobody can run must stop the boot,
 * not sit in Redis.
 */
export function assertHandled(queues: readonly QueueName[], handlers: Partial<JobHandlers>): void {
  const missing = queues.flatMap((queue) =>
    kindsOfQueue(queue)
      .filter((kind) => handlers[kind] === undefined)
      .map((kind) => `${kind} (queue ${queue})`),
  );
  if (missing.length > 0) throw new Error(`No handler for job kind(s): ${missing.join(', ')}`);
}

/** What BullMQ will make of a run that threw: run again later, or never again. */
function jobOutcome(job: Job, error: unknown): JobOutcome {
  if (error instanceof DelayedError) return 'rescheduled';
  if (error instanceof Error && error.name === 'UnrecoverableError') return 'failed';
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1) ? 'failed' : 'retried';
}

export function startWorkerPool(options: {
  redisUrl: string;
  prefix: string;
  queues: ReadonlyArray<{ name: QueueName; concurrency: number }>;
  handlers: Partial<JobHandlers>;
  logger: Logger;
}): WorkerPool {
  assertHandled(
    options.queues.map((queue) => queue.name),
    options.handlers,
  );
  const handlerOf = (job: Job): { kind: JobKind; handler: JobHandler<JobKind> } | undefined => {
    if (!isJobKind(job.name)) return undefined;
    const handler = options.handlers[job.name] as JobHandler<JobKind> | undefined;
    return handler && { kind: job.name, handler };
  };
  const workers: Worker[] = [];
  // Jobs running in this process, with the lock token each was taken with and the controller that tells
  // its handler to stop: what the deadline hands back.
  const running = new Map<Job, { token: string; abort: AbortController; settled: Promise<unknown> }>();
  // Set once close() hands jobs back: what their handlers end with is no outcome of theirs.
  let deadlinePassed = false;
  for (const { name: queue, concurrency } of options.queues) {
    initJobMetrics(queue, kindsOfQueue(queue));
    // Parsing, bad input and rescheduling are handled here once, for every kind.
    const run: Processor = async (job, token) => {
      const found = handlerOf(job);
      if (!found) throw new UnrecoverableError(`No handler for job kind ${job.name}`);
      const parsed = JOBS[found.kind].schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`Malformed ${found.kind} payload: ${parsed.error.message}`);
      const abort = new AbortController();
      const context: JobContext = { jobId: String(job.id), attempt: job.attemptsMade + 1, signal: abort.signal };
      const handled = found.handler.handle(parsed.data as never, context);
      if (token !== undefined) running.set(job, { token, abort, settled: handled.catch(() => {}) });
      try {
        return await handled;
      } catch (error) {
        if (error instanceof RejectedJobError) throw new UnrecoverableError(error.message);
        if (error instanceof RunLaterError) {
          await job.moveToDelayed(Date.now() + error.delayMs, token);
          throw new DelayedError();
        }
        throw error;
      } finally {
        running.delete(job);
      }
    };
    // rendition_jobs_total and rendition_job_duration_seconds: every run, by its outcome.
    const processor: Processor = async (job, token) => {
      const started = performance.now();
      let outcome: JobOutcome = 'completed';
      const tally: StatementTally = { statements: 0 };
      try {
        return await runWithStatementTally(tally, () => run(job, token));
      } catch (error) {
        outcome = deadlinePassed ? 'abandoned' : jobOutcome(job, error);
        throw error;
      } finally {
        const kind = isJobKind(job.name) ? job.name : 'unknown';
        observeJob({ queue, kind, outcome, seconds: (performance.now() - started) / 1000 });
        observeStatements({ kind: 'job', name: kind, statements: tally.statements });
      }
    };
    const worker = new Worker(queue, processor, {
      connection: createRedisConnection(options.redisUrl, 'worker'),
      // A hash tag on a Redis Cluster ({prefix}), as the producer's (job-queues.ts).
      prefix: queueKeyPrefix(options.prefix, options.redisUrl),
      concurrency,
      lockDuration: LOCK_DURATION_MS,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: MAX_STALLED_COUNT,
    });
    worker.on('error', (error) => options.logger.error({ err: error, queue }, 'worker error'));
    worker.on('failed', (job, error) => {
      if (!job) return;
      const log = { queue, job_id: job.id, attempts: job.attemptsMade, reason: error.message };
      const attempts = job.opts.attempts ?? 1;
      const exhausted = error.name === 'UnrecoverableError' || job.attemptsMade >= attempts;
      if (!exhausted) {
        options.logger.warn(log, 'job failed, will retry');
        return;
      }
      options.logger.info(log, 'job failed');
      const found = handlerOf(job);
      if (error.name === 'UnrecoverableError' || !found?.handler.onExhausted) return;
      const parsed = JOBS[found.kind].schema.safeParse(job.data);
      if (!parsed.success) return;
      found.handler
        .onExhausted(parsed.data as never, error, { jobId: String(job.id), attempt: job.attemptsMade, signal: AbortSignal.abort() })
        .catch((cause) => options.logger.error({ err: cause, job_id: job.id }, 'recording a failed job'));
    });
    workers.push(worker);
  }
  options.logger.info({ queues: options.queues.map((queue) => queue.name) }, 'workers started');
  return {
    async close(deadlineMs) {
      const graceful = Promise.all(workers.map((worker) => worker.close()));
      const timer = new Promise<'timeout'>((resolve) => setTimeout(resolve, deadlineMs, 'timeout').unref());
      if ((await Promise.race([graceful.then(() => 'done' as const), timer])) === 'timeout') {
        // worker.close(true) would only return the graceful close still waiting on these jobs, so they are
        // handed back instead: moved to the front of their queue with this process's lock released, so
        // another worker runs them now rather than after the lock expires. Their handlers are idempotent.
        const abandoned = [...running];
        deadlinePassed = true;
        options.logger.warn({ jobs: abandoned.map(([job]) => job.id) }, 'shutdown deadline reached; handing active jobs back to the queue');
        // Handlers that run external processes (ffmpeg) kill them now: the job runs once, on another worker.
        for (const [, { abort }] of abandoned) abort.abort(new Error('shutdown deadline reached'));
        const handedBack = await Promise.allSettled(abandoned.map(([job, { token }]) => job.moveToWait(token)));
        // Aborted handlers end quickly (a killed ffmpeg, its scratch directory removed): waited for a
        // moment, so the process does not exit under them; handlers that ignore the signal are not.
        const ended = Promise.allSettled(abandoned.map(([, { settled }]) => settled));
        await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, ABORTED_HANDLER_GRACE_MS).unref())]);
        for (const [index, outcome] of handedBack.entries()) {
          if (outcome.status === 'rejected') {
            options.logger.warn(
              { err: outcome.reason, job_id: abandoned[index]?.[0].id },
              'could not hand a job back; it is retried once its lock expires',
            );
          }
        }
        await Promise.allSettled(workers.map((worker) => worker.disconnect()));
        return false;
      }
      return true;
    },
  };
}

import { Queue } from 'bullmq';
import { QUEUE_NAMES, type QueueName } from './define-job.ts';
import { JOBS, type JobKind, type JobPayload } from './job-registry.ts';
import { QueueUnavailableError } from './queue-unavailable-error.ts';
import { createRedisConnection, type RedisClient } from './redis-connection.ts';
import { queueKeyPrefix } from './redis-url.ts';

/**
 * The producer side: enqueue jobs. Waiting for an outcome goes through PostgreSQL, the system of
 * record (catalog's OutcomeWaiter), not through Redis.
 */
export interface JobQueues {
  /** Rejects with QueueUnavailableError when Redis cannot take the job now (not connected, failed, too slow). */
  enqueue<K extends JobKind>(kind: K, payload: JobPayload<K>, jobId: string, options?: { delayMs?: number }): Promise<void>;
  /**
   * Several jobs in one exchange with Redis per queue (BullMQ addBulk: one MULTI), as intake's group
   * commit queues the uploads it recorded together. Rejects as enqueue does. Optional: without it,
   * callers enqueue one by one.
   */
  enqueueMany?(jobs: ReadonlyArray<QueuedJob>): Promise<void>;
  /**
   * Moves a delayed job's run to `delayMs` from now; nothing when the job is not (or no longer)
   * delayed. Rejects as enqueue does. Optional: without it, a delayed job runs when it was due.
   */
  postpone?(queue: QueueName, jobId: string, delayMs: number): Promise<void>;
  /**
   * Removes a job that has not started (delayed or waiting), when what it would do is done already;
   * a running job (locked by a worker) is left to finish, a missing one is nothing. Rejects as enqueue
   * does. Optional: without it, the job runs and finds its work done.
   */
  withdraw?(queue: QueueName, jobId: string): Promise<void>;
  /** True when Redis holds the job in a state that will still run it (waiting, delayed, active...). */
  isQueued(queue: QueueName, jobId: string): Promise<boolean>;
  /** Whether the producer connection is up right now: lets intake refuse at once instead of hanging. */
  isConnected(): boolean;
  /** Throws QueueUnavailableError unless the producer connection is up: a request checks before it changes anything. */
  assertAvailable(): void;
  ping(): Promise<boolean>;
  /**
   * The BullMQ Queue of every queue (QUEUE_NAMES), for reading their state (the API's queue dashboard,
   * apps/api/src/queue-dashboard.ts); jobs are added with enqueue. Throws QueueUnavailableError unless
   * Redis is connected, as enqueue does. Optional: a fake that only takes jobs need not have it.
   */
  allQueues?(): readonly Queue[];
  close(): Promise<void>;
}

/** One job for enqueueMany. */
export interface QueuedJob<K extends JobKind = JobKind> {
  kind: K;
  payload: JobPayload<K>;
  jobId: string;
}

export interface JobQueuesOptions {
  redisUrl: string;
  prefix: string;
  /** Time limit of one Redis command (REDIS_COMMAND_TIMEOUT_MS). */
  commandTimeoutMs?: number;
  /** Retry-After of the QueueUnavailableError this producer fails with (UNAVAILABLE_RETRY_AFTER_SECONDS). */
  retryAfterSeconds?: number;
}

export function createJobQueues(options: JobQueuesOptions): JobQueues {
  const connection: RedisClient = createRedisConnection(options.redisUrl, 'producer', {
    ...(options.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.commandTimeoutMs }),
  });
  const queues = new Map<QueueName, Queue>();
  const unavailable = (cause: unknown) =>
    new QueueUnavailableError({ cause, ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }) });

  const assertAvailable = (): void => {
    // A Queue made while Redis is away waits for it, and a command on a connection that is not ready
    // would too: a producer fails at once instead (the outbox relay queues the work later, and a
    // request answers 503).
    if (connection.status !== 'ready') throw unavailable(new Error(`Redis is not connected (${connection.status})`));
  };

  const queueFor = (name: QueueName): Queue => {
    assertAvailable();
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix: queueKeyPrefix(options.prefix, options.redisUrl) });
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    return queue;
  };

  /** Runs one exchange with Redis; whatever fails in it (refused, reset, timed out) is the queue being unavailable. */
  const withRedis = async <T>(name: QueueName, work: (queue: Queue) => Promise<T>): Promise<T> => {
    const queue = queueFor(name);
    try {
      return await work(queue);
    } catch (error) {
      throw error instanceof QueueUnavailableError ? error : unavailable(error);
    }
  };

  return {
    async enqueue(kind, payload, jobId, enqueueOptions) {
      const definition = JOBS[kind];
      // A payload that does not parse is a bug of ours, not an unavailable queue: it throws as it is.
      const data = definition.schema.parse(payload);
      const delay = Math.max(0, Math.round(enqueueOptions?.delayMs ?? 0));
      await withRedis(definition.queue, (queue) => queue.add(kind, data, { ...definition.options, jobId, ...(delay > 0 ? { delay } : {}) }));
    },
    async enqueueMany(jobs) {
      const byQueue = new Map<QueueName, Array<{ name: string; data: unknown; opts: Record<string, unknown> }>>();
      for (const job of jobs) {
        const definition = JOBS[job.kind];
        const entries = byQueue.get(definition.queue) ?? [];
        entries.push({ name: job.kind, data: definition.schema.parse(job.payload), opts: { ...definition.options, jobId: job.jobId } });
        byQueue.set(definition.queue, entries);
      }
      // One job goes as `add` does it: addBulk builds an ioredis pipeline, copying every BullMQ script
      // command onto it (measured: about 0.1 ms of CPU per exchange, the quiet API's usual exchange).
      await Promise.all(
        [...byQueue].map(([name, entries]) =>
          withRedis(name, async (queue): Promise<void> => {
            const [only] = entries;
            if (entries.length === 1 && only) await queue.add(only.name, only.data, only.opts);
            else await queue.addBulk(entries as never);
          }),
        ),
      );
    },
    postpone(name, jobId, delayMs) {
      return withRedis(name, async (queue) => {
        const job = await queue.getJob(jobId);
        // BullMQ refuses to change the delay of a job that is not delayed: it is running or done already.
        if (job && (await job.isDelayed())) await job.changeDelay(Math.max(0, Math.round(delayMs))).catch(() => {});
      });
    },
    withdraw(name, jobId) {
      // One script: BullMQ refuses to remove a locked (running) job and answers 0 for it, as for none.
      return withRedis(name, async (queue) => {
        await queue.remove(jobId);
      });
    },
    isQueued(name, jobId) {
      return withRedis(name, async (queue) => {
        const job = await queue.getJob(jobId);
        if (!job) return false;
        const state = await job.getState();
        if (state === 'completed' || state === 'failed' || state === 'unknown') {
          // Redis says done but PostgreSQL does not: clear the stale entry so the job can be re-added.
          await job.remove().catch(() => {});
          return false;
        }
        return true;
      });
    },
    isConnected() {
      return connection.status === 'ready';
    },
    assertAvailable,
    allQueues() {
      return QUEUE_NAMES.map(queueFor);
    },
    async ping() {
      try {
        return (await connection.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      connection.disconnect();
    },
  };
}

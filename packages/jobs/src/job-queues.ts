import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueName } from './define-job.ts';
import { JOBS, type JobKind, type JobPayload } from './job-registry.ts';
import { createRedisConnection } from './redis-connection.ts';

/**
 * The producer side: enqueue jobs. Waiting for an outcome goes through PostgreSQL, the system of
 * record (catalog's OutcomeWaiter), not through Redis.
 */
export interface JobQueues {
  enqueue<K extends JobKind>(kind: K, payload: JobPayload<K>, jobId: string, options?: { delayMs?: number }): Promise<void>;
  /** True when Redis holds the job in a state that will still run it (waiting, delayed, active...). */
  isQueued(queue: QueueName, jobId: string): Promise<boolean>;
  /** Whether the producer connection is up right now: lets intake refuse at once instead of hanging. */
  isConnected(): boolean;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createJobQueues(options: { redisUrl: string; prefix: string }): JobQueues {
  const connection: Redis = createRedisConnection(options.redisUrl, 'producer');
  const queues = new Map<QueueName, Queue>();

  const queueFor = (name: QueueName): Queue => {
    // A Queue made while Redis is away waits for it; a producer must fail at once instead (the outbox
    // relay queues the work later, and a request answers 503).
    if (connection.status !== 'ready') throw new Error(`Redis is not connected (${connection.status})`);
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix: options.prefix });
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    return queue;
  };

  return {
    async enqueue(kind, payload, jobId, enqueueOptions) {
      const definition = JOBS[kind];
      const data = definition.schema.parse(payload);
      const delay = Math.max(0, Math.round(enqueueOptions?.delayMs ?? 0));
      await queueFor(definition.queue).add(kind, data, { ...definition.options, jobId, ...(delay > 0 ? { delay } : {}) });
    },
    async isQueued(name, jobId) {
      const job = await queueFor(name).getJob(jobId);
      if (!job) return false;
      const state = await job.getState();
      if (state === 'completed' || state === 'failed' || state === 'unknown') {
        // Redis says done but PostgreSQL does not: clear the stale entry so the job can be re-added.
        await job.remove().catch(() => {});
        return false;
      }
      return true;
    },
    isConnected() {
      return connection.status === 'ready';
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

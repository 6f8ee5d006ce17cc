import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, QUEUE_NAMES, type JobKind, type JobPayload, type QueueName } from './job-registry.ts';
import { createRedisConnection } from './redis-connection.ts';

/** The producer side: enqueue jobs and wait for one to finish (synchronous uploads). */
export interface JobQueues {
  enqueue<K extends JobKind>(kind: K, payload: JobPayload<K>, jobId: string): Promise<void>;
  /** Resolves with the job's return value, rejects with its failure or on timeout. */
  waitForResult(queue: QueueName, jobId: string, timeoutMs: number): Promise<unknown>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createJobQueues(options: { redisUrl: string; prefix: string }): JobQueues {
  const connection: Redis = createRedisConnection(options.redisUrl, 'producer');
  const queues = new Map<QueueName, Queue>();
  const events = new Map<QueueName, QueueEvents>();

  const queueFor = (name: QueueName): Queue => {
    let queue = queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection, prefix: options.prefix });
      queue.on('error', () => {});
      queues.set(name, queue);
    }
    return queue;
  };

  const eventsFor = async (name: QueueName): Promise<QueueEvents> => {
    let queueEvents = events.get(name);
    if (!queueEvents) {
      // QueueEvents blocks on a stream read, so it needs its own worker-style connection.
      queueEvents = new QueueEvents(name, {
        connection: createRedisConnection(options.redisUrl, 'worker'),
        prefix: options.prefix,
      });
      queueEvents.on('error', () => {});
      events.set(name, queueEvents);
      await queueEvents.waitUntilReady();
    }
    return queueEvents;
  };

  return {
    async enqueue(kind, payload, jobId) {
      const definition = JOBS[kind];
      const data = definition.schema.parse(payload);
      await queueFor(definition.queue).add(kind, data, { ...definition.options, jobId });
    },
    async waitForResult(name, jobId, timeoutMs) {
      const queueEvents = await eventsFor(name);
      const job = await queueFor(name).getJob(jobId);
      if (!job) throw new Error(`Job ${jobId} is not in queue ${name}`);
      return job.waitUntilFinished(queueEvents, timeoutMs);
    },
    async ping() {
      try {
        return (await connection.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await Promise.all([...events.values()].map((queueEvents) => queueEvents.close()));
      await Promise.all([...queues.values()].map((queue) => queue.close()));
      connection.disconnect();
    },
  };
}

export { QUEUE_NAMES };

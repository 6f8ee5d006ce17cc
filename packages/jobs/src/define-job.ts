import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';

/** One queue per class of work, so each can be scaled and tuned on its own. */
export const QUEUE_NAMES = ['ingest', 'derive', 'notify', 'documents', 'video', 'moderate', 'archive', 'purge'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

/**
 * What producers and workers agree on for one kind of job: its name, the queue that carries it, the
 * versioned payload schema and BullMQ's options. The handler that runs it lives with the domain code
 * on the worker side (see apps/worker/src/job-handlers.ts), so a producer such as the API never loads
 * what a handler imports.
 */
export interface JobDefinition<K extends string = string, S extends z.ZodType = z.ZodType> {
  readonly kind: K;
  readonly queue: QueueName;
  readonly schema: S;
  readonly options: JobsOptions;
}

export function defineJob<const K extends string, S extends z.ZodType>(definition: JobDefinition<K, S>): JobDefinition<K, S> {
  return Object.freeze({ ...definition });
}

// Completed/failed jobs are trimmed in Redis; their history lives in PostgreSQL's jobs table.
export const RETENTION = {
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 24 * 3_600, count: 5_000 },
} as const satisfies JobsOptions;

import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';
import { IngestJobV1Schema } from './ingest.job.ts';
import { NotifyJobV1Schema } from './notify.job.ts';
import { DeriveJobV1Schema } from './derive.job.ts';

/** One queue per kind of work, so each can be scaled and tuned on its own. */
export const QUEUE_NAMES = ['ingest', 'derive', 'notify'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobDefinition<S extends z.ZodType> {
  readonly queue: QueueName;
  readonly schema: S;
  readonly options: JobsOptions;
}

// Completed/failed jobs are trimmed in Redis; their history lives in PostgreSQL's jobs table.
const retention = {
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 24 * 3_600, count: 5_000 },
} satisfies JobsOptions;

export const JOBS = {
  ingest: {
    queue: 'ingest',
    schema: IngestJobV1Schema,
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, ...retention },
  },
  derive: {
    queue: 'derive',
    schema: DeriveJobV1Schema,
    options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...retention },
  },
  notify: {
    queue: 'notify',
    schema: NotifyJobV1Schema,
    // The webhook schedule (minutes to a day apart) is kept by the processor itself, which re-delays
    // the job; BullMQ's attempts only cover crashes of the processor.
    options: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, ...retention },
  },
} as const satisfies Record<string, JobDefinition<z.ZodType>>;

export type JobKind = keyof typeof JOBS;
export type JobPayload<K extends JobKind> = z.infer<(typeof JOBS)[K]['schema']>;

export function isQueueName(name: string): name is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(name);
}

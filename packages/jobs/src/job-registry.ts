import type { z } from 'zod';
import { analyzeJob } from './analyze.job.ts';
import { convertJob } from './convert.job.ts';
import { deriveJob } from './derive.job.ts';
import { deriveVideoJob } from './derive-video.job.ts';
import { ingestJob } from './ingest.job.ts';
import { moderateJob } from './moderate.job.ts';
import { archiveJob } from './archive.job.ts';
import { explodeJob } from './explode.job.ts';
import { multiJob } from './multi.job.ts';
import { spriteJob } from './sprite.job.ts';
import { textJob } from './text.job.ts';
import { purgeJob } from './purge.job.ts';
import { notifyJob } from './notify.job.ts';

/** Every job kind, one line each. A kind added here without a handler stops the worker's boot. */
export const JOBS = {
  [ingestJob.kind]: ingestJob,
  [deriveJob.kind]: deriveJob,
  [notifyJob.kind]: notifyJob,
  [convertJob.kind]: convertJob,
  [deriveVideoJob.kind]: deriveVideoJob,
  [analyzeJob.kind]: analyzeJob,
  [moderateJob.kind]: moderateJob,
  [archiveJob.kind]: archiveJob,
  [multiJob.kind]: multiJob,
  [explodeJob.kind]: explodeJob,
  [spriteJob.kind]: spriteJob,
  [textJob.kind]: textJob,
  [purgeJob.kind]: purgeJob,
} as const;

export type JobKind = keyof typeof JOBS;
export type JobPayload<K extends JobKind> = z.infer<(typeof JOBS)[K]['schema']>;

export function isJobKind(name: string): name is JobKind {
  return Object.hasOwn(JOBS, name);
}

/** The kinds a queue carries: a worker of that queue needs a handler for each. */
export function kindsOfQueue(queue: string): JobKind[] {
  return (Object.keys(JOBS) as JobKind[]).filter((kind) => JOBS[kind].queue === queue);
}

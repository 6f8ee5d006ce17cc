import { defineJob, RETENTION } from './define-job.ts';
import { DeriveJobV1Schema } from './derive.job.ts';

/**
 * One derivative of a video or audio asset (a transcode, a frame, an animation, a streaming set): the
 * derive job's payload, on its own queue so that long transcodes never delay image derivations or
 * webhooks, with its own concurrency (WORKER_CONCURRENCY_VIDEO). Retried like an image derive.
 */
export const deriveVideoJob = defineJob({
  kind: 'derive-video',
  queue: 'video',
  schema: DeriveJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

import { defineJob, RETENTION } from './define-job.ts';
import { DeriveJobV1Schema } from './derive.job.ts';

/**
 * One derivative of a video or audio asset (a transcode, a frame, an animation, a streaming set): the
 * derive job's payload, on its own queue so that long transcodes never delay image derivations or
 * webhooks, with its own concurrency (WORKER_CONCURRENCY_VIDEO). Fewer attempts than an image derive: a
 * transcode that failed twice for a reason of ours is unlikely to succeed a third time, and each try
 * may cost minutes.
 */
export const deriveVideoJob = defineJob({
  kind: 'derive-video',
  queue: 'video',
  schema: DeriveJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 2_000 }, ...RETENTION },
});

import { randomUUID } from 'node:crypto';
import type { NewJob } from '@rendition/catalog';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/**
 * Version 1 of the moderate job: run the automatic entries of a stored version's moderation chain
 * (aws_rek, duplicate, google_video_moderation, …) in order, until one rejects, the chain reaches a
 * manual entry (which waits for a person, outside any batch), or it ends. The steps' parameters
 * (thresholds) are the `moderation` text as sent; the entries themselves live on the asset.
 */
export const ModerateJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  /** Signs the URLs of authenticated assets in the moderation notifications. */
  apiKey: z.string(),
  assetId: z.string().regex(/^[0-9a-f]{32}$/),
  versionId: z.string().regex(/^[0-9a-f]{32}$/),
  moderation: z.string(),
});
export type ModerateJobV1 = z.infer<typeof ModerateJobV1Schema>;

/** Its own queue: the model is loaded once per worker process that serves it (docs/moderation.md). */
export const moderateJob = defineJob({
  kind: 'moderate',
  queue: 'moderate',
  schema: ModerateJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

/** A moderate job of an upload's (or an explicit call's) batch. */
export function newModerateJob(input: {
  batchId: string;
  cloudName: string;
  apiKey: string;
  asset: { assetId: string; versionId: string };
  moderation: string;
}): NewJob {
  const id = randomUUID();
  const payload: ModerateJobV1 = {
    v: 1,
    jobId: id,
    batchId: input.batchId,
    cloudName: input.cloudName,
    apiKey: input.apiKey,
    assetId: input.asset.assetId,
    versionId: input.asset.versionId,
    moderation: input.moderation,
  };
  return { id, queue: moderateJob.queue, kind: moderateJob.kind, payload };
}

import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

// One job's work stays bounded whatever the delete's size; producers chunk within these (assets'
// delete-resources.ts). A listing is one request per page on S3, hence fewer sweeps than keys.
const PURGE_JOB_MAX_KEYS = 1_000;
const PURGE_JOB_MAX_SWEEPS = 100;

const PurgedAssetSchema = z.object({
  assetId: z.string().min(1),
  /** Blobs whose catalog rows are gone: originals not kept as backups, versions, derivatives. */
  keys: z.array(z.string().min(1)).max(PURGE_JOB_MAX_KEYS),
  /** The asset's row went too: what else lies under its prefix may go, unless the catalog knows the asset again. */
  sweep: z.boolean(),
});

/**
 * Version 1 of the purge job: removes from storage the blobs of what an Admin API delete already took
 * out of the catalog (originals, derivatives), so a delete of many assets never holds a request.
 * Recorded in the delete's own transaction (a jobs row without a batch), then queued.
 */
export const PurgeJobV1Schema = z
  .object({
    v: z.literal(1),
    jobId: z.uuid(),
    cloudName: z.string(),
    assets: z.array(PurgedAssetSchema).min(1).max(PURGE_JOB_MAX_KEYS),
  })
  .refine((payload) => payload.assets.reduce((keys, asset) => keys + asset.keys.length, 0) <= PURGE_JOB_MAX_KEYS, {
    message: `a purge job deletes at most ${PURGE_JOB_MAX_KEYS} keys`,
  })
  .refine((payload) => payload.assets.filter((asset) => asset.sweep).length <= PURGE_JOB_MAX_SWEEPS, {
    message: `a purge job sweeps at most ${PURGE_JOB_MAX_SWEEPS} asset prefixes`,
  });
export type PurgeJobV1 = z.infer<typeof PurgeJobV1Schema>;

export const purgeJob = defineJob({
  kind: 'purge',
  queue: 'purge',
  schema: PurgeJobV1Schema,
  options: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

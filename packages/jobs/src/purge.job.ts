import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/**
 * Version 1 of the purge job: removes from storage the blobs of what an Admin API delete already took
 * out of the catalog (originals, derivatives), so a delete of many assets never holds a request.
 */
export const PurgeJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  cloudName: z.string(),
  /** Storage keys to delete (originals not kept as backups, derivatives). */
  keys: z.array(z.string()),
});
export type PurgeJobV1 = z.infer<typeof PurgeJobV1Schema>;

export const purgeJob = defineJob({
  kind: 'purge',
  queue: 'purge',
  schema: PurgeJobV1Schema,
  options: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

import { IMAGE_OUTPUT_FORMATS } from '@rendition/protocol';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/**
 * Version 1 of the explode job — explode: one derived image per page or frame of a multi-page image.
 * `transformation` is the client's text, with its `pg_all` (validated at intake): the job makes one
 * `pg_<n>` item of it per page and hands them to derive jobs of the same batch.
 */
export const ExplodeJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  assetId: z.string().regex(/^[0-9a-f]{32}$/),
  versionId: z.string().regex(/^[0-9a-f]{32}$/),
  transformation: z.string().min(1).max(4096),
  format: z.enum(IMAGE_OUTPUT_FORMATS),
});
export type ExplodeJobV1 = z.infer<typeof ExplodeJobV1Schema>;

export const explodeJob = defineJob({
  kind: 'explode',
  queue: 'derive',
  schema: ExplodeJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

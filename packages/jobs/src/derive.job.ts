import { OUTPUT_FORMATS } from '@rendition/protocol';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/**
 * Version 1 of the derive job: one derivative of one asset version. Delivery's on-the-fly jobs
 * use a job id made from what they derive, so concurrent first requests anywhere in the cluster
 * share one job; eager jobs belong to a batch and carry their place in the eager list.
 */
export const DeriveJobV1Schema = z.object({
  v: z.literal(1),
  cloudName: z.string(),
  assetId: z.string().regex(/^[0-9a-f]{32}$/),
  versionId: z.string().regex(/^[0-9a-f]{32}$/),
  /** Canonical transformation string (named transformations already expanded). */
  transformation: z.string(),
  format: z.enum(OUTPUT_FORMATS),
  eager: z
    .object({
      jobId: z.uuid(),
      batchId: z.string().regex(/^[0-9a-f]{64}$/),
      index: z.number().int().min(0),
      /** The eager item as the client wrote it: echoed in the response's `transformation`. */
      requested: z.string(),
    })
    .optional(),
});
export type DeriveJobV1 = z.infer<typeof DeriveJobV1Schema>;

export const deriveJob = defineJob({
  kind: 'derive',
  queue: 'derive',
  schema: DeriveJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

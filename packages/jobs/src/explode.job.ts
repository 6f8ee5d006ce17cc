import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Version 1 of the explode job — explode: one derived image per page or frame of a multi-page image. */
export const ExplodeJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  apiKey: z.string(),
  request: z.record(z.string(), z.unknown()),
});
export type ExplodeJobV1 = z.infer<typeof ExplodeJobV1Schema>;

export const explodeJob = defineJob({
  kind: 'explode',
  queue: 'derive',
  schema: ExplodeJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

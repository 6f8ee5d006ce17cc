import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Version 1 of the multi job — multi: one animated GIF/WebP or PDF from the images with a tag. */
export const MultiJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  apiKey: z.string(),
  request: z.record(z.string(), z.unknown()),
});
export type MultiJobV1 = z.infer<typeof MultiJobV1Schema>;

export const multiJob = defineJob({
  kind: 'multi',
  queue: 'derive',
  schema: MultiJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

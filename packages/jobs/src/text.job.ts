import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Version 1 of the text job — text: an image of a text. */
export const TextJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  apiKey: z.string(),
  request: z.record(z.string(), z.unknown()),
});
export type TextJobV1 = z.infer<typeof TextJobV1Schema>;

export const textJob = defineJob({
  kind: 'text',
  queue: 'derive',
  schema: TextJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

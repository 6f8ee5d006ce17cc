import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** Version 1 of the sprite job — generate_sprite: one sprite image and its CSS from the images with a tag. */
export const SpriteJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  apiKey: z.string(),
  request: z.record(z.string(), z.unknown()),
});
export type SpriteJobV1 = z.infer<typeof SpriteJobV1Schema>;

export const spriteJob = defineJob({
  kind: 'sprite',
  queue: 'derive',
  schema: SpriteJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

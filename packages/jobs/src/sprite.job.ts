import { IMAGE_OUTPUT_FORMATS } from '@rendition/protocol';
import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';
import { CompositionFieldsSchema } from './multi.job.ts';

/**
 * Version 1 of the sprite job — generate_sprite: one sprite image and its CSS and JSON from the images
 * with a tag (or the URLs' images), each after the transformation.
 */
export const SpriteJobV1Schema = CompositionFieldsSchema.extend({
  /** The sprite image's format (its `f_`); png when none. */
  format: z.enum(IMAGE_OUTPUT_FORMATS),
  /**
   * The transformation the sprite's URLs carry and its files are delivered under: `transformation`
   * with the client's `f_`. Absent in jobs queued before it existed: `transformation` then.
   */
  urlTransformation: z.string().optional(),
});
export type SpriteJobV1 = z.infer<typeof SpriteJobV1Schema>;

export const spriteJob = defineJob({
  kind: 'sprite',
  queue: 'derive',
  schema: SpriteJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/** One image a composition is made of: a stored version, read again by the worker (never its bytes). */
export const CompositionSourceSchema = z.object({
  assetId: z.string().regex(/^[0-9a-f]{32}$/),
  versionId: z.string().regex(/^[0-9a-f]{32}$/),
});
export type CompositionSource = z.infer<typeof CompositionSourceSchema>;

/**
 * What `multi` and `generate_sprite` share: the images (in Cloudinary's order, public_id ascending, at
 * most 500: the asynchronous limit), the public_id of the result (the tag, or one made from the URLs) and
 * the transformation applied to every image (canonical, named ones expanded, without its `f_`: the
 * format is a field of its own).
 */
export const CompositionFieldsSchema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  publicId: z.string().min(1).max(255),
  sources: z.array(CompositionSourceSchema).min(1).max(500),
  transformation: z.string().max(4096),
});

/** Version 1 of the multi job — multi: one animated GIF/WebP or PDF from the images with a tag. */
export const MultiJobV1Schema = CompositionFieldsSchema.extend({
  format: z.enum(['gif', 'webp', 'pdf']),
});
export type MultiJobV1 = z.infer<typeof MultiJobV1Schema>;

/** On the derive queue: image work, like a derivation (so is every composition kind). */
export const multiJob = defineJob({
  kind: 'multi',
  queue: 'derive',
  schema: MultiJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

import { z } from 'zod';
import { defineJob, RETENTION } from './define-job.ts';

/**
 * The text's style as intake parsed it. Colours are still the client's text (a CSS name, `#rgb[a]`,
 * `#rrggbb[aa]` or `rgb:…`): the worker resolves names, and an unknown one fails the job with its 400.
 */
export const TextStyleSchema = z.object({
  fontFamily: z.string().min(1).max(100),
  fontSize: z.number().int().min(1).max(1000),
  fontColor: z.string().min(1).max(50),
  fontWeight: z.enum(['thin', 'light', 'normal', 'bold', 'black']),
  fontStyle: z.enum(['normal', 'italic']),
  textAlign: z.enum(['left', 'center', 'right', 'justify']),
  textDecoration: z.enum(['none', 'underline', 'strikethrough']),
  background: z.string().min(1).max(50).nullable(),
  /** 0 (invisible) to 100 (opaque), of the glyphs. */
  opacity: z.number().int().min(0).max(100),
  /** Extra space between lines, in pixels; null: the font's own. */
  lineSpacing: z.number().int().min(-1000).max(1000).nullable(),
});
export type TextStyle = z.infer<typeof TextStyleSchema>;

/** Version 1 of the text job — text: an image of a text, stored as an asset of type `text`. */
export const TextJobV1Schema = z.object({
  v: z.literal(1),
  jobId: z.uuid(),
  batchId: z.string().regex(/^[0-9a-f]{64}$/),
  cloudName: z.string(),
  /** The key that signs the response (its secret is read from the catalog, never carried here). */
  apiKey: z.string(),
  publicId: z.string().min(1).max(255),
  text: z.string().min(1).max(5000),
  style: TextStyleSchema,
});
export type TextJobV1 = z.infer<typeof TextJobV1Schema>;

export const textJob = defineJob({
  kind: 'text',
  queue: 'derive',
  schema: TextJobV1Schema,
  options: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 }, ...RETENTION },
});

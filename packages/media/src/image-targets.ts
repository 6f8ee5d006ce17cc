import { IMAGE_OUTPUT_FORMATS } from '@rendition/protocol';

/**
 * The formats sharp writes here (Cloudinary's names; `f_auto` is resolved by the caller): protocol's
 * delivery formats, and TIFF, which upload's `format` (a conversion or an incoming transformation) may
 * ask for. Both writers (convert-image.ts and image-executor.ts) take these.
 */
export const IMAGE_TARGETS = [...IMAGE_OUTPUT_FORMATS, 'tiff'] as const;
export type ImageTarget = (typeof IMAGE_TARGETS)[number];

export function isImageTarget(value: string): value is ImageTarget {
  return (IMAGE_TARGETS as readonly string[]).includes(value);
}

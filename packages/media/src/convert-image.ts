import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { withDeadline } from './deadline.ts';
import { readImageHeader } from './image-header.ts';
import { assertImageLimits } from './image-limits.ts';
import { IMAGE_TARGETS, isImageTarget } from './image-targets.ts';
import type { ImageTarget } from './image-targets.ts';
import type { ImageLimits } from './image-limits.ts';
import { imageSource } from './image-source.ts';
import { MediaError } from './media-error.ts';
import { toProbe } from './probe-image.ts';
import type { ImageProbe } from './probe-image.ts';
import { toMediaError } from './sharp-errors.ts';

/** Upload's `format` conversion writes the same formats as the plan executor (image-targets.ts). */
export const CONVERT_TARGETS = IMAGE_TARGETS;
export type ConvertTarget = ImageTarget;
export const isConvertTarget: (value: string) => value is ConvertTarget = isImageTarget;

/** sharp writes every frame only to these; other targets take the first frame. */
const ANIMATED_TARGETS: ReadonlySet<ConvertTarget> = new Set<ConvertTarget>(['gif', 'webp']);

/**
 * Converts an image for upload's `format` parameter and returns the probe of what was written.
 *
 * EXIF orientation is applied to the pixels: the output keeps no EXIF (sharp strips metadata and
 * converts to sRGB), and GIF or PNG readers would ignore the tag anyway, so an unrotated copy
 * would show sideways. What a viewer saw before the conversion, it sees after; the returned
 * dimensions are the displayed ones and carry no orientation.
 *
 * JPEG has no alpha, so transparency is flattened onto white as Cloudinary does. The output
 * appears at `outputPath` complete or not at all: it is written to a temporary name in the same
 * directory and renamed, so a retry or a concurrent reader never sees half a file.
 */
export async function convertImage(inputPath: string, outputPath: string, targetFormat: ConvertTarget, limits: ImageLimits): Promise<ImageProbe> {
  assertImageLimits(limits);
  if (!isConvertTarget(targetFormat)) {
    throw new MediaError('unsupported', 'Unsupported target format');
  }
  const source = await imageSource(inputPath);
  const header = await readImageHeader(source, limits);
  const temporary = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.tmp`);
  try {
    const input = sharp(source, {
      failOn: 'error',
      sequentialRead: true,
      limitInputPixels: limits.maxInputPixels,
      animated: header.animated && ANIMATED_TARGETS.has(targetFormat),
      autoOrient: true,
    });
    const written = encode(input, targetFormat).timeout({ seconds: limits.timeoutSeconds }).toFile(temporary);
    await withDeadline(written, limits.timeoutSeconds, () => rm(temporary, { force: true }));
    const output = await readImageHeader(temporary, limits);
    await rename(temporary, outputPath);
    return toProbe(output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw toMediaError(error);
  }
}

function encode(image: Sharp, target: ConvertTarget): Sharp {
  switch (target) {
    case 'jpg':
      return image.flatten({ background: '#ffffff' }).jpeg();
    case 'png':
      return image.png();
    case 'webp':
      return image.webp();
    case 'avif':
      // Effort 4, sharp's default, took 17 s for the 6-megapixel fixture photo, effort 1 about 1 s
      // at a smaller size; upload conversion runs inside ingest, where that difference is the job.
      return image.avif({ effort: 1 });
    case 'gif':
      return image.gif();
    case 'tiff':
      return image.tiff();
  }
}

import sharp from 'sharp';
import type { OutputInfo } from 'sharp';
import { withDeadline } from '../deadline.ts';
import { readImageHeader } from '../image-header.ts';
import { assertImageLimits } from '../image-limits.ts';
import type { ImageLimits } from '../image-limits.ts';
import { imageSource } from '../image-source.ts';
import { toMediaError } from '../sharp-errors.ts';

/** 8-bit RGB, 3 interleaved samples per pixel, rows top to bottom: what an image classifier takes. */
export type ClassifierPixels = { data: Uint8Array; width: number; height: number };

/** Larger inputs than any image model takes; the bound keeps a bad argument from allocating gigabytes. */
export const MAX_CLASSIFIER_SIZE = 2048;

/**
 * Decodes an image into a size x size RGB square for a classifier: the first page or frame, as
 * displayed (EXIF orientation applied), sRGB, transparency composited onto white (what a viewer
 * sees), stretched to the square, not cropped (a crop could cut away what is to be judged; the
 * models are trained on squashed images anyway).
 *
 * Header and pixel limit first (a decompression bomb costs a header parse), then one bounded decode,
 * shrunk on load. Corrupt, oversized and unsupported files are MediaErrors, as in probeImage.
 */
export async function decodeForClassifier(filePath: string, size: number, limits: ImageLimits): Promise<ClassifierPixels> {
  assertClassifierSize(size);
  assertImageLimits(limits);
  const source = await imageSource(filePath);
  await readImageHeader(source, limits);
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    const pipeline = sharp(source, { failOn: 'error', limitInputPixels: limits.maxInputPixels, page: 0, pages: 1 })
      .autoOrient()
      .resize({ width: size, height: size, fit: 'fill' })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .timeout({ seconds: limits.timeoutSeconds })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    decoded = await withDeadline(pipeline, limits.timeoutSeconds);
  } catch (error) {
    throw toMediaError(error);
  }
  const { data, info } = decoded;
  // Ours, not the file's: outside the try, so it is not reported as a corrupt upload.
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new Error(`expected ${size}x${size} RGB from the classifier decode, got ${info.width}x${info.height} with ${info.channels} channels`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: size, height: size };
}

export function assertClassifierSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_CLASSIFIER_SIZE) {
    throw new TypeError(`size must be an integer from 1 to ${MAX_CLASSIFIER_SIZE}, got ${size}`);
  }
}

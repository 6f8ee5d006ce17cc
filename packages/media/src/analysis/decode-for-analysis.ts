import sharp from 'sharp';
import { withDeadline } from '../deadline.ts';
import { readImageHeader } from '../image-header.ts';
import { assertImageLimits } from '../image-limits.ts';
import type { ImageLimits } from '../image-limits.ts';
import { imageSource, type ImageInput } from '../image-source.ts';
import { toMediaError } from '../sharp-errors.ts';
import type { RawPixels } from './pixels.ts';

/**
 * The analysis size: every analysis looks at the image shrunk to fit inside this square (never
 * enlarged). It fixes the scale of the scale-sensitive measures (focus, noise, edges), keeps the
 * work per image constant whatever its size, and lets libvips decode a JPEG at 1/2, 1/4 or 1/8 of
 * its size (shrink-on-load), which makes the decode far cheaper than a full one.
 */
export const ANALYSIS_SIZE = 256;

export type AnalysisImage = {
  /** RGBA, sRGB, EXIF orientation applied, first page or frame, at most ANALYSIS_SIZE on each side. */
  pixels: RawPixels;
  /** The stored image's width and height (of one page), before the shrink. */
  width: number;
  height: number;
};

/**
 * Decodes an image once for all the analyses: header and pixel limit first (a decompression bomb
 * costs a header parse), then one bounded decode, shrunk on load, into a small RGBA buffer.
 * Corrupt, oversized and unsupported files are MediaErrors, as in probeImage.
 */
export async function decodeForAnalysis(input: ImageInput, limits: ImageLimits): Promise<AnalysisImage> {
  assertImageLimits(limits);
  const source = await imageSource(input);
  const header = await readImageHeader(source, limits);
  try {
    const decoded = sharp(source, { failOn: 'error', limitInputPixels: limits.maxInputPixels })
      .autoOrient()
      .resize({ width: ANALYSIS_SIZE, height: ANALYSIS_SIZE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .timeout({ seconds: limits.timeoutSeconds })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const { data, info } = await withDeadline(decoded, limits.timeoutSeconds);
    if (info.channels !== 4) throw new Error(`expected RGBA from the analysis decode, got ${info.channels} channels`);
    const pixels: RawPixels = {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: 4,
    };
    return { pixels, width: header.width, height: header.height };
  } catch (error) {
    throw toMediaError(error);
  }
}

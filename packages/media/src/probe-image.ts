import sharp from 'sharp';
import { withDeadline } from './deadline.ts';
import { readImageHeader } from './image-header.ts';
import type { ImageHeader } from './image-header.ts';
import { assertImageLimits } from './image-limits.ts';
import type { ImageLimits } from './image-limits.ts';
import { imageSource, type ImageInput } from './image-source.ts';
import { toMediaError } from './sharp-errors.ts';

/**
 * An image as stored: `width` x `height` are the encoded pixels of one page or frame, before EXIF
 * orientation (see `displayedSize`). `pages` counts frames of an animation or pages of a TIFF.
 * The header's facts, less how its frames are decoded.
 */
export type ImageProbe = Omit<ImageHeader, 'animated'>;

/**
 * Output rows of the verification decode. libvips checks the timeout only between output strips,
 * so the output must have rows for the timeout to bite; a column of 512 keeps the resample cheap.
 */
const VERIFY_ROWS = 512;

/**
 * At most this many decoded pixels (every frame counted) are verified by decoding them straight to
 * raw, without the one-column resample: a small image decodes long before any timeout matters, its
 * raw pixels take at most 1 MiB per channel, and the resample cost more than the decode (0.8 of
 * 1.8 ms for a 40x40 PNG, measured).
 */
const VERIFY_WHOLE_MAX_PIXELS = 512 * 512;

/**
 * Probes an image and proves it decodes. The header alone would accept a JPEG cut off halfway (it
 * carries full dimensions in its first bytes), so every pixel is decoded at full resolution and
 * thrown away. The pixel limit is checked on the header before that decode.
 *
 * Decode strictness is libvips' `failOn: 'error'`: truncation and decoder errors are refused, but
 * warnings are not ('warning', sharp's default, refuses the "extraneous bytes before marker" JPEGs
 * that many cameras and editors write and that every browser shows).
 *
 * PDF is not handled here: sharp's prebuilt libvips has no PDF loader and a PDF's page count and
 * size need a real parser (object streams hide the page tree), so a PDF is refused as unsupported
 * and belongs to the pdf.js probe.
 */
export async function probeImage(input: ImageInput, limits: ImageLimits): Promise<ImageProbe> {
  assertImageLimits(limits);
  // One look at the file for both halves (probeImageHeader + verifyImageDecodes would open it twice).
  const source = await imageSource(input);
  const header = await readImageHeader(source, limits);
  await verifyDecode(source, header, limits);
  return toProbe(header);
}

/**
 * The header's facts only, pixel limit checked, nothing decoded: the first half of probeImage, for a
 * caller that proves the decode another way (a derivation that decoded every pixel, see
 * ImageExecution.decodedEveryPixel) or with verifyImageDecodes.
 */
export async function probeImageHeader(input: ImageInput, limits: ImageLimits): Promise<ImageProbe & { animated: boolean }> {
  assertImageLimits(limits);
  const header = await readImageHeader(await imageSource(input), limits);
  return { ...toProbe(header), animated: header.animated };
}

/** The second half of probeImage: decodes every pixel (every frame of an animation) and throws them away. */
export async function verifyImageDecodes(input: ImageInput, probe: ImageProbe & { animated: boolean }, limits: ImageLimits): Promise<void> {
  const source = await imageSource(input);
  await verifyDecode(source, probe, limits);
}

async function verifyDecode(
  source: string | Buffer,
  header: Pick<ImageHeader, 'animated' | 'width' | 'height' | 'pages'>,
  limits: ImageLimits,
): Promise<void> {
  try {
    const image = sharp(source, {
      failOn: 'error',
      sequentialRead: true,
      limitInputPixels: limits.maxInputPixels,
      animated: header.animated,
    });
    const pixels = header.width * header.height * (header.animated ? header.pages : 1);
    const decoded = (
      pixels <= VERIFY_WHOLE_MAX_PIXELS ? image : image.resize(1, Math.min(header.height, VERIFY_ROWS), { fit: 'fill', fastShrinkOnLoad: false })
    )
      .timeout({ seconds: limits.timeoutSeconds })
      .raw()
      .toBuffer();
    await withDeadline(decoded, limits.timeoutSeconds);
  } catch (error) {
    throw toMediaError(error);
  }
}

export function toProbe(header: ImageHeader): ImageProbe {
  const probe: ImageProbe = {
    format: header.format,
    width: header.width,
    height: header.height,
    pages: header.pages,
    hasAlpha: header.hasAlpha,
  };
  if (header.orientation !== undefined) probe.orientation = header.orientation;
  return probe;
}

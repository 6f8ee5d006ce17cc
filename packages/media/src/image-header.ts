import sharp from 'sharp';
import type { FormatEnum, Metadata } from 'sharp';
import type { ImageLimits } from './image-limits.ts';
import { MediaError } from './media-error.ts';
import { toMediaError } from './sharp-errors.ts';

/** What the header says, before a pixel is decoded. */
export type ImageHeader = {
  /** Cloudinary's name: jpg, png, webp, gif, svg, tiff, avif or heic. */
  format: string;
  width: number;
  /** Of one page or frame. */
  height: number;
  pages: number;
  hasAlpha: boolean;
  orientation?: number;
  /** Frames are one animation (GIF, WebP): decoded together, counted together against the limit. */
  animated: boolean;
};

/**
 * The decoders this package lets untrusted bytes reach. libvips can also open its own formats
 * (vips, fits, matlab, ppm, csv…) which no upload needs; PDF, PSD, BMP and ICO have no decoder in
 * sharp's prebuilt libvips and fail earlier as unsupported.
 */
const READABLE_FORMATS = new Set<keyof FormatEnum>(['jpeg', 'png', 'webp', 'gif', 'svg', 'tiff', 'heif']);

/**
 * Reads the header and refuses an image whose decode would exceed the pixel limit, so a
 * decompression bomb costs a header parse. sharp enforces the same limit itself when decoding,
 * but only with its own message and after the file is opened for the pipeline.
 */
export async function readImageHeader(source: string | Buffer, limits: ImageLimits): Promise<ImageHeader> {
  let metadata: Metadata;
  try {
    metadata = await sharp(source, { limitInputPixels: false, failOn: 'error' }).metadata();
  } catch (error) {
    throw toMediaError(error);
  }
  if (!READABLE_FORMATS.has(metadata.format)) {
    throw new MediaError('unsupported', 'Unsupported image format');
  }
  const pages = metadata.pages ?? 1;
  const animated = pages > 1 && (metadata.format === 'gif' || metadata.format === 'webp');
  const { width, height } = metadata;
  const decodedPixels = width * height * (animated ? pages : 1);
  if (decodedPixels > limits.maxInputPixels) {
    const frames = animated ? ` x ${pages} frames` : '';
    throw new MediaError('too_large', `Image of ${width}x${height} pixels${frames} exceeds the limit of ${limits.maxInputPixels} pixels`);
  }
  const header: ImageHeader = {
    format: cloudinaryFormat(metadata),
    width,
    height,
    pages,
    hasAlpha: metadata.hasAlpha,
    animated,
  };
  if (metadata.orientation !== undefined) header.orientation = metadata.orientation;
  return header;
}

function cloudinaryFormat(metadata: Metadata): string {
  if (metadata.format === 'jpeg') return 'jpg';
  if (metadata.format === 'heif') return metadata.compression === 'hevc' ? 'heic' : 'avif';
  return metadata.format;
}

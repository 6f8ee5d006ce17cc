import { open, readFile } from 'node:fs/promises';
import { MediaError } from './media-error.ts';
import { looksLikeSvg, SVG_SNIFF_BYTES } from './sniff-svg.ts';

/**
 * An SVG is a program for librsvg and a markup file of a few kilobytes; larger ones are either
 * embedded bitmaps (a raster upload in disguise) or a parser attack.
 */
export const MAX_SVG_BYTES = 16 * 1024 * 1024;

/** An image to read: the path of its file, or its bytes when a caller holds them in memory (a small upload). */
export type ImageInput = string | Buffer;

/**
 * What sharp should open for this file: the path, except for SVG, which is handed over as bytes.
 * librsvg resolves `<image href>` and other references against the file's own directory, so an SVG
 * opened by path could pull a neighbouring file (another tenant's staged upload) into its pixels;
 * without a base path it refuses every external reference. Bytes in memory are handed over as they
 * are, within the same SVG size limit.
 */
export async function imageSource(input: ImageInput): Promise<string | Buffer> {
  if (typeof input !== 'string') {
    if (input.byteLength > MAX_SVG_BYTES && looksLikeSvg(input.subarray(0, SVG_SNIFF_BYTES))) throw svgTooLarge();
    return input;
  }
  const filePath = input;
  const handle = await open(filePath, 'r');
  try {
    const head = Buffer.alloc(SVG_SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.byteLength, 0);
    if (!looksLikeSvg(head.subarray(0, bytesRead))) return filePath;
    const { size } = await handle.stat();
    if (size > MAX_SVG_BYTES) {
      throw svgTooLarge();
    }
    return await readFile(handle);
  } finally {
    await handle.close();
  }
}

const svgTooLarge = (): MediaError => new MediaError('too_large', `SVG files are limited to ${MAX_SVG_BYTES} bytes`);

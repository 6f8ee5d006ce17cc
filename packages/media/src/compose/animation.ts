import { rename, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { withDeadline } from '../deadline.ts';
import { toMediaError } from '../sharp-errors.ts';
import { assertCanvas, frameSizes, type ComposeLimits, type ComposedImage } from './compose-limits.ts';

/** The animated formats `multi` writes with sharp (a PDF is pdf-pages.ts). */
export const ANIMATION_FORMATS = ['gif', 'webp'] as const;
export type AnimationFormat = (typeof ANIMATION_FORMATS)[number];

/** How long each frame shows when the transformation sets no delay (Cloudinary documents none: [GUESS]). */
export const DEFAULT_FRAME_DELAY_MS = 100;

/**
 * Writes the frames (files sharp reads, in order) as one looping animation. Frames of different sizes
 * are centred on a transparent canvas as large as the largest, so no frame is cut or scaled; a
 * transformation that gives every frame one size (`c_fill,w_…,h_…`) makes the canvas exactly that size.
 * The canvas times the frame count is bounded by `maxOutputPixels` before anything is decoded.
 */
export async function writeAnimation(
  frames: readonly string[],
  outputPath: string,
  options: { format: AnimationFormat; delayMs?: number; limits: ComposeLimits },
): Promise<ComposedImage> {
  const sizes = await frameSizes(frames);
  const canvas = { width: Math.max(...sizes.map((size) => size.width)), height: Math.max(...sizes.map((size) => size.height)) };
  assertCanvas(canvas, frames.length, options.limits, 'Animation');
  const delay = frames.map(() => options.delayMs ?? DEFAULT_FRAME_DELAY_MS);
  const temporary = `${outputPath}.tmp`;
  const joined = sharp([...frames], {
    limitInputPixels: false,
    join: { animated: true, background: { r: 0, g: 0, b: 0, alpha: 0 }, halign: 'centre', valign: 'centre' },
  }).timeout({ seconds: options.limits.timeoutSeconds });
  const encoded = options.format === 'gif' ? joined.gif({ delay, loop: 0 }) : joined.webp({ delay, loop: 0, lossless: true });
  try {
    const info = await withDeadline(
      encoded.toFile(temporary).catch((error: unknown) => Promise.reject(toMediaError(error))),
      options.limits.timeoutSeconds,
      () => rm(temporary, { force: true }),
    );
    await rename(temporary, outputPath);
    return { width: info.width, height: info.pageHeight ?? canvas.height, pages: frames.length, bytes: info.size };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

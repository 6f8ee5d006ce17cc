import type { Size } from '@rendition/transform';
import sharp from 'sharp';
import { MediaError } from '../media-error.ts';
import { toMediaError } from '../sharp-errors.ts';

/**
 * Bounds on one composition: the largest width or height of what it writes, and its pixels, counted
 * over every frame or page together (an animation is held whole while it is encoded); the time the
 * whole write may take.
 */
export type ComposeLimits = { maxDimension: number; maxOutputPixels: number; timeoutSeconds: number };

/** What a composition wrote: one frame's (or page's) size for an animation or a PDF, the whole image's otherwise. */
export type ComposedImage = { width: number; height: number; pages: number; bytes: number };

/** The sizes of the frames, read from their headers: nothing is decoded before the limits are checked. */
export async function frameSizes(frames: readonly string[]): Promise<Size[]> {
  if (frames.length === 0) throw new MediaError('unsupported', 'A composition needs at least one image');
  try {
    return await Promise.all(
      frames.map(async (frame) => {
        const { width, height } = await sharp(frame, { limitInputPixels: false }).metadata();
        return { width, height };
      }),
    );
  } catch (error) {
    throw toMediaError(error);
  }
}

/** Refuses a canvas beyond the limits, with the same kind of error a derivative would get. */
export function assertCanvas(canvas: Size, count: number, limits: ComposeLimits, what: string): void {
  if (canvas.width > limits.maxDimension || canvas.height > limits.maxDimension) {
    throw new MediaError('too_large', `${what} of ${canvas.width}x${canvas.height} exceeds the maximum dimension of ${limits.maxDimension}`);
  }
  const pixels = canvas.width * canvas.height * count;
  if (pixels > limits.maxOutputPixels) {
    throw new MediaError('too_large', `${what} of ${canvas.width}x${canvas.height} x ${count} exceeds the maximum of ${limits.maxOutputPixels} pixels`);
  }
}

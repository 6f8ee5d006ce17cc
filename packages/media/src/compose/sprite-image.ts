import { rename, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { withDeadline } from '../deadline.ts';
import { encode } from '../image-pipeline.ts';
import { encodeSettings } from '../encode-settings.ts';
import type { ImageTarget } from '../image-targets.ts';
import { toMediaError } from '../sharp-errors.ts';
import { assertCanvas, frameSizes, type ComposeLimits, type ComposedImage } from './compose-limits.ts';
import { layoutSprite, type SpritePlacement } from './sprite-layout.ts';

export type SpriteImage = ComposedImage & { placements: SpritePlacement[] };

/**
 * Writes the frames (files sharp reads) as one sprite laid out by layoutSprite, on a transparent
 * canvas (white in formats without alpha), and says where each frame is. The canvas is bounded by the
 * output limits before anything is decoded.
 */
export async function writeSprite(
  frames: readonly string[],
  outputPath: string,
  options: { format: ImageTarget; limits: ComposeLimits },
): Promise<SpriteImage> {
  const layout = layoutSprite(await frameSizes(frames));
  assertCanvas(layout, 1, options.limits, 'Sprite');
  const transparent = options.format !== 'jpg';
  const canvas = sharp({
    create: {
      width: layout.width,
      height: layout.height,
      channels: 4,
      background: transparent ? { r: 0, g: 0, b: 0, alpha: 0 } : { r: 255, g: 255, b: 255, alpha: 1 },
    },
    limitInputPixels: false,
  }).composite(frames.map((frame, index) => ({ input: frame, left: layout.placements[index]!.x, top: layout.placements[index]!.y })));
  const settings = encodeSettings({ format: null, quality: null, flags: [], page: null, density: null, colorSpace: null, delay: null }, options.format);
  const temporary = `${outputPath}.tmp`;
  try {
    // Composited first: encoders that flatten (JPEG) must see the frames, not the empty canvas alone.
    const composed = sharp(await canvas.png().toBuffer(), { limitInputPixels: false }).timeout({ seconds: options.limits.timeoutSeconds });
    const info = await withDeadline(
      encode(composed, settings)
        .toFile(temporary)
        .catch((error: unknown) => Promise.reject(toMediaError(error))),
      options.limits.timeoutSeconds,
      () => rm(temporary, { force: true }),
    );
    await rename(temporary, outputPath);
    return { width: info.width, height: info.height, pages: 1, bytes: info.size, placements: layout.placements };
  } catch (error) {
    await rm(temporary, { force: true });
    throw toMediaError(error);
  }
}

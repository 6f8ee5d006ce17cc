import { join } from 'node:path';
import sharp from 'sharp';
import type { ComposeLimits } from '../../src/index.ts';

export const LIMITS: ComposeLimits = { maxDimension: 4096, maxOutputPixels: 20_000_000, timeoutSeconds: 30 };

export type Rgba = { r: number; g: number; b: number; alpha?: number };

/** A solid PNG frame written into `dir`. */
export async function solidFrame(dir: string, name: string, width: number, height: number, colour: Rgba): Promise<string> {
  const path = join(dir, `${name}.png`);
  await sharp({ create: { width, height, channels: 4, background: { alpha: 1, ...colour } } })
    .png()
    .toFile(path);
  return path;
}

/** A frame with a different colour in each quadrant: a misplaced or mirrored crop shows. */
export async function quadrantFrame(dir: string, name: string, width: number, height: number, seed: number): Promise<string> {
  const half = { width: Math.ceil(width / 2), height: Math.ceil(height / 2) };
  const colour = (index: number) => ({ r: (seed * 40 + index * 60) % 256, g: (seed * 90 + index * 30) % 256, b: (index * 80 + 20) % 256, alpha: 1 });
  const tiles = await Promise.all(
    [0, 1, 2, 3].map(async (index) => ({
      input: await sharp({ create: { ...half, channels: 4, background: colour(index) } })
        .png()
        .toBuffer(),
      left: index % 2 === 0 ? 0 : width - half.width,
      top: index < 2 ? 0 : height - half.height,
    })),
  );
  const path = join(dir, `${name}.png`);
  await sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } })
    .composite(tiles)
    .png()
    .toFile(path);
  return path;
}

/** The RGBA pixel at (x, y) of an image (page `page` of a multi-page one). */
export async function pixelAt(input: string | Buffer, x: number, y: number, page = 0): Promise<[number, number, number, number]> {
  const { data, info } = await sharp(input, { page })
    .ensureAlpha()
    .extract({ left: x, top: y, width: 1, height: 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  expectChannels(info.channels);
  return [data[0]!, data[1]!, data[2]!, data[3]!];
}

function expectChannels(channels: number): void {
  if (channels !== 4) throw new Error(`expected RGBA, got ${channels} channels`);
}

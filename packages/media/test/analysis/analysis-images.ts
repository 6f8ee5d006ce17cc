import type { RawPixels } from '../../src/analysis/pixels.ts';

export type Rgba = [number, number, number, number];

/** A deterministic generator (mulberry32), so "random" test images are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RGBA pixels coloured by `paint(x, y)`. */
export function paint(width: number, height: number, colour: (x: number, y: number) => Rgba): RawPixels {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 4);
  }
  return { data, width, height, channels: 4 };
}

/** Columns before `split` (a share of the width) in `left`, the rest in `right`. */
export function twoColours(width: number, height: number, split: number, left: Rgba, right: Rgba): RawPixels {
  const edge = Math.round(width * split);
  return paint(width, height, (x) => (x < edge ? left : right));
}

/** Smooth "photo-like" content: overlapping sine waves in each channel plus seeded noise of `noise` (± luma units). */
export function photoLike(width: number, height: number, noise: number, seed = 1): RawPixels {
  const random = seededRandom(seed);
  return paint(width, height, (x, y) => {
    const n = (): number => (random() - 0.5) * 2 * noise;
    const channel = (phase: number): number =>
      Math.max(0, Math.min(255, Math.round(128 + 60 * Math.sin(x / (9 + phase) + phase) + 50 * Math.cos(y / (13 - phase)) + n())));
    return [channel(0), channel(1.7), channel(3.1), 255];
  });
}

/** The RGBA bytes of `pixels`, for sharp's raw input. */
export function rawInput(pixels: RawPixels): { data: Buffer; raw: { width: number; height: number; channels: 4 } } {
  return { data: Buffer.from(pixels.data), raw: { width: pixels.width, height: pixels.height, channels: 4 } };
}

import { assertRawPixels, clamp01, round2, Scratch } from './pixels.ts';
import type { RawPixels } from './pixels.ts';

/** A pixel is grey when its channels differ by at most this much (of 255): JPEG chroma noise stays within it. */
export const GRAY_TOLERANCE = 10;

/**
 * `grayscale`: every visible pixel (alpha above 0) has R, G and B within GRAY_TOLERANCE of each
 * other.
 */
export function isGrayscale(pixels: RawPixels): boolean {
  assertRawPixels(pixels);
  const { data, channels } = pixels;
  for (let i = 0; i < data.length; i += channels) {
    if (channels === 4 && data[i + 3] === 0) continue;
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    if (max - min > GRAY_TOLERANCE) return false;
  }
  return true;
}

/** Share of the pixels that must be semi-transparent, away from hard edges, for `semi_transparent`. */
export const SEMI_TRANSPARENT_SHARE = 0.01;

/**
 * `semi_transparent`: some of the image is partly transparent (0 < alpha < 255). Shrinking an image
 * whose alpha is only 0 or 255 leaves a fringe of intermediate alpha along every edge, so a pixel
 * counts only when its four neighbours are semi-transparent too, and such pixels must cover
 * SEMI_TRANSPARENT_SHARE of the image (a one-pixel anti-aliased fringe does not make an image
 * semi-transparent; a shadow, a glow or a translucent layer does).
 */
export function isSemiTransparent(pixels: RawPixels): boolean {
  assertRawPixels(pixels);
  if (pixels.channels !== 4) return false;
  const { data, width, height } = pixels;
  const semi = (index: number): boolean => {
    const a = data[index * 4 + 3]!;
    return a > 0 && a < 255;
  };
  const needed = Math.max(1, Math.ceil(width * height * SEMI_TRANSPARENT_SHARE));
  let found = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (!semi(p)) continue;
      if (x > 0 && !semi(p - 1)) continue;
      if (x < width - 1 && !semi(p + 1)) continue;
      if (y > 0 && !semi(p - width)) continue;
      if (y < height - 1 && !semi(p + width)) continue;
      if (++found >= needed) return true;
    }
  }
  return false;
}

/** Neighbours whose channels (alpha included) all differ by at most this much are "flat". */
const FLAT_STEP = 3;

/**
 * `illustration_score`, 0 (photo) to 1 (illustration), from two measures of the analysis image:
 * - flatness: the share of 4-connected neighbour pairs whose channels differ by at most 3 (flat
 *   fills, hard edges; photos measure 0.1–0.4 from texture and noise, drawings above 0.9);
 * - palette: distinct colours at 5 bits per channel per pixel (photos 0.02–0.06, drawings below
 *   0.005).
 * score = 0.75 × clamp((flatness − 0.5) / 0.4) + 0.25 × clamp((0.02 − distinct per pixel) / 0.015),
 * two decimals.
 */
export function illustrationScore(pixels: RawPixels): number {
  assertRawPixels(pixels);
  const { data, width, height, channels } = pixels;
  const seen = seenColours.atLeast(1 << 15).fill(0);
  let distinct = 0;
  let flat = 0;
  let pairs = 0;
  const rowBytes = width * channels;
  for (let y = 0, i = 0; y < height; y++) {
    const lastRow = y === height - 1;
    for (let x = 0; x < width; x++, i += channels) {
      const key = ((data[i]! >> 3) << 10) | ((data[i + 1]! >> 3) << 5) | (data[i + 2]! >> 3);
      if (seen[key] === 0) {
        seen[key] = 1;
        distinct++;
      }
      if (x < width - 1) {
        pairs++;
        if (isFlatPair(data, i, i + channels, channels)) flat++;
      }
      if (!lastRow) {
        pairs++;
        if (isFlatPair(data, i, i + rowBytes, channels)) flat++;
      }
    }
  }
  const flatness = pairs === 0 ? 1 : flat / pairs;
  const perPixel = distinct / (width * height);
  return round2(0.75 * clamp01((flatness - 0.5) / 0.4) + 0.25 * clamp01((0.02 - perPixel) / 0.015));
}

/** Which 15-bit colours illustrationScore has met; reused (and cleared) by every call. */
const seenColours = new Scratch((length) => new Uint8Array(length));

/** Whether the pixels at byte offsets i and j differ by at most FLAT_STEP in every channel (alpha included). */
function isFlatPair(data: Uint8Array, i: number, j: number, channels: number): boolean {
  return (
    isNear(data[i]!, data[j]!) &&
    isNear(data[i + 1]!, data[j + 1]!) &&
    isNear(data[i + 2]!, data[j + 2]!) &&
    (channels === 3 || isNear(data[i + 3]!, data[j + 3]!))
  );
}

function isNear(a: number, b: number): boolean {
  const d = a - b;
  return d <= FLAT_STEP && d >= -FLAT_STEP;
}

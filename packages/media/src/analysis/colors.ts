import { deltaE, hexColour, srgbToLab } from './colour-space.ts';
import type { Lab } from './colour-space.ts';
import { CLOUDINARY_PALETTE, GOOGLE_PALETTE, nearestName } from './palettes.ts';
import type { Palette } from './palettes.ts';
import { assertRawPixels, round1, Scratch } from './pixels.ts';
import type { RawPixels } from './pixels.ts';

/** A group of similar colours: the mean colour of its pixels and their share of the image (0..1). */
export type ColourCluster = { r: number; g: number; b: number; a: number; count: number; share: number; lab: Lab };

export type ColourClusters = {
  /** Every cluster found, largest first. */
  clusters: ColourCluster[];
  /** Some pixel has alpha below 255. */
  hasAlpha: boolean;
};

/** How many colours `colors` lists, at most. */
export const MAX_COLOURS = 12;
/** A colour must cover this share of the image to be listed. */
export const MIN_COLOUR_SHARE = 0.01;
/** Buckets whose mean colours are closer than this (CIE76 ΔE, alpha difference counted in the same units) share a cluster. */
export const MERGE_DISTANCE = 12;
/** Clusters kept; the few pixels of buckets that match none of them once this many exist are not counted. */
const MAX_CLUSTERS = 256;

/** Buckets: 4 bits per channel, alpha included. */
const BUCKETS = 1 << 16;
/**
 * Per-bucket pixel counts and channel sums, reused by every call and left zeroed by it (each call
 * runs synchronously to the end, so no other call sees them half-filled). The sums are integers,
 * so 32-bit ones are exact while pixels × 255 fits (about 16.8 million pixels; the analysis image
 * has at most 65,536): a quarter of the memory of float64 sums.
 */
const bucketCounts = new Scratch((length) => new Uint32Array(length));
const bucketSums = new Scratch((length) => new Uint32Array(length));
const MAX_EXACT_UINT32_PIXELS = Math.floor(0xffffffff / 255);

/** Adds every pixel to its bucket's count and sums; whether some pixel has alpha below 255. */
function fillBuckets(pixels: RawPixels, counts: Uint32Array, sums: Uint32Array | Float64Array): boolean {
  const { data, channels } = pixels;
  let hasAlpha = false;
  for (let i = 0; i < data.length; i += channels) {
    const a = channels === 4 ? data[i + 3]! : 255;
    // Fully transparent pixels are one colour, whatever RGB they carry.
    const r = a === 0 ? 0 : data[i]!;
    const g = a === 0 ? 0 : data[i + 1]!;
    const b = a === 0 ? 0 : data[i + 2]!;
    if (a !== 255) hasAlpha = true;
    const key = ((a >> 4) << 12) | ((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4);
    counts[key]!++;
    const s = key * 4;
    sums[s] = sums[s]! + r;
    sums[s + 1] = sums[s + 1]! + g;
    sums[s + 2] = sums[s + 2]! + b;
    sums[s + 3] = sums[s + 3]! + a;
  }
  return hasAlpha;
}

/**
 * The image's colours: every pixel goes to a bucket of its colour quantised to 4 bits per channel
 * (alpha included), then buckets, largest first, join the first cluster whose seed colour is within
 * MERGE_DISTANCE of theirs ("leader" clustering) or start a new one. A cluster's colour is the exact
 * mean of its pixels, so a flat colour comes out as itself. Fully transparent pixels count as
 * `#00000000`.
 */
export function colourClusters(pixels: RawPixels): ColourClusters {
  assertRawPixels(pixels);
  const total = pixels.width * pixels.height;
  const counts = bucketCounts.atLeast(BUCKETS);
  const sums = total <= MAX_EXACT_UINT32_PIXELS ? bucketSums.atLeast(BUCKETS * 4) : new Float64Array(BUCKETS * 4);
  const hasAlpha = fillBuckets(pixels, counts, sums);
  const used: number[] = [];
  for (let key = 0; key < BUCKETS; key++) if (counts[key]! > 0) used.push(key);
  used.sort((x, y) => counts[y]! - counts[x]! || x - y);

  type Building = { seed: Lab; seedAlpha: number; count: number; r: number; g: number; b: number; a: number };
  const building: Building[] = [];
  for (const key of used) {
    const count = counts[key]!;
    const s = key * 4;
    const r = sums[s]!;
    const g = sums[s + 1]!;
    const b = sums[s + 2]!;
    const a = sums[s + 3]!;
    // Leave the reused buffers zeroed for the next call (cheaper than clearing all 64 Ki buckets).
    counts[key] = 0;
    sums[s] = sums[s + 1] = sums[s + 2] = sums[s + 3] = 0;
    const lab = srgbToLab(r / count, g / count, b / count);
    const alpha = a / count;
    let target: Building | undefined;
    let nearest = MERGE_DISTANCE;
    for (const cluster of building) {
      const distance = deltaE(cluster.seed, lab) + (Math.abs(cluster.seedAlpha - alpha) * 100) / 255;
      if (distance < nearest) {
        nearest = distance;
        target = cluster;
      }
    }
    if (target !== undefined) {
      target.count += count;
      target.r += r;
      target.g += g;
      target.b += b;
      target.a += a;
    } else if (building.length < MAX_CLUSTERS) {
      building.push({ seed: lab, seedAlpha: alpha, count, r, g, b, a });
    }
  }
  const clusters = building
    .map((cluster): ColourCluster => {
      const { count } = cluster;
      const r = cluster.r / count;
      const g = cluster.g / count;
      const b = cluster.b / count;
      return { r, g, b, a: cluster.a / count, count, share: count / total, lab: srgbToLab(r, g, b) };
    })
    .sort((x, y) => y.count - x.count || hexColour(x.r, x.g, x.b, x.a).localeCompare(hexColour(y.r, y.g, y.b, y.a)));
  return { clusters, hasAlpha };
}

/** The clusters `colors` lists: at least MIN_COLOUR_SHARE of the image, the MAX_COLOURS largest. */
export function listedClusters(found: ColourClusters): ColourCluster[] {
  return found.clusters.filter((cluster) => cluster.share >= MIN_COLOUR_SHARE).slice(0, MAX_COLOURS);
}

/** `colors`: `[hex, percent]`, largest first; 8-digit hex when any pixel of the image has alpha. */
export function colorsField(found: ColourClusters): Array<[string, number]> {
  return listedClusters(found).map((cluster) => [
    hexColour(cluster.r, cluster.g, cluster.b, found.hasAlpha ? cluster.a : undefined),
    round1(cluster.share * 100),
  ]);
}

/** Below half opacity a colour is mostly background: it is listed in `colors` but given no name. */
const MIN_NAMED_ALPHA = 128;

/**
 * `predominant`: the listed colours named by each palette, the shares of colours with the same name
 * added up, largest first (the same percentages as `colors` for a flat image, as in Cloudinary's
 * examples).
 */
export function predominantField(found: ColourClusters): { google: Array<[string, number]>; cloudinary: Array<[string, number]> } {
  const listed = listedClusters(found).filter((cluster) => cluster.a >= MIN_NAMED_ALPHA);
  return { google: namedShares(listed, GOOGLE_PALETTE), cloudinary: namedShares(listed, CLOUDINARY_PALETTE) };
}

function namedShares(clusters: ColourCluster[], palette: Palette): Array<[string, number]> {
  const shares = new Map<string, number>();
  for (const cluster of clusters) {
    const name = nearestName(palette, cluster.lab);
    shares.set(name, (shares.get(name) ?? 0) + cluster.share);
  }
  return [...shares]
    .sort(([nameX, x], [nameY, y]) => y - x || nameX.localeCompare(nameY))
    .map(([name, share]): [string, number] => [name, round1(share * 100)])
    .filter(([, percent]) => percent > 0);
}

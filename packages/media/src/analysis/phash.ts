import { assertRawPixels, flattenOnWhite, lumaOf } from './pixels.ts';
import type { GreyView, RawPixels } from './pixels.ts';

/** Side of the grey image the DCT runs on, and of the low-frequency block kept. */
const DCT_SIZE = 32;
const HASH_SIZE = 8;

/** cos(π·k·(2n+1) / 2N) for the rows kept (k < 8) and every n < 32. */
const COSINES: Float64Array = (() => {
  const table = new Float64Array(HASH_SIZE * DCT_SIZE);
  for (let k = 0; k < HASH_SIZE; k++) {
    for (let n = 0; n < DCT_SIZE; n++) table[k * DCT_SIZE + n] = Math.cos((Math.PI * k * (2 * n + 1)) / (2 * DCT_SIZE));
  }
  return table;
})();

/**
 * `phash`: the 64-bit DCT perceptual hash as Python's imagehash computes it (the most common
 * implementation): the image (transparency composited onto white) in Rec. 601 grey, squeezed to
 * 32×32 ignoring its aspect ratio (area average), a 2-D DCT-II, the top-left 8×8 coefficients
 * **including the DC term**, each bit = coefficient > median of those 64 (the mean of the 32nd and
 * 33rd), read row by row (vertical frequency major), first bit most significant, as 16 lower-case
 * hex digits. pHash's C library differs (it skips the DC row and column and mean-filters first), so
 * hashes are comparable with imagehash's, not with pHash's.
 */
export function perceptualHash(pixels: RawPixels, grey?: GreyView): string {
  assertRawPixels(pixels);
  const { width, height } = pixels;
  // `grey`: the image's luma already computed (analyzeImage shares one with quality).
  const luma = grey?.luma ?? lumaOf(flattenOnWhite(pixels), width * height);
  const small = areaResample(luma, width, height, DCT_SIZE, DCT_SIZE);
  const coefficients = lowFrequencyDct(small);
  const sorted = Float64Array.from(coefficients).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

/** The first 8×8 coefficients of the unnormalised 2-D DCT-II of a 32×32 block (scaling does not move the median test). */
export function lowFrequencyDct(block: Float64Array): Float64Array {
  // Along rows (horizontal frequency v) for every row y, then along columns (vertical frequency u).
  const rows = new Float64Array(DCT_SIZE * HASH_SIZE);
  for (let y = 0; y < DCT_SIZE; y++) {
    for (let v = 0; v < HASH_SIZE; v++) {
      let sum = 0;
      for (let x = 0; x < DCT_SIZE; x++) sum += block[y * DCT_SIZE + x]! * COSINES[v * DCT_SIZE + x]!;
      rows[y * HASH_SIZE + v] = sum;
    }
  }
  const out = new Float64Array(HASH_SIZE * HASH_SIZE);
  for (let u = 0; u < HASH_SIZE; u++) {
    for (let v = 0; v < HASH_SIZE; v++) {
      let sum = 0;
      for (let y = 0; y < DCT_SIZE; y++) sum += rows[y * HASH_SIZE + v]! * COSINES[u * DCT_SIZE + y]!;
      out[u * HASH_SIZE + v] = sum;
    }
  }
  return out;
}

/**
 * Resamples a one-channel plane to `toWidth` × `toHeight` by area averaging: each output pixel is
 * the mean of the source area it covers, fractional pixels weighted by their overlap.
 */
export function areaResample(plane: ArrayLike<number>, width: number, height: number, toWidth: number, toHeight: number): Float64Array {
  const xs = overlaps(width, toWidth);
  const ys = overlaps(height, toHeight);
  // Horizontal pass into a toWidth × height plane, then vertical.
  const across = new Float64Array(toWidth * height);
  for (let y = 0; y < height; y++) {
    const row = y * toWidth;
    const source = y * width;
    for (let n = 0; n < xs.length; n++) {
      const cell = row + xs.to[n]!;
      across[cell] = across[cell]! + plane[source + xs.from[n]!]! * xs.weight[n]!;
    }
  }
  const out = new Float64Array(toWidth * toHeight);
  for (let n = 0; n < ys.length; n++) {
    const row = ys.to[n]! * toWidth;
    const source = ys.from[n]! * toWidth;
    const weight = ys.weight[n]!;
    for (let x = 0; x < toWidth; x++) out[row + x] = out[row + x]! + across[source + x]! * weight;
  }
  return out;
}

/** Overlaps of output and source cells as parallel arrays (read once per row: no per-cell objects). */
type Overlaps = { length: number; to: Uint32Array; from: Uint32Array; weight: Float64Array };

/** For each output cell: the source cells it overlaps and their weights (summing to 1). */
function overlaps(size: number, toSize: number): Overlaps {
  const scale = size / toSize;
  // Each output cell overlaps at most ceil(scale) + 1 source cells.
  const capacity = toSize * (Math.ceil(scale) + 1);
  const result: Overlaps = { length: 0, to: new Uint32Array(capacity), from: new Uint32Array(capacity), weight: new Float64Array(capacity) };
  for (let to = 0; to < toSize; to++) {
    const start = to * scale;
    const end = start + scale;
    for (let from = Math.floor(start); from < Math.min(size, Math.ceil(end)); from++) {
      const overlap = Math.min(end, from + 1) - Math.max(start, from);
      if (overlap > 1e-12) {
        result.to[result.length] = to;
        result.from[result.length] = from;
        result.weight[result.length++] = overlap / scale;
      }
    }
  }
  return result;
}

/** Bits that differ between two hex hashes of the same length. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length || !/^[0-9a-f]*$/.test(a) || !/^[0-9a-f]*$/.test(b)) throw new TypeError('hashes must be hex strings of equal length');
  let distance = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x !== 0) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}

// Per-function cost of the pure pixel analyses on the bench image's analysis buffer, and a digest of
// every output (not a test; run with `node packages/media/test/analysis/measure-functions.ts [out.json]`
// before and after a change: the digests must match). Medians of 200 calls after 50 warm-ups.
import { writeFileSync } from 'node:fs';
import { fixturePath } from '@rendition/testing';
import { analyzeAccessibility } from '../../src/analysis/accessibility.ts';
import { analyzeImage } from '../../src/analysis/analyze-image.ts';
import { colorsField, colourClusters, predominantField } from '../../src/analysis/colors.ts';
import { illustrationScore, isGrayscale, isSemiTransparent } from '../../src/analysis/companions.ts';
import { decodeForAnalysis } from '../../src/analysis/decode-for-analysis.ts';
import { perceptualHash } from '../../src/analysis/phash.ts';
import { flattenOnWhite, lumaOf } from '../../src/analysis/pixels.ts';
import type { RawPixels } from '../../src/analysis/pixels.ts';
import { analyzeQuality } from '../../src/analysis/quality.ts';
import { illuminationSpread, laplacianVariance, lumaStatistics, meanChroma, noiseSigma } from '../../src/analysis/quality-measures.ts';
import { defaultImageLimits } from '../../src/image-limits.ts';
import { photoLike } from './analysis-images.ts';

const FIXTURES = [
  '2569067123_aca715a2ee_o.jpg',
  '4.webp',
  'Channel_digital_image_CMYK_color.jpg',
  'Crash_test.gif',
  'embedgravitybird.png',
  'gradients-rgb8.png',
];

function median(work: () => unknown, runs = 200): number {
  for (let i = 0; i < 50; i++) work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[runs >> 1]!;
}

/** Every output of every function for one image (luma-based measures on a fresh luma plane). */
function outputs(pixels: RawPixels, stored: number): unknown {
  const count = pixels.width * pixels.height;
  const luma = lumaOf(flattenOnWhite(pixels), count);
  const found = colourClusters(pixels);
  return {
    clusters: found,
    colors: colorsField(found),
    predominant: predominantField(found),
    illustration: illustrationScore(pixels),
    grey: isGrayscale(pixels),
    semi: isSemiTransparent(pixels),
    phash: perceptualHash(pixels),
    quality: analyzeQuality(pixels, stored),
    accessibility: analyzeAccessibility(pixels, found),
    laplacian: laplacianVariance(luma, pixels.width, pixels.height),
    noise: noiseSigma(luma, pixels.width, pixels.height),
    stats: lumaStatistics(luma, count),
    chroma: meanChroma(flattenOnWhite(pixels), count),
    spread: illuminationSpread(luma, pixels.width, pixels.height),
  };
}

const digest: Record<string, unknown> = {};
const images: Array<[string, RawPixels, number]> = [];
for (const name of FIXTURES) {
  const image = await decodeForAnalysis(fixturePath(`images/${name}`), defaultImageLimits);
  images.push([name, image.pixels, image.width * image.height]);
  digest[`${name} analyzeImage`] = await analyzeImage(
    fixturePath(`images/${name}`),
    { colors: true, phash: true, quality: true, accessibility: true },
    defaultImageLimits,
  );
}
for (const [w, h, seed] of [
  [64, 48, 1],
  [3, 3, 2],
  [200, 7, 3],
  [256, 256, 4],
] as const) {
  const photo = photoLike(w, h, 24, seed);
  images.push([`photoLike ${w}x${h}`, photo, w * h]);
  // The same with a varied alpha channel, and as RGB.
  const alpha = { ...photo, data: Uint8Array.from(photo.data, (v, i) => (i % 4 === 3 ? (i * 37) % 256 : v)) };
  images.push([`photoLike ${w}x${h} alpha`, alpha, w * h]);
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => photo.data[Math.floor(i / 3) * 4 + (i % 3)]!);
  images.push([`photoLike ${w}x${h} rgb`, { data: rgb, width: w, height: h, channels: 3 }, w * h]);
}
for (const [name, pixels, stored] of images) digest[name] = outputs(pixels, stored);

const bench = images[0]![1];
const count = bench.width * bench.height;
const luma = lumaOf(flattenOnWhite(bench), count);
const ms = (work: () => unknown): string => median(work).toFixed(3);
console.log(`bench image analysis buffer ${bench.width}x${bench.height}x${bench.channels}; ms per call (median):`);
console.log(`flattenOnWhite ${ms(() => flattenOnWhite(bench))}`);
console.log(`lumaOf ${ms(() => lumaOf(flattenOnWhite(bench), count))} (incl. flatten)`);
console.log(`colourClusters ${ms(() => colourClusters(bench))}`);
console.log(`illustrationScore ${ms(() => illustrationScore(bench))}`);
console.log(`isGrayscale ${ms(() => isGrayscale(bench))}  isSemiTransparent ${ms(() => isSemiTransparent(bench))}`);
console.log(`perceptualHash ${ms(() => perceptualHash(bench))}`);
console.log(`analyzeQuality ${ms(() => analyzeQuality(bench, 6_000_000))}`);
console.log(`  noiseSigma ${ms(() => noiseSigma(luma, bench.width, bench.height))}`);
console.log(`  lumaStatistics ${ms(() => lumaStatistics(luma, count))}`);
console.log(`  laplacianVariance ${ms(() => laplacianVariance(luma, bench.width, bench.height))}`);
console.log(`  illuminationSpread ${ms(() => illuminationSpread(luma, bench.width, bench.height))}`);
console.log(`  meanChroma ${ms(() => meanChroma(flattenOnWhite(bench), count))}`);
const out = process.argv[2];
if (out !== undefined) {
  writeFileSync(
    out,
    JSON.stringify(digest, (_, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v), 1),
  );
  console.log(`digest written to ${out}`);
}

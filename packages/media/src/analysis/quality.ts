import { assertRawPixels, clamp01, flattenOnWhite, lumaOf, round2 } from './pixels.ts';
import type { GreyView, RawPixels } from './pixels.ts';
import { illuminationSpread, laplacianVariance, lumaStatistics, meanChroma, noiseSigma } from './quality-measures.ts';

/** `quality_analysis`, in the order of Cloudinary's extended quality analysis (the fields computable from pixels). */
export type QualityAnalysis = {
  focus: number;
  noise: number;
  contrast: number;
  exposure: number;
  saturation: number;
  lighting: number;
  pixel_score: number;
  color_score: number;
  resolution: number;
};

/** Laplacian variance (luma², at the analysis size) at which focus reaches 1 − 1/e. */
export const FOCUS_SCALE = 300;
/** Noise σ (luma units) at which the noise score reaches 0. */
export const NOISE_LIMIT = 25;
/** Pixels of the stored image for resolution 0 (64×64) and 1 (2 megapixels); logarithmic between. */
const RESOLUTION_LOW = 64 * 64;
const RESOLUTION_HIGH = 2_000_000;

/** Weights of quality_score (they add up to 1). */
export const QUALITY_WEIGHTS = {
  focus: 0.35,
  noise: 0.15,
  contrast: 0.1,
  exposure: 0.15,
  saturation: 0.05,
  lighting: 0.1,
  resolution: 0.1,
} as const;

/**
 * Quality scores, every one 0..1 with 1 best, on the grey (Rec. 601 luma, transparency over white)
 * analysis image (so the scale-sensitive ones are measured at the analysis size, whatever the upload's size):
 * - focus = 1 − exp(−var(Laplacian) / 300): the variance of the 4-neighbour Laplacian, normalised;
 * - noise = 1 − σ / 25, σ the Immerkær noise estimate over the smoother half of the image;
 * - contrast = (p95 − p5) / 0.6, the spread of the middle 90 % of luma (0..1);
 * - exposure = 1 − max(0, |mean − 0.5| − 0.1) / 0.35 − (share of pixels ≤ 2/255 + share ≥ 253/255);
 * - saturation: mean chroma c = (max − min)/255 of the pixels; c / 0.15 below 0.15, 1 up to 0.5,
 *   then 1.5 − c (grey images score 0; pure primaries everywhere 0.5);
 * - lighting = 1 − (s − 0.05) / 0.25, s the standard deviation of the mean luma of a 4×4 grid of cells
 *   (evenly lit images score 1);
 * - pixel_score = mean(focus, noise); color_score = mean(contrast, exposure, saturation, lighting);
 * - resolution = log(pixels / 64²) / log(2 MP / 64²) of the stored image.
 * quality_score = 0.35 focus + 0.15 noise + 0.1 contrast + 0.15 exposure + 0.05 saturation
 * + 0.1 lighting + 0.1 resolution. All clamped to 0..1 and rounded to two decimals.
 */
export function analyzeQuality(pixels: RawPixels, storedPixels: number, grey?: GreyView): { quality_analysis: QualityAnalysis; quality_score: number } {
  assertRawPixels(pixels);
  const { width, height } = pixels;
  const count = width * height;
  // `grey`: the image over white and its luma already computed (analyzeImage shares one with phash).
  const rgb = grey?.rgb ?? flattenOnWhite(pixels);
  const luma = grey?.luma ?? lumaOf(rgb, count);
  const stats = lumaStatistics(luma, count);
  const chroma = meanChroma(rgb, count);

  const focus = clamp01(1 - Math.exp(-laplacianVariance(luma, width, height) / FOCUS_SCALE));
  const noise = clamp01(1 - noiseSigma(luma, width, height) / NOISE_LIMIT);
  const contrast = clamp01((stats.high - stats.low) / 0.6);
  const exposure = clamp01(1 - Math.max(0, Math.abs(stats.mean - 0.5) - 0.1) / 0.35 - (stats.dark + stats.bright));
  const saturation = clamp01(chroma < 0.15 ? chroma / 0.15 : chroma <= 0.5 ? 1 : 1.5 - chroma);
  const lighting = clamp01(1 - (illuminationSpread(luma, width, height) - 0.05) / 0.25);
  const resolution = clamp01(Math.log(Math.max(1, storedPixels) / RESOLUTION_LOW) / Math.log(RESOLUTION_HIGH / RESOLUTION_LOW));

  const w = QUALITY_WEIGHTS;
  const score =
    w.focus * focus +
    w.noise * noise +
    w.contrast * contrast +
    w.exposure * exposure +
    w.saturation * saturation +
    w.lighting * lighting +
    w.resolution * resolution;
  return {
    quality_analysis: {
      focus: round2(focus),
      noise: round2(noise),
      contrast: round2(contrast),
      exposure: round2(exposure),
      saturation: round2(saturation),
      lighting: round2(lighting),
      pixel_score: round2((focus + noise) / 2),
      color_score: round2((contrast + exposure + saturation + lighting) / 4),
      resolution: round2(resolution),
    },
    quality_score: round2(clamp01(score)),
  };
}

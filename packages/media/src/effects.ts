import type { Effect, Size } from '@rendition/transform';
import type { ImageOperation, Matrix3 } from './pixel-operations.ts';

// Cloudinary's `e_` effects as pixel operations. Cloudinary documents each effect's range and default
// but not the formula behind it; the mappings below are Rendition's, chosen so that the default looks
// like Cloudinary's and the range is monotonic. Values arrive validated and defaulted by the parser.

/** Rec. 709 luma weights on the sRGB values: one row per output channel, so r = g = b. */
const LUMA: readonly [number, number, number] = [0.2126, 0.7152, 0.0722];
const GREY: Matrix3 = [[...LUMA], [...LUMA], [...LUMA]];

/** The classic sepia tone matrix (Microsoft's), blended with the identity by e_sepia's level. */
const SEPIA: Matrix3 = [
  [0.393, 0.769, 0.189],
  [0.349, 0.686, 0.168],
  [0.272, 0.534, 0.131],
];

/** The linear slope that turns the luma into black or white around the threshold (a step narrower than one level). */
const THRESHOLD_SLOPE = 1e6;

/** e_blur:<1..2000>: Gaussian sigma = value / 20 (default 100 → sigma 5, 2000 → sigma 100), at least libvips' 0.3. */
export function blurSigma(value: number): number {
  return Math.min(100, Math.max(0.3, value / 20));
}

/** e_sharpen:<1..2000>: unsharp-mask sigma = 0.5 + value / 200 (default 100 → sigma 1, sharp's "typical"; 2000 → 10.5). */
export function sharpenSigma(value: number): number {
  return Math.max(0.5, 0.5 + value / 200);
}

/** e_brightness:<-99..100>: lightness (LCh) multiplied by 1 + value / 100 (default 80 → ×1.8, -99 → ×0.01). */
export function brightnessFactor(value: number): number {
  return 1 + value / 100;
}

/** e_saturation:<-100..100>: chroma (LCh) multiplied by 1 + value / 100 (-100 → grey, default 80 → ×1.8, 100 → ×2). */
export function saturationFactor(value: number): number {
  return 1 + value / 100;
}

/** e_contrast:<-100..100>: a linear stretch about mid-grey, slope 1 + value / 100 (-100 → flat grey, 0 → unchanged, 100 → ×2). */
export function contrastLinear(value: number): { a: number; b: number } {
  const a = 1 + value / 100;
  return { a, b: 127.5 * (1 - a) };
}

/** e_sepia:<1..100>: the sepia matrix blended with the identity by value / 100 (default 80). */
export function sepiaMatrix(value: number): Matrix3 {
  const k = value / 100;
  const row = (i: 0 | 1 | 2): [number, number, number] => [0, 1, 2].map((j) => k * SEPIA[i][j]! + (i === j ? 1 - k : 0)) as [number, number, number];
  return [row(0), row(1), row(2)];
}

/**
 * e_blackwhite:<0..100>: luma at or above value% of white becomes white, below it black (default 50).
 * A linear step on the luma: (luma − threshold) × slope + 255, clamped to 0..255.
 */
export function blackwhiteLinear(value: number): { a: number; b: number } {
  const threshold = (value / 100) * 255;
  return { a: THRESHOLD_SLOPE, b: 255 - THRESHOLD_SLOPE * threshold };
}

/**
 * e_pixelate:<1..200>: blocks of about `value` pixels. The image is scaled down by the block size and back
 * up to its size with nearest-neighbour, so each small pixel becomes one block (blocks at the right and
 * bottom edges may differ by a pixel when the size is not a multiple of the block).
 */
export function pixelateSize(value: number, size: Size): Size {
  return { width: Math.max(1, Math.ceil(size.width / value)), height: Math.max(1, Math.ceil(size.height / value)) };
}

/** The operations of one effect on an image of `size` (which no effect changes). */
export function effectOperations(effect: Effect, size: Size): ImageOperation[] {
  switch (effect.name) {
    case 'grayscale':
      return [{ op: 'recomb', matrix: GREY }];
    case 'blackwhite':
      return [
        { op: 'recomb', matrix: GREY },
        { op: 'linear', ...blackwhiteLinear(effect.value) },
      ];
    case 'sepia':
      return [{ op: 'recomb', matrix: sepiaMatrix(effect.value) }];
    case 'negate':
      return [{ op: 'negate' }];
    case 'blur':
      return [{ op: 'blur', sigma: blurSigma(effect.value) }];
    case 'sharpen':
      return [{ op: 'sharpen', sigma: sharpenSigma(effect.value) }];
    case 'brightness':
      return effect.value === 0 ? [] : [{ op: 'modulate', brightness: brightnessFactor(effect.value), saturation: 1 }];
    case 'saturation':
      return effect.value === 0 ? [] : [{ op: 'modulate', brightness: 1, saturation: saturationFactor(effect.value) }];
    case 'contrast':
      return effect.value === 0 ? [] : [{ op: 'linear', ...contrastLinear(effect.value) }];
    case 'pixelate': {
      const small = pixelateSize(effect.value, size);
      if (small.width === size.width && small.height === size.height) return [];
      return [
        { op: 'resize', ...small, kernel: 'lanczos3' },
        { op: 'resize', ...size, kernel: 'nearest' },
      ];
    }
  }
}

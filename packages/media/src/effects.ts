import type { Color, Component, Effect, Length, Size } from '@rendition/transform';
import type { AutoAdjustment, FadeAxis, ImageOperation, Matrix3, PixelKernel, Rgba } from './pixel-operations.ts';

// Cloudinary's `e_` effects as pixel operations. Cloudinary documents each effect's range and default
// but not the formula behind it; the mappings below are Rendition's, chosen so that the default looks
// like Cloudinary's and the range is monotonic. Values arrive validated and defaulted by the parser.
// Effects sharp can do run as sharp operations in the current pass; the rest are raw-pixel kernels
// (effect-kernels.ts), each a pass of its own. docs/compatibility.md ("Effects, issue 19") lists the
// differences and the values Cloudinary leaves open ([GUESS]).

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

/** e_gamma:<-50..150>: each colour value v → 255·(v/255)^(1/γ), γ = 1 + level/100 (default 0 → unchanged; positive brightens the mid-tones). */
export function gammaExponent(level: number): number {
  return 1 / (1 + level / 100);
}

/** e_unsharp_mask:<1..2000>: sharp's unsharp mask with the radius of e_sharpen and an amount that grows with the value, flat and jagged areas alike. */
export function unsharpMask(value: number): { sigma: number; flat: number; jagged: number } {
  const amount = 2 + value / 100;
  return { sigma: sharpenSigma(value), flat: amount, jagged: amount };
}

/** e_oil_paint:<0..100>: a median filter of 3 (1..33), 5 (34..66) or 7 (67..100) pixels; 0 → none. Larger medians cost seconds on photos. */
export function oilPaintSize(level: number): number {
  return level === 0 ? 0 : 3 + 2 * Math.min(2, Math.floor((level - 1) / 33));
}

/** e_trim:<0..100>: the tolerance as a percentage of a colour channel's range (sharp's threshold is 0..255). */
export function trimThreshold(tolerance: number): number {
  return (tolerance / 100) * 255;
}

/** Colours the effects use when the component has no `co_` (Cloudinary's: gray for shadow and colorize, black for outline [GUESS]). */
export const DEFAULT_EFFECT_COLORS = {
  shadow: { r: 128, g: 128, b: 128, alpha: 1 },
  colorize: { r: 128, g: 128, b: 128, alpha: 1 },
  outline: { r: 0, g: 0, b: 0, alpha: 1 },
} as const satisfies Record<string, Rgba>;

/** e_shadow's offset without x_/y_ (Cloudinary: "bottom right") and its blur, in pixels before dpr. [GUESS] both. */
export const SHADOW_OFFSET = 10;
export const SHADOW_SIGMA = 4;

/** e_gradient_fade without x_ or y_: the top half fades (Cloudinary's documented default, y_0.5). */
export const DEFAULT_FADE_FRACTION = 0.5;

/** What an effect reads from its component besides `e_`: `co_`, `x_`, `y_` and `dpr_` (for pixel lengths). */
export type EffectQualifiers = Pick<Component, 'color' | 'x' | 'y' | 'dpr'>;

const opaque = (color: Color | undefined, fallback: Rgba): Rgba => (color === undefined ? fallback : { r: color.r, g: color.g, b: color.b, alpha: 1 });

/** A pixel length of x_/y_ (× dpr) or a fraction of `base`, rounded. */
const lengthIn = (value: Length, base: number, dpr: number): number => Math.round(value.kind === 'pixels' ? value.value * dpr : value.value * base);

/** One edge of e_gradient_fade from x_ (or y_): its sign picks the edge (negative: right or bottom), its size how far the fade reaches. */
function fadeAxis(value: Length | undefined, base: number, dpr: number): FadeAxis | null {
  if (value === undefined) return null;
  const extent = Math.min(base, Math.abs(lengthIn(value, base, dpr)));
  return extent === 0 ? null : { extent, fromEnd: value.value < 0 };
}

/**
 * The stops of e_tint along the luma (0..1). One colour: black, the colour (at its position, else the
 * middle), white, so the image keeps its light and dark. Several: the colours alone, at their positions;
 * a colour without one sits evenly between its neighbours' (the ends at 0 and 1).
 */
export function tintStops(colors: Extract<Effect, { name: 'tint' }>['colors']): { color: Rgba; position: number }[] {
  const rgba = (color: Color): Rgba => ({ r: color.r, g: color.g, b: color.b, alpha: 1 });
  if (colors.length === 1) {
    const only = colors[0]!;
    return [
      { color: { r: 0, g: 0, b: 0, alpha: 1 }, position: 0 },
      { color: rgba(only.color), position: only.position === null ? 0.5 : only.position / 100 },
      { color: { r: 255, g: 255, b: 255, alpha: 1 }, position: 1 },
    ];
  }
  const positions = colors.map((entry) => (entry.position === null ? null : entry.position / 100));
  if (positions[0] === null) positions[0] = 0;
  if (positions[positions.length - 1] === null) positions[positions.length - 1] = 1;
  for (let index = 1; index < positions.length - 1; index += 1) {
    if (positions[index] !== null) continue;
    let next = index + 1;
    while (positions[next] === null) next += 1;
    const before = positions[index - 1]!;
    const after = Math.max(before, positions[next]!);
    positions[index] = before + (after - before) / (next - index + 1);
  }
  return colors.map((entry, index) => ({ color: rgba(entry.color), position: positions[index]! }));
}

/** e_cartoonify's numbers: the edge strength that draws a line (null: no lines), colour levels per channel and chroma boost. */
export function cartoonifySettings(
  lineStrength: number,
  colorReduction: number | 'bw' | null,
): { lineThreshold: number | null; levels: number; saturation: number } {
  // Cloudinary derives the reduction from the line strength when none is given; Rendition uses it as is [GUESS].
  const reduction = typeof colorReduction === 'number' ? colorReduction : lineStrength;
  return {
    lineThreshold: lineStrength === 0 ? null : 20 + (100 - lineStrength) * 1.6,
    levels: Math.round(16 - reduction * 0.14),
    saturation: 1 + reduction / 200,
  };
}

const AUTO_STEPS: Readonly<Record<'auto_brightness' | 'auto_contrast' | 'auto_color', AutoAdjustment[]>> = {
  auto_brightness: ['brightness'],
  auto_contrast: ['contrast'],
  auto_color: ['color'],
};

/** Whether the effect leaves transparent pixels in an opaque image (so a JPEG output must be flattened). */
export const effectAddsAlpha = (effect: Effect): boolean => effect.name === 'gradient_fade' && effect.strength > 0;

const kernel = (value: PixelKernel): ImageOperation[] => [{ op: 'kernel', kernel: value }];

/**
 * The operations of one effect on an image of `size`. No effect here changes the size: e_trim, which
 * does, is planOperations' (it needs the rest of the plan); asking for it here is a programming error.
 */
export function effectOperations(effect: Effect, size: Size, qualifiers: EffectQualifiers = {}): ImageOperation[] {
  const dpr = qualifiers.dpr ?? 1;
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
    case 'trim':
      throw new TypeError('e_trim is planned by planOperations, not effectOperations');
    case 'colorize': {
      if (effect.value === 0) return [];
      const k = effect.value / 100;
      const color = opaque(qualifiers.color, DEFAULT_EFFECT_COLORS.colorize);
      // The identity recomb makes any input (grey, CMYK) three sRGB channels for the per-channel linear.
      return [
        {
          op: 'recomb',
          matrix: [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
        },
        { op: 'linear', a: [1 - k, 1 - k, 1 - k], b: [k * color.r, k * color.g, k * color.b] },
      ];
    }
    case 'unsharp_mask': {
      const { sigma, flat, jagged } = unsharpMask(effect.value);
      return [{ op: 'sharpen', sigma, flat, jagged }];
    }
    case 'oil_paint': {
      const median = oilPaintSize(effect.value);
      return median === 0 ? [] : [{ op: 'median', size: median }];
    }
    case 'gamma':
      return effect.value === 0 ? [] : kernel({ name: 'gamma', exponent: gammaExponent(effect.value) });
    case 'vignette':
      return effect.value === 0 ? [] : kernel({ name: 'vignette', strength: effect.value / 100 });
    case 'shadow': {
      if (effect.value === 0) return [];
      const dx = qualifiers.x === undefined ? Math.round(SHADOW_OFFSET * dpr) : lengthIn(qualifiers.x, size.width, dpr);
      const dy = qualifiers.y === undefined ? Math.round(SHADOW_OFFSET * dpr) : lengthIn(qualifiers.y, size.height, dpr);
      const color = opaque(qualifiers.color, DEFAULT_EFFECT_COLORS.shadow);
      return kernel({ name: 'shadow', color, opacity: effect.value / 100, dx, dy, sigma: SHADOW_SIGMA * dpr });
    }
    case 'outline':
      return kernel({
        name: 'outline',
        mode: effect.mode ?? 'both',
        width: Math.max(1, Math.round(effect.width * dpr)),
        sigma: effect.blur === 0 ? 0 : blurSigma(effect.blur),
        color: opaque(qualifiers.color, DEFAULT_EFFECT_COLORS.outline),
      });
    case 'tint':
      return effect.amount === 0
        ? []
        : kernel({ name: 'tint', equalize: effect.equalize, amount: effect.amount / 100, stops: tintStops(effect.colors) });
    case 'replace_color': {
      const rgba = (color: Color): Rgba => ({ r: color.r, g: color.g, b: color.b, alpha: 1 });
      return kernel({ name: 'replace_color', to: rgba(effect.to), from: effect.from === null ? null : rgba(effect.from), tolerance: effect.tolerance });
    }
    case 'gradient_fade': {
      if (effect.strength === 0) return [];
      const x = fadeAxis(qualifiers.x, size.width, dpr);
      let y = fadeAxis(qualifiers.y, size.height, dpr);
      if (qualifiers.x === undefined && qualifiers.y === undefined) y = { extent: Math.round(size.height * DEFAULT_FADE_FRACTION), fromEnd: false };
      if (x === null && y === null) return [];
      // symmetric_pad fades the same way: the padding it would fade into is what b_ (flattened after the
      // effect) or the output's background shows through the transparency.
      return kernel({ name: 'gradient_fade', x, y, symmetric: effect.mode !== null, exponent: effect.strength / 20 });
    }
    case 'auto_brightness':
    case 'auto_contrast':
    case 'auto_color':
      return effect.value === 0 ? [] : kernel({ name: 'auto_adjust', steps: AUTO_STEPS[effect.name], blend: effect.value / 100 });
    case 'improve': {
      if (effect.blend === 0) return [];
      const steps: AutoAdjustment[] = effect.mode === 'indoor' ? ['color', 'contrast', 'brightness'] : ['color', 'contrast'];
      return kernel({ name: 'auto_adjust', steps, blend: effect.blend / 100 });
    }
    case 'cartoonify':
      return kernel({ name: 'cartoonify', ...cartoonifySettings(effect.lineStrength, effect.colorReduction), bw: effect.colorReduction === 'bw' });
  }
}

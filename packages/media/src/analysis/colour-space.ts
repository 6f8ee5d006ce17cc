/**
 * sRGB ↔ linear RGB ↔ CIELAB (D65), hex notation and the colour difference every analysis uses
 * (CIE76 ΔE: Euclidean distance in Lab; 2.3 is about a just-noticeable difference).
 */

export type Lab = [number, number, number];

/** sRGB 8-bit sample → linear-light 0..1 (IEC 61966-2-1). */
export const SRGB_TO_LINEAR: Float64Array = (() => {
  const table = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    const c = v / 255;
    table[v] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }
  return table;
})();

/** linear-light 0..1 → sRGB 0..255 (unrounded, clamped). */
export function linearToSrgb(value: number): number {
  const c = value <= 0 ? 0 : value >= 1 ? 1 : value;
  return 255 * (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);
}

// D65 white of the sRGB → XYZ matrix below.
const XN = 0.95047;
const YN = 1;
const ZN = 1.08883;
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

function labF(t: number): number {
  return t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

/** Linear RGB (0..1, clamped) → Lab, written to `out` at `offset` (L 0..100). */
export function linearRgbToLab(r: number, g: number, b: number, out: Float32Array | Float64Array | number[], offset = 0): void {
  const rl = r < 0 ? 0 : r > 1 ? 1 : r;
  const gl = g < 0 ? 0 : g > 1 ? 1 : g;
  const bl = b < 0 ? 0 : b > 1 ? 1 : b;
  const fx = labF((0.4124564 * rl + 0.3575761 * gl + 0.1804375 * bl) / XN);
  const fy = labF((0.2126729 * rl + 0.7151522 * gl + 0.072175 * bl) / YN);
  const fz = labF((0.0193339 * rl + 0.119192 * gl + 0.9503041 * bl) / ZN);
  out[offset] = 116 * fy - 16;
  out[offset + 1] = 500 * (fx - fy);
  out[offset + 2] = 200 * (fy - fz);
}

/** sRGB 0..255 (fractions allowed, e.g. a cluster's mean) → Lab. */
export function srgbToLab(r: number, g: number, b: number): Lab {
  const out: Lab = [0, 0, 0];
  linearRgbToLab(toLinear(r), toLinear(g), toLinear(b), out);
  return out;
}

/** sRGB 0..255, fractional → linear 0..1. */
export function toLinear(value: number): number {
  const c = (value < 0 ? 0 : value > 255 ? 255 : value) / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

export function deltaE(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const dl = a[0]! - b[0]!;
  const da = a[1]! - b[1]!;
  const db = a[2]! - b[2]!;
  return Math.sqrt(dl * dl + da * da + db * db);
}

/** `#RRGGBB`, or `#RRGGBBAA` when `alpha` is given; upper case, as Cloudinary writes colours. */
export function hexColour(r: number, g: number, b: number, alpha?: number): string {
  const byte = (value: number): string =>
    Math.round(value < 0 ? 0 : value > 255 ? 255 : value)
      .toString(16)
      .padStart(2, '0');
  return `#${byte(r)}${byte(g)}${byte(b)}${alpha === undefined ? '' : byte(alpha)}`.toUpperCase();
}

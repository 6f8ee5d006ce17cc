import type { ColourCluster } from './colors.ts';
import { listedClusters } from './colors.ts';
import type { ColourClusters } from './colors.ts';
import { deltaE, hexColour, linearRgbToLab, SRGB_TO_LINEAR, toLinear } from './colour-space.ts';
import { assertRawPixels, clamp01, flattenOnWhite, round2 } from './pixels.ts';
import type { RawPixels } from './pixels.ts';

export type AccessibilityAnalysis = {
  colorblind_accessibility_analysis: { distinct_edges: number; distinct_colors: number; most_indistinct_pair: [string, string] };
  colorblind_accessibility_score: number;
};

type Matrix = readonly [number, number, number, number, number, number, number, number, number];

/**
 * Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of color
 * vision deficiency", severity 1.0 (dichromacy); applied to linear RGB.
 */
export const COLOUR_BLINDNESS: Readonly<Record<'protanopia' | 'deuteranopia' | 'tritanopia', Matrix>> = {
  protanopia: [0.152286, 1.052583, -0.204868, 0.114503, 0.786281, 0.099216, -0.003882, -0.048116, 1.051998],
  deuteranopia: [0.367322, 0.860646, -0.227968, 0.280085, 0.672501, 0.047413, -0.01182, 0.04294, 0.968881],
  tritanopia: [1.255528, -0.076749, -0.178779, -0.078411, 0.930809, 0.147602, 0.004733, 0.691367, 0.3039],
};

const IDENTITY: Matrix = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const VISIONS: Matrix[] = [IDENTITY, COLOUR_BLINDNESS.protanopia, COLOUR_BLINDNESS.deuteranopia, COLOUR_BLINDNESS.tritanopia];

/** ΔE at which two colours count as fully distinct; below it distinctness grows linearly from 0. */
export const DISTINCT_DELTA_E = 20;
/** Neighbouring pixels closer than this (ΔE) are not an edge (noise, gradients). */
const EDGE_DELTA_E = 3;
/** Colours closer than this (ΔE) are not a pair anyone tells apart anyway. */
const PAIR_DELTA_E = 10;

const distinctness = (distance: number): number => Math.min(1, distance / DISTINCT_DELTA_E);

/**
 * `accessibility_analysis`, from the analysis image (transparency composited onto white) and its
 * colour clusters, under protanopia, deuteranopia and tritanopia simulated with Machado's matrices;
 * differences are CIE76 ΔE in Lab, and d(ΔE) = min(1, ΔE / 20) is how distinct two colours are:
 * - distinct_edges: over all pairs of 4-connected neighbours at least ΔE 3 apart,
 *   Σ min(d(simulated), d(original)) / Σ d(original), the minimum over the three simulations;
 * - distinct_colors: the same over the pairs of listed `colors`, each pair weighted by the product of
 *   the two shares;
 * - most_indistinct_pair: of the listed colours at least ΔE 10 apart, the pair that keeps the least of
 *   its difference under some simulation (smallest simulated / original ΔE; ties: the more frequent
 *   pair), more frequent colour first, `#RRGGBB`; the two most frequent colours when no pair is
 *   that far apart (one colour twice when the image has one);
 * - colorblind_accessibility_score: the mean of distinct_edges and distinct_colors (as printed).
 * 1 means every distinction survives; two decimals.
 */
export function analyzeAccessibility(pixels: RawPixels, found: ColourClusters): AccessibilityAnalysis {
  assertRawPixels(pixels);
  const edges = distinctEdges(pixels);
  const listed = listedClusters(found);
  const palette = (listed.length >= 2 ? listed : found.clusters.slice(0, 2)).map(onWhite);
  const { ratio: colors, pair } = distinctColours(palette);
  const distinctEdgesValue = round2(edges);
  const distinctColorsValue = round2(colors);
  return {
    colorblind_accessibility_analysis: {
      distinct_edges: distinctEdgesValue,
      distinct_colors: distinctColorsValue,
      most_indistinct_pair: pair,
    },
    colorblind_accessibility_score: round2((distinctEdgesValue + distinctColorsValue) / 2),
  };
}

type PaletteColour = { r: number; g: number; b: number; share: number };

function onWhite(cluster: ColourCluster): PaletteColour {
  const keep = cluster.a / 255;
  const white = 255 * (1 - keep);
  return { r: cluster.r * keep + white, g: cluster.g * keep + white, b: cluster.b * keep + white, share: cluster.share };
}

/** Lab of linear RGB seen through `matrix` (the simulated linear RGB is clamped to the gamut). */
function labThrough(matrix: Matrix, r: number, g: number, b: number, out: Float32Array | number[], offset = 0): void {
  linearRgbToLab(
    matrix[0] * r + matrix[1] * g + matrix[2] * b,
    matrix[3] * r + matrix[4] * g + matrix[5] * b,
    matrix[6] * r + matrix[7] * g + matrix[8] * b,
    out,
    offset,
  );
}

/** sRGB → XYZ (D65), each row divided by the white point, as Lab's f() takes it. */
const XYZ_OVER_WHITE = [
  0.4124564 / 0.95047,
  0.3575761 / 0.95047,
  0.1804375 / 0.95047,
  0.2126729,
  0.7151522,
  0.072175,
  0.0193339 / 1.08883,
  0.119192 / 1.08883,
  0.9503041 / 1.08883,
] as const;

/** Lab's f(t) on 0..1 (the cube root, linear near 0), tabulated for linear interpolation: Math.cbrt is the hot spot otherwise. */
const F_STEPS = 4096;
const F_TABLE: Float64Array = (() => {
  const table = new Float64Array(F_STEPS + 2);
  for (let k = 0; k <= F_STEPS + 1; k++) {
    const t = k / F_STEPS;
    table[k] = t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116;
  }
  return table;
})();

function labF(t: number): number {
  const position = (t < 0 ? 0 : t > 1 ? 1 : t) * F_STEPS;
  const k = Math.floor(position);
  const low = F_TABLE[k]!;
  return low + (F_TABLE[k + 1]! - low) * (position - k);
}

/**
 * Lab (L, a, b interleaved) of every pixel of an RGB buffer seen through `matrix` (linear RGB, the
 * result clamped to the gamut). One tight loop: this runs four times over every pixel.
 */
function labPlane(rgb: Uint8Array, count: number, matrix: Matrix): Float32Array {
  const out = new Float32Array(count * 3);
  const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = matrix;
  const [x0, x1, x2, y0, y1, y2, z0, z1, z2] = XYZ_OVER_WHITE;
  for (let i = 0; i < count * 3; i += 3) {
    const rl = SRGB_TO_LINEAR[rgb[i]!]!;
    const gl = SRGB_TO_LINEAR[rgb[i + 1]!]!;
    const bl = SRGB_TO_LINEAR[rgb[i + 2]!]!;
    let r = m0 * rl + m1 * gl + m2 * bl;
    let g = m3 * rl + m4 * gl + m5 * bl;
    let b = m6 * rl + m7 * gl + m8 * bl;
    r = r < 0 ? 0 : r > 1 ? 1 : r;
    g = g < 0 ? 0 : g > 1 ? 1 : g;
    b = b < 0 ? 0 : b > 1 ? 1 : b;
    const fx = labF(x0 * r + x1 * g + x2 * b);
    const fy = labF(y0 * r + y1 * g + y2 * b);
    const fz = labF(z0 * r + z1 * g + z2 * b);
    out[i] = 116 * fy - 16;
    out[i + 1] = 500 * (fx - fy);
    out[i + 2] = 200 * (fy - fz);
  }
  return out;
}

/** The smallest share of edge distinctness that survives any of the three simulations (1 without edges). */
export function distinctEdges(pixels: RawPixels): number {
  const { width, height } = pixels;
  const count = width * height;
  const rgb = flattenOnWhite(pixels);
  const original = labPlane(rgb, count, IDENTITY);
  // Edges first (their two pixels' offsets and weights), so each simulation is one pass over them.
  const first = new Int32Array(count * 2);
  const second = new Int32Array(count * 2);
  const weights = new Float32Array(count * 2);
  let edges = 0;
  let total = 0;
  const rowStride = width * 3;
  const record = (i: number, j: number): void => {
    const d = distance(original, i, j);
    if (d < EDGE_DELTA_E) return;
    const weight = distinctness(d);
    first[edges] = i;
    second[edges] = j;
    weights[edges++] = weight;
    total += weight;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * rowStride + x * 3;
      if (x < width - 1) record(i, i + 3);
      if (y < height - 1) record(i, i + rowStride);
    }
  }
  if (total === 0) return 1;
  let worst = Infinity;
  for (let v = 1; v < VISIONS.length; v++) {
    const seen = labPlane(rgb, count, VISIONS[v]!);
    let kept = 0;
    for (let e = 0; e < edges; e++) {
      const d = distinctness(distance(seen, first[e]!, second[e]!));
      const w = weights[e]!;
      kept += d < w ? d : w;
    }
    worst = Math.min(worst, kept);
  }
  return clamp01(worst / total);
}

function distance(lab: Float32Array, i: number, j: number): number {
  const dl = lab[i]! - lab[j]!;
  const da = lab[i + 1]! - lab[j + 1]!;
  const db = lab[i + 2]! - lab[j + 2]!;
  return Math.sqrt(dl * dl + da * da + db * db);
}

/** distinct_colors and most_indistinct_pair over a palette sorted by descending share. */
export function distinctColours(palette: PaletteColour[]): { ratio: number; pair: [string, string] } {
  const hexes = palette.map((colour) => hexColour(colour.r, colour.g, colour.b));
  if (palette.length === 0) return { ratio: 1, pair: ['#FFFFFF', '#FFFFFF'] };
  if (palette.length === 1) return { ratio: 1, pair: [hexes[0]!, hexes[0]!] };
  const labs = palette.map((colour) =>
    VISIONS.map((matrix) => {
      const lab = [0, 0, 0];
      labThrough(matrix, toLinear(colour.r), toLinear(colour.g), toLinear(colour.b), lab);
      return lab;
    }),
  );
  const kept = [0, 0, 0];
  let total = 0;
  let worst: { i: number; j: number; kept: number; weight: number } | undefined;
  for (let i = 0; i < palette.length; i++) {
    for (let j = i + 1; j < palette.length; j++) {
      const weight = palette[i]!.share * palette[j]!.share;
      const dOriginal = deltaE(labs[i]![0]!, labs[j]![0]!);
      const original = distinctness(dOriginal);
      total += weight * original;
      let smallest = Infinity;
      for (let v = 1; v < VISIONS.length; v++) {
        const dSimulated = deltaE(labs[i]![v]!, labs[j]![v]!);
        kept[v - 1] = kept[v - 1]! + weight * Math.min(original, distinctness(dSimulated));
        smallest = Math.min(smallest, dSimulated);
      }
      if (dOriginal < PAIR_DELTA_E) continue;
      const ratio = smallest / dOriginal;
      if (worst === undefined || ratio < worst.kept - 1e-9 || (Math.abs(ratio - worst.kept) <= 1e-9 && weight > worst.weight)) {
        worst = { i, j, kept: ratio, weight };
      }
    }
  }
  const pair: [string, string] = worst === undefined ? [hexes[0]!, hexes[1]!] : [hexes[worst.i]!, hexes[worst.j]!];
  return { ratio: total === 0 ? 1 : clamp01(Math.min(...kept) / total), pair };
}

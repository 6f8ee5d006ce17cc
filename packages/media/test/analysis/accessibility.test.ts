import { describe, expect, it } from 'vitest';
import { analyzeAccessibility, COLOUR_BLINDNESS, distinctColours, distinctEdges } from '../../src/analysis/accessibility.ts';
import { colourClusters } from '../../src/analysis/colors.ts';
import { paint, photoLike, twoColours } from './analysis-images.ts';
import type { Rgba } from './analysis-images.ts';

const hex = (colour: string): Rgba => [parseInt(colour.slice(1, 3), 16), parseInt(colour.slice(3, 5), 16), parseInt(colour.slice(5, 7), 16), 255];
const pairImage = (left: string, right: string) => twoColours(120, 80, 0.5, hex(left), hex(right));
const analyse = (pixels: ReturnType<typeof paint>) => analyzeAccessibility(pixels, colourClusters(pixels));

describe('analyzeAccessibility', () => {
  it('has the shape of Cloudinary example', () => {
    const result = analyse(photoLike(100, 80, 4));
    expect(Object.keys(result)).toEqual(['colorblind_accessibility_analysis', 'colorblind_accessibility_score']);
    expect(Object.keys(result.colorblind_accessibility_analysis)).toEqual(['distinct_edges', 'distinct_colors', 'most_indistinct_pair']);
    const { distinct_edges, distinct_colors, most_indistinct_pair } = result.colorblind_accessibility_analysis;
    for (const value of [distinct_edges, distinct_colors, result.colorblind_accessibility_score]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
      expect(Math.round(value * 100) / 100).toBe(value);
    }
    expect(most_indistinct_pair).toHaveLength(2);
    for (const colour of most_indistinct_pair) expect(colour).toMatch(/^#[0-9A-F]{6}$/);
  });

  it.each([
    ['#FF0000', '#008000'],
    ['#D62728', '#2CA02C'],
  ])('scores a red/green pair (%s, %s) low', (red, green) => {
    const result = analyse(pairImage(red, green));
    expect(result.colorblind_accessibility_score).toBeLessThan(0.6);
    // Equal shares: the colours keep the order of `colors` (by hex on a tie).
    expect(result.colorblind_accessibility_analysis.most_indistinct_pair).toEqual([red, green].sort());
  });

  it.each([
    ['#0000FF', '#FFFF00'],
    ['#1F77B4', '#FF7F0E'],
  ])('scores a blue/yellow pair (%s, %s) high', (blue, yellow) => {
    const result = analyse(pairImage(blue, yellow));
    expect(result.colorblind_accessibility_score).toBeGreaterThan(0.9);
    expect(result.colorblind_accessibility_analysis.distinct_colors).toBe(1);
  });

  it('scores greys 1: colour blindness cannot take a lightness difference away', () => {
    const result = analyse(paint(60, 60, (x) => (x < 20 ? hex('#202020') : x < 40 ? hex('#808080') : hex('#E0E0E0'))));
    expect(result.colorblind_accessibility_score).toBe(1);
  });

  it('mean of the two printed values is the score (Cloudinary example: 0.54, 0.95 → 0.75)', () => {
    const result = analyse(photoLike(100, 80, 6, 9));
    const { distinct_edges, distinct_colors } = result.colorblind_accessibility_analysis;
    expect(result.colorblind_accessibility_score).toBe(Math.round(((distinct_edges + distinct_colors) / 2) * 100 + 1e-9) / 100);
  });

  it('uses one colour twice when the image has one', () => {
    const result = analyse(paint(10, 10, () => hex('#DAD9D9')));
    expect(result.colorblind_accessibility_analysis).toEqual({ distinct_edges: 1, distinct_colors: 1, most_indistinct_pair: ['#DAD9D9', '#DAD9D9'] });
  });
});

describe('simulation pieces', () => {
  it('leaves greys grey under every simulation (the matrices keep white)', () => {
    for (const matrix of Object.values(COLOUR_BLINDNESS)) {
      expect(matrix[0] + matrix[1] + matrix[2]).toBeCloseTo(1, 5);
      expect(matrix[3] + matrix[4] + matrix[5]).toBeCloseTo(1, 5);
      expect(matrix[6] + matrix[7] + matrix[8]).toBeCloseTo(1, 5);
    }
  });

  it('picks the pair that loses most of its difference, more frequent colour first', () => {
    const { pair, ratio } = distinctColours([
      { r: 0, g: 0, b: 255, share: 0.4 },
      { r: 0, g: 128, b: 0, share: 0.3 },
      { r: 255, g: 0, b: 0, share: 0.2 },
    ]);
    expect(pair).toEqual(['#008000', '#FF0000']);
    expect(ratio).toBeLessThan(1);
  });

  it('counts no edges in a flat image as fully distinct', () => {
    expect(distinctEdges(paint(30, 30, () => [10, 200, 30, 255]))).toBe(1);
  });
});

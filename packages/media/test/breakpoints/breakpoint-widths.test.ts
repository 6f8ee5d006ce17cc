import { describe, expect, it } from 'vitest';
import { breakpointCount, chooseWidths, probeWidths, targetSizes, widthForBytes } from '../../src/breakpoints/breakpoint-widths.ts';

const bounds = { minWidth: 100, maxWidth: 1000, bytesStep: 20_000, maxImages: 20 };
// An image whose size grows with its area: 0.1 byte per pixel at 2:1.
const area = (width: number) => ({ width, bytes: Math.round(width * (width / 2) * 0.1) });

describe('breakpointCount', () => {
  it('is one image per bytes_step of range, plus one', () => {
    // 50,000 − 500 bytes: two steps of 20,000 fit.
    expect(breakpointCount(area(1000), area(100), bounds)).toBe(3);
    expect(breakpointCount(area(1000), area(100), { ...bounds, bytesStep: 5_000 })).toBe(10);
  });

  it('is bounded by max_images and by the number of distinct widths', () => {
    expect(breakpointCount(area(1000), area(100), { ...bounds, bytesStep: 1, maxImages: 7 })).toBe(7);
    expect(breakpointCount({ width: 104, bytes: 1_000_000 }, { width: 100, bytes: 1 }, { ...bounds, bytesStep: 1 })).toBe(5);
  });

  it('is one when the range weighs less than a step or has one width', () => {
    expect(breakpointCount(area(300), area(100), bounds)).toBe(1);
    expect(breakpointCount(area(500), area(500), bounds)).toBe(1);
  });
});

describe('widthForBytes', () => {
  it('inverts a power law exactly between two samples', () => {
    const samples = [area(100), area(1000)];
    expect(widthForBytes(samples, area(400).bytes)).toBeCloseTo(400, 0);
  });

  it('clamps to the ends and never assumes a wider image is lighter', () => {
    const samples = [
      { width: 100, bytes: 1000 },
      { width: 500, bytes: 900 },
      { width: 1000, bytes: 5000 },
    ];
    expect(widthForBytes(samples, 10)).toBe(100);
    expect(widthForBytes(samples, 1_000_000)).toBe(1000);
    expect(widthForBytes(samples, 1000)).toBe(100);
    const middle = widthForBytes(samples, 3000);
    expect(middle).toBeGreaterThan(500);
    expect(middle).toBeLessThan(1000);
  });
});

describe('probeWidths and chooseWidths', () => {
  it('targets evenly spaced sizes from the largest to the smallest', () => {
    expect(targetSizes(area(1000), area(100), 3)).toEqual([50_000, 25_250, 500]);
    expect(targetSizes(area(1000), area(100), 1)).toEqual([50_000]);
  });

  it('probes the middle for three images, a third and two thirds for more, nothing for two', () => {
    expect(probeWidths(area(1000), area(100), 2)).toEqual([]);
    expect(probeWidths(area(1000), area(100), 3)).toHaveLength(1);
    const probes = probeWidths(area(1000), area(100), 10);
    expect(probes).toHaveLength(2);
    for (const width of probes) expect(width).toBeGreaterThan(100);
  });

  it('picks widths whose sizes are evenly spaced, widest first, both ends included', () => {
    const largest = area(1000);
    const smallest = area(100);
    const count = breakpointCount(largest, smallest, { ...bounds, bytesStep: 5_000 });
    const widths = chooseWidths([largest, smallest], largest, smallest, count);
    expect(widths).toHaveLength(count);
    expect(widths[0]).toBe(1000);
    expect(widths.at(-1)).toBe(100);
    const sizes = widths.map((width) => area(width).bytes);
    const gaps = sizes.slice(1).map((size, index) => sizes[index]! - size);
    for (const gap of gaps) expect(gap).toBeGreaterThan(5_000 * 0.95);
    for (const gap of gaps) expect(gap).toBeLessThan(5_000 * 1.2);
  });

  it('takes a probe within 3% instead of a new width', () => {
    const largest = area(1000);
    const smallest = area(100);
    const predicted = chooseWidths([largest, smallest], largest, smallest, 3)[1]!;
    const probe = area(predicted + 5);
    expect(chooseWidths([largest, smallest, probe], largest, smallest, 3)[1]).toBe(predicted + 5);
  });

  it('keeps widths distinct and decreasing where rounding would merge them', () => {
    const widths = chooseWidths(
      [
        { width: 10, bytes: 1 },
        { width: 14, bytes: 1_000_000 },
      ],
      { width: 14, bytes: 1_000_000 },
      { width: 10, bytes: 1 },
      5,
    );
    expect(widths).toEqual([14, 13, 12, 11, 10]);
  });
});

import { describe, expect, it } from 'vitest';
import { cinemagraphScore, CLEAR_MOTION, lumaPlane, MOTION_THRESHOLD, sampledPages } from '../../src/analysis/cinemagraph-score.ts';

const SIZE = 100 * 100;

/** A grey frame where the first `moving` pixels hold `value` and the rest 128. */
function frame(moving: number, value: number): Uint8Array {
  const plane = new Uint8Array(SIZE).fill(128);
  plane.fill(value, 0, moving);
  return plane;
}

describe('cinemagraphScore', () => {
  it('is 0 for no frame, one frame, or frames that never change', () => {
    expect(cinemagraphScore([])).toBe(0);
    expect(cinemagraphScore([frame(0, 0)])).toBe(0);
    expect(cinemagraphScore([frame(0, 0), frame(0, 0), frame(0, 0)])).toBe(0);
  });

  it('counts a luma span up to the threshold as noise, not motion', () => {
    expect(cinemagraphScore([frame(1000, 128), frame(1000, 128 + MOTION_THRESHOLD)])).toBe(0);
    expect(cinemagraphScore([frame(1000, 128), frame(1000, 128 + MOTION_THRESHOLD + 1)])).toBe(0.9);
    // Every pixel moves: nothing stays still, so it is no cinemagraph either.
    expect(cinemagraphScore([frame(SIZE, 0), frame(SIZE, 255)])).toBe(0);
  });

  it('is the still fraction when a clear part of the picture moves', () => {
    // 10 % of the pixels move between two of three frames.
    expect(cinemagraphScore([frame(1000, 128), frame(1000, 20), frame(1000, 128)])).toBe(0.9);
    expect(cinemagraphScore([frame(5000, 128), frame(5000, 250)])).toBe(0.5);
  });

  it('weighs motion below CLEAR_MOTION down, so a few flickering pixels score little', () => {
    const moving = (CLEAR_MOTION * SIZE) / 2; // 1 %
    expect(cinemagraphScore([frame(moving, 128), frame(moving, 0)])).toBe(Math.round((1 - 0.01) * 0.5 * 1000) / 1000);
    expect(cinemagraphScore([frame(1, 128), frame(1, 0)])).toBeLessThan(0.01);
  });

  it('takes the span over all frames, not between neighbours', () => {
    // Each step is 20 (under the threshold) but the region spans 40.
    expect(cinemagraphScore([frame(1000, 100), frame(1000, 120), frame(1000, 140)])).toBe(0.9);
  });

  it('refuses frames of different sizes', () => {
    expect(() => cinemagraphScore([new Uint8Array(4), new Uint8Array(5)])).toThrow(RangeError);
  });
});

describe('sampledPages', () => {
  it('spreads at most max pages evenly, first and last included', () => {
    expect(sampledPages(10, 4)).toEqual([0, 3, 6, 9]);
    expect(sampledPages(3, 10)).toEqual([0, 1, 2]);
    expect(sampledPages(1, 5)).toEqual([0]);
    expect(sampledPages(100, 1)).toEqual([0]);
    expect(sampledPages(1000, 10)).toHaveLength(10);
  });

  it('refuses counts that are not positive integers', () => {
    expect(() => sampledPages(0, 4)).toThrow(TypeError);
    expect(() => sampledPages(4, 0)).toThrow(TypeError);
    expect(() => sampledPages(2.5, 4)).toThrow(TypeError);
  });
});

describe('lumaPlane', () => {
  it('is Rec. 601 luma of interleaved RGB', () => {
    expect([...lumaPlane(Uint8Array.from([255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]))]).toEqual([255, 0, 76, 150, 29]);
  });
});

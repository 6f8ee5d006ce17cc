import { describe, expect, it } from 'vitest';
import { illustrationScore, isGrayscale, isSemiTransparent } from '../../src/analysis/companions.ts';
import { paint, photoLike, seededRandom, twoColours } from './analysis-images.ts';

describe('isGrayscale', () => {
  it.each([
    ['pure greys', paint(20, 20, (x, y) => [x * 10 + y, x * 10 + y, x * 10 + y, 255]), true],
    ['greys with JPEG-sized chroma noise', paint(20, 20, (x) => [x * 10 + 3, x * 10, x * 10 + 8, 255]), true],
    ['one coloured pixel', paint(20, 20, (x, y) => (x === 5 && y === 5 ? [200, 180, 180, 255] : [90, 90, 90, 255])), false],
    ['a colour photo', photoLike(40, 40, 4), false],
    ['colour hidden under alpha 0', paint(4, 4, (x) => (x < 2 ? [255, 0, 0, 0] : [50, 50, 50, 255])), true],
  ])('%s → %s', (_, pixels, expected) => {
    expect(isGrayscale(pixels)).toBe(expected);
  });

  it('takes RGB pixels too', () => {
    expect(isGrayscale({ data: new Uint8Array([10, 10, 10, 200, 200, 200]), width: 2, height: 1, channels: 3 })).toBe(true);
  });
});

describe('isSemiTransparent', () => {
  it('is false for opaque images and for RGB', () => {
    expect(isSemiTransparent(photoLike(30, 30, 4))).toBe(false);
    expect(isSemiTransparent({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 })).toBe(false);
  });

  it('is false for alpha that is only 0 or 255', () => {
    expect(isSemiTransparent(twoColours(40, 40, 0.5, [255, 0, 0, 255], [0, 0, 0, 0]))).toBe(false);
  });

  it('is true for a translucent layer', () => {
    expect(isSemiTransparent(twoColours(40, 40, 0.5, [255, 0, 0, 255], [0, 0, 255, 128]))).toBe(true);
  });

  it('ignores the one-pixel fringe a shrink leaves along hard alpha edges', () => {
    // A disc whose edge pixels have intermediate alpha, as after a downscale.
    const disc = paint(100, 100, (x, y) => {
      const r = Math.hypot(x - 50, y - 50);
      const alpha = r < 30 ? 255 : r < 31 ? Math.round((31 - r) * 255) : 0;
      return [255, 0, 0, alpha];
    });
    expect(isSemiTransparent(disc)).toBe(false);
    // A soft shadow around it is real semi-transparency.
    const shadow = paint(100, 100, (x, y) => {
      const r = Math.hypot(x - 50, y - 50);
      return [0, 0, 0, r < 30 ? 255 : r < 45 ? Math.round(((45 - r) / 15) * 200) + 1 : 0];
    });
    expect(isSemiTransparent(shadow)).toBe(true);
  });
});

describe('illustrationScore', () => {
  it('scores flat drawings 1', () => {
    const drawing = paint(200, 150, (x, y) =>
      Math.hypot(x - 60, y - 70) < 40 ? [230, 57, 70, 255] : x > 110 && y > 30 && y < 120 ? [29, 53, 87, 255] : [244, 233, 216, 255],
    );
    expect(illustrationScore(drawing)).toBe(1);
    expect(illustrationScore(twoColours(100, 50, 0.7, [3, 3, 3, 255], [248, 248, 248, 255]))).toBe(1);
  });

  it('scores photo-like images near 0', () => {
    expect(illustrationScore(photoLike(200, 150, 12))).toBeLessThanOrEqual(0.1);
    const random = seededRandom(7);
    const noise = paint(100, 100, () => [random() * 255, random() * 255, random() * 255, 255]);
    expect(illustrationScore(noise)).toBe(0);
  });

  it('returns two decimals within 0..1', () => {
    for (const noise of [0, 2, 4, 8]) {
      const score = illustrationScore(photoLike(120, 90, noise, noise + 1));
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
      expect(Math.round(score * 100) / 100).toBe(score);
    }
  });
});

import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analysis/analyze-image.ts';
import { analyzeQuality } from '../../src/analysis/quality.ts';
import { illuminationSpread, laplacianVariance, lumaStatistics, meanChroma, noiseSigma } from '../../src/analysis/quality-measures.ts';
import { defaultImageLimits } from '../../src/image-limits.ts';
import { useTempDir } from '../media-files.ts';
import { paint, photoLike, seededRandom } from './analysis-images.ts';

const temp = useTempDir();
const QUALITY_KEYS = ['focus', 'noise', 'contrast', 'exposure', 'saturation', 'lighting', 'pixel_score', 'color_score', 'resolution'];

const plane = (width: number, height: number, value: (x: number, y: number) => number): Float32Array => {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = value(x, y);
  return out;
};

describe('quality measures', () => {
  it.each([
    ['a flat plane', plane(20, 20, () => 100), 0],
    ['a linear ramp', plane(20, 20, (x, y) => 3 * x + 2 * y), 0],
    // Each interior pixel of a checkerboard of 0 and 255 answers ±4 × 255.
    ['a checkerboard', plane(20, 20, (x, y) => ((x + y) % 2) * 255), (4 * 255) ** 2],
  ])('Laplacian variance of %s', (_, luma, expected) => {
    expect(laplacianVariance(luma, 20, 20)).toBeCloseTo(expected, 3);
  });

  it('estimates the σ of added Gaussian noise', () => {
    const random = seededRandom(3);
    const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    for (const sigma of [2, 5, 10]) {
      const noisy = plane(256, 256, (x, y) => 128 + x / 4 - y / 8 + sigma * gaussian());
      expect(noiseSigma(noisy, 256, 256)).toBeGreaterThan(sigma * 0.85);
      expect(noiseSigma(noisy, 256, 256)).toBeLessThan(sigma * 1.15);
    }
    expect(
      noiseSigma(
        plane(64, 64, (x) => x * 2),
        64,
        64,
      ),
    ).toBe(0);
  });

  it('computes luma statistics: mean, 5th and 95th percentile, clipped shares', () => {
    const luma = plane(100, 1, (x) => (x < 10 ? 0 : x < 90 ? 128 : 255));
    const stats = lumaStatistics(luma, 100);
    expect(stats.mean).toBeCloseTo((80 * 128 + 10 * 255) / 100 / 255, 9);
    expect(stats).toMatchObject({ low: 0, high: 1, dark: 0.1, bright: 0.1 });
  });

  it('measures chroma and the spread of lighting', () => {
    expect(meanChroma(new Uint8Array([255, 0, 0, 10, 10, 10]), 2)).toBeCloseTo(0.5, 9);
    expect(
      illuminationSpread(
        plane(40, 40, () => 90),
        40,
        40,
      ),
    ).toBeCloseTo(0, 9);
    // Left half black, right half white: every cell is 0 or 1, half each.
    expect(
      illuminationSpread(
        plane(40, 40, (x) => (x < 20 ? 0 : 255)),
        40,
        40,
      ),
    ).toBeCloseTo(0.5, 9);
  });
});

describe('analyzeQuality', () => {
  it('returns the extended keys in Cloudinary order, each 0..1 with two decimals, and a quality_score', () => {
    const { quality_analysis, quality_score } = analyzeQuality(photoLike(200, 150, 4), 3_000_000);
    expect(Object.keys(quality_analysis)).toEqual(QUALITY_KEYS);
    for (const value of [...Object.values(quality_analysis), quality_score]) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
      expect(Math.round(value * 100) / 100).toBe(value);
    }
    expect(quality_analysis.resolution).toBe(1);
  });

  it('scores noise, grey flatness and resolution as documented', () => {
    const clean = analyzeQuality(photoLike(200, 150, 0), 1_000_000).quality_analysis;
    const noisy = analyzeQuality(photoLike(200, 150, 40), 1_000_000).quality_analysis;
    expect(noisy.noise).toBeLessThan(clean.noise - 0.2);

    const grey = analyzeQuality(
      paint(50, 50, () => [128, 128, 128, 255]),
      64 * 64,
    ).quality_analysis;
    expect(grey).toMatchObject({ focus: 0, noise: 1, contrast: 0, exposure: 1, saturation: 0, lighting: 1, resolution: 0 });
  });

  it('penalises under- and over-exposure', () => {
    const exposure = (level: number): number =>
      analyzeQuality(
        paint(40, 40, () => [level, level, level, 255]),
        1e6,
      ).quality_analysis.exposure;
    expect(exposure(128)).toBe(1);
    expect(exposure(40)).toBeLessThan(0.6);
    expect(exposure(255)).toBe(0);
    expect(exposure(0)).toBe(0);
  });
});

describe('focus on real images', () => {
  const qualityOf = async (path: string) =>
    (await analyzeImage(path, { colors: false, phash: false, quality: true, accessibility: false }, defaultImageLimits)).quality_analysis!;

  it.each(['4.webp', 'Crash_test.gif', 'embedgravitybird.png', 'Channel_digital_image_CMYK_color.jpg'])(
    'is lower for %s blurred (sigma 5)',
    async (name) => {
      const sharpPath = fixturePath(`images/${name}`);
      const blurred = join(temp.path, `${name}.blur5.png`);
      await sharp(sharpPath).blur(5).png().toFile(blurred);
      const original = await qualityOf(sharpPath);
      const soft = await qualityOf(blurred);
      expect(original.focus).toBeGreaterThan(0.9);
      expect(soft.focus).toBeLessThan(original.focus);
      expect(soft.focus).toBeLessThan(0.5);
    },
  );
});

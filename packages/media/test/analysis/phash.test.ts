import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analysis/analyze-image.ts';
import { areaResample, hammingDistance, lowFrequencyDct, perceptualHash } from '../../src/analysis/phash.ts';
import { defaultImageLimits } from '../../src/image-limits.ts';
import { useTempDir } from '../media-files.ts';
import { paint } from './analysis-images.ts';

const temp = useTempDir();
const FIXTURES = [
  '2569067123_aca715a2ee_o.jpg',
  '4.webp',
  'Channel_digital_image_CMYK_color.jpg',
  'Crash_test.gif',
  'embedgravitybird.png',
  'gradients-rgb8.png',
];
const image = (name: string): string => fixturePath(`images/${name}`);
const phashOf = async (path: string): Promise<string> => {
  const { phash } = await analyzeImage(path, { colors: false, phash: true, quality: false, accessibility: false }, defaultImageLimits);
  return phash!;
};

describe('perceptualHash', () => {
  it('is 16 lower-case hex digits', () => {
    const hash = perceptualHash(paint(64, 48, (x, y) => [x * 4, y * 5, 128, 255]));
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('sets the first bit for DC, the one coefficient above every other on a bright image', () => {
    // A horizontal ramp: the DC term and the first horizontal frequency dominate.
    const hash = perceptualHash(paint(64, 64, (x) => [x * 4, x * 4, x * 4, 255]));
    expect(parseInt(hash[0]!, 16) & 0b1000).toBe(0b1000);
  });

  it('hashes an image and its mirror far apart, and is the same for the same pixels', () => {
    const ramp = paint(64, 64, (x, y) => [x * 4, (x + y) * 2, y * 4, 255]);
    const mirror = paint(64, 64, (x, y) => [(63 - x) * 4, (63 - x + y) * 2, y * 4, 255]);
    expect(perceptualHash(ramp)).toBe(perceptualHash(paint(64, 64, (x, y) => [x * 4, (x + y) * 2, y * 4, 255])));
    expect(hammingDistance(perceptualHash(ramp), perceptualHash(mirror))).toBeGreaterThanOrEqual(8);
  });

  it('composites transparency onto white first', () => {
    const transparent = paint(40, 40, (x) => (x < 20 ? [0, 0, 0, 255] : [0, 0, 0, 0]));
    const white = paint(40, 40, (x) => (x < 20 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    expect(perceptualHash(transparent)).toBe(perceptualHash(white));
  });
});

describe('lowFrequencyDct and areaResample', () => {
  it('puts a flat block entirely into DC (32 × 32 × value, unnormalised)', () => {
    const coefficients = lowFrequencyDct(new Float64Array(32 * 32).fill(2));
    expect(coefficients[0]).toBeCloseTo(2 * 32 * 32, 6);
    for (let k = 1; k < 64; k++) expect(Math.abs(coefficients[k]!)).toBeLessThan(1e-9);
  });

  it('puts a horizontal cosine into row 0 at its frequency', () => {
    const block = new Float64Array(32 * 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) block[y * 32 + x] = Math.cos((Math.PI * 3 * (2 * x + 1)) / 64);
    const coefficients = lowFrequencyDct(block);
    expect(coefficients[3]).toBeCloseTo(32 * 16, 6);
    expect(Math.abs(coefficients[8 + 3]!)).toBeLessThan(1e-9);
  });

  it.each<[number[], number, number, number, number, number[]]>([
    [[1, 2, 3, 4], 4, 1, 2, 1, [1.5, 3.5]],
    [[1, 2, 3], 3, 1, 2, 1, [(1 + 0.5 * 2) / 1.5, (0.5 * 2 + 3) / 1.5]],
    [[0, 10], 2, 1, 4, 1, [0, 0, 10, 10]],
    [[1, 2, 3, 4], 2, 2, 1, 1, [2.5]],
  ])('area-averages %j (%ix%i) to %ix%i', (plane, width, height, toWidth, toHeight, expected) => {
    const out = areaResample(plane, width, height, toWidth, toHeight);
    expect([...out].map((value) => Number(value.toFixed(9)))).toEqual(expected.map((value) => Number(value.toFixed(9))));
  });
});

describe('hammingDistance', () => {
  it.each([
    ['0000000000000000', '0000000000000000', 0],
    ['0000000000000000', 'ffffffffffffffff', 64],
    ['d393644e93af2b90', 'd393644e93af2b91', 1],
    ['8000000000000001', '0000000000000000', 2],
  ])('%s vs %s → %i', (a, b, expected) => {
    expect(hammingDistance(a, b)).toBe(expected);
  });

  it('refuses hashes of different lengths', () => {
    expect(() => hammingDistance('ab', 'abc')).toThrow(TypeError);
  });
});

describe('phash of real images', () => {
  it('stays within 4 bits when the image is re-encoded as JPEG q90 or resized', async () => {
    for (const name of FIXTURES) {
      const original = await phashOf(image(name));
      const reencoded = join(temp.path, `${name}.q90.jpg`);
      await sharp(image(name)).jpeg({ quality: 90 }).toFile(reencoded);
      const resized = join(temp.path, `${name}.half.png`);
      await sharp(image(name)).resize({ width: 300 }).png().toFile(resized);
      expect(hammingDistance(original, await phashOf(reencoded)), `${name} q90`).toBeLessThanOrEqual(4);
      expect(hammingDistance(original, await phashOf(resized)), `${name} resized`).toBeLessThanOrEqual(4);
    }
  });

  it('puts different images at least 20 bits apart', async () => {
    const hashes = await Promise.all(FIXTURES.map((name) => phashOf(image(name))));
    for (let i = 0; i < hashes.length; i++) {
      for (let j = i + 1; j < hashes.length; j++) {
        expect(hammingDistance(hashes[i]!, hashes[j]!), `${FIXTURES[i]} vs ${FIXTURES[j]}`).toBeGreaterThanOrEqual(20);
      }
    }
  });
});

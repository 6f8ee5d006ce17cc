import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import sharp, { type Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analysis/analyze-image.ts';
import { hammingDistance } from '../../src/analysis/phash.ts';
import { defaultImageLimits } from '../../src/image-limits.ts';
import { useTempDir } from '../media-files.ts';

/**
 * What `moderation=duplicate:<threshold>` relies on: our pHash keeps the usual re-uploads of one
 * photo (scaled, recompressed, trimmed, touched up) within a few bits of the original, and keeps
 * different photos far apart. Similarity is 1 - distance / 64, so duplicate:0.9 allows 6 bits.
 */

const temp = useTempDir();
const PHOTOS = ['2569067123_aca715a2ee_o.jpg', '4.webp', 'Channel_digital_image_CMYK_color.jpg', 'Crash_test.gif'];

type Variant = 'resize 50%' | 'jpeg q40' | 'crop 3%' | 'crop 5%' | 'brighten 10%';

/** Each variant from the original file, written out and hashed again the way an upload is. */
const VARIANTS: Record<Variant, (image: Sharp, width: number, height: number) => Sharp> = {
  'resize 50%': (image, width) => image.resize({ width: Math.round(width / 2) }).png(),
  'jpeg q40': (image) => image.jpeg({ quality: 40 }),
  'crop 3%': (image, width, height) => cropped(image, width, height, 0.03),
  'crop 5%': (image, width, height) => cropped(image, width, height, 0.05),
  'brighten 10%': (image) => image.modulate({ brightness: 1.1 }).png(),
};

/** A `share` of the width and height off each side. */
function cropped(image: Sharp, width: number, height: number, share: number): Sharp {
  const left = Math.round(width * share);
  const top = Math.round(height * share);
  return image.extract({ left, top, width: width - 2 * left, height: height - 2 * top }).png();
}

const phashOf = async (path: string): Promise<string> => {
  const { phash } = await analyzeImage(path, { colors: false, phash: true, quality: false, accessibility: false }, defaultImageLimits);
  if (phash === undefined) throw new Error(`no phash for ${path}`);
  return phash;
};

const originals = new Map<string, string>();
const distances = new Map<string, Record<Variant, number>>();

beforeAll(async () => {
  for (const name of PHOTOS) {
    const path = fixturePath(`images/${name}`);
    const original = await phashOf(path);
    originals.set(name, original);
    const { width, height } = await sharp(path).metadata();
    const row = {} as Record<Variant, number>;
    for (const [variant, make] of Object.entries(VARIANTS) as Array<[Variant, (typeof VARIANTS)[Variant]]>) {
      const target = join(temp.path, `${name}.${variant.replace(/\W+/g, '-')}`);
      await make(sharp(path), width, height).toFile(target);
      row[variant] = hammingDistance(original, await phashOf(target));
    }
    distances.set(name, row);
  }
  console.log('pHash distance of each variant to its original (bits of 64):');
  console.table(Object.fromEntries(distances));
}, 60_000);

describe('pHash near-duplicates', () => {
  it('keeps a photo resized to 50%, recompressed at JPEG q40 or brightened by 10% within 6 bits (similarity ≥ 0.9)', () => {
    for (const [name, row] of distances) {
      expect(row['resize 50%'], `${name} resized`).toBeLessThanOrEqual(6);
      expect(row['jpeg q40'], `${name} q40`).toBeLessThanOrEqual(6);
      expect(row['brighten 10%'], `${name} brightened`).toBeLessThanOrEqual(6);
    }
  });

  it('keeps a photo cropped by 3% on each side within 10 bits (similarity ≥ 0.84)', () => {
    // Measured 6 to 8: cropping shifts every DCT basis, so duplicate:0.9 (6 bits) may miss a 3% crop
    // and duplicate:0.85 (9 bits) is the threshold that catches it.
    for (const [name, row] of distances) expect(row['crop 3%'], `${name} cropped 3%`).toBeLessThanOrEqual(10);
  });

  it('puts different photos at least 20 bits apart, farther than any variant of either', () => {
    const entries = [...originals];
    const pairs: Record<string, number> = {};
    for (let i = 0; i < entries.length; i++) {
      for (let j = i + 1; j < entries.length; j++) {
        const [a, hashA] = entries[i]!;
        const [b, hashB] = entries[j]!;
        pairs[`${a} vs ${b}`] = hammingDistance(hashA, hashB);
      }
    }
    console.log('pHash distance between different photos:');
    console.table(pairs);
    for (const [pair, distance] of Object.entries(pairs)) expect(distance, pair).toBeGreaterThanOrEqual(20);
    // Some threshold separates every variant here (crop 5% included) from every other photo.
    const farthestVariant = Math.max(...[...distances.values()].flatMap((row) => Object.values(row)));
    expect(farthestVariant).toBeLessThan(Math.min(...Object.values(pairs)));
  });
});

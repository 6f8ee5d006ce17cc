import { readFile, readdir } from 'node:fs/promises';
import { fixturePath } from '@rendition/testing';
import { canonicalString, parseTransformation } from '@rendition/transform';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeBreakpoints } from '../../src/breakpoints/compute-breakpoints.ts';
import { executeImagePlan, type ImageExecutionLimits } from '../../src/image-executor.ts';
import { MediaError } from '../../src/media-error.ts';
import { makeTempDir, type TempDir } from '../media-files.ts';

const PHOTO = fixturePath('images/2569067123_aca715a2ee_o.jpg'); // 2725x2225
const LIMITS: ImageExecutionLimits = { maxInputPixels: 100_000_000, timeoutSeconds: 30, maxDimension: 10_000, maxOutputPixels: 50_000_000 };
const NONE = { components: [] };

let temp: TempDir;
let runs = 0;
beforeAll(async () => {
  temp = await makeTempDir();
});
afterAll(async () => {
  await temp.remove();
});

const options = (overrides: Partial<Parameters<typeof computeBreakpoints>[1]> = {}) => {
  runs += 1;
  return {
    base: NONE,
    format: 'jpg' as const,
    minWidth: 50,
    maxWidth: 1000,
    bytesStep: 20_000,
    maxImages: 20,
    limits: LIMITS,
    dir: temp.path,
    name: `run${runs}`,
    ...overrides,
  };
};

describe('computeBreakpoints', () => {
  it('encodes widths widest first, both ends included, about bytes_step apart, and keeps only those files', async () => {
    const settings = options({ bytesStep: 15_000 });
    const images = await computeBreakpoints(PHOTO, settings);
    const widths = images.map((image) => image.execution.width);
    expect(widths[0]).toBe(1000);
    expect(widths.at(-1)).toBe(50);
    expect(widths).toEqual([...widths].sort((a, b) => b - a));
    expect(new Set(widths).size).toBe(widths.length);
    expect(images.length).toBeGreaterThan(2);
    expect(images.length).toBeLessThanOrEqual(20);
    const sizes = images.map((image) => image.execution.bytes);
    const gaps = sizes.slice(1).map((size, index) => sizes[index]! - size);
    // The model aims at equal gaps of at least the step; the real files land near it.
    const mean = gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
    expect(mean).toBeGreaterThanOrEqual(15_000 * 0.9);
    for (const gap of gaps) expect(gap).toBeGreaterThan(0);

    for (const image of images) {
      expect(canonicalString(image.plan)).toBe(`c_scale,w_${image.execution.width}`);
      const file = await readFile(image.path);
      expect(file.length).toBe(image.execution.bytes);
      const metadata = await sharp(file).metadata();
      expect(metadata.width).toBe(image.execution.width);
      expect(metadata.height).toBe(Math.round((2225 / 2725) * image.execution.width));
    }
    const left = (await readdir(temp.path)).filter((name) => name.startsWith(`${settings.name}-`));
    expect(left.sort()).toEqual(images.map((image) => image.path.split('/').pop()).sort());
  });

  it('writes the same bytes a delivery of the plan writes', async () => {
    const base = parseTransformation('e_sepia');
    const [widest] = await computeBreakpoints(PHOTO, options({ base, maxImages: 2, format: 'webp' }));
    const again = `${temp.path}/again.webp`;
    const delivered = await executeImagePlan(PHOTO, again, parseTransformation(canonicalString(widest!.plan)), { format: 'webp', limits: LIMITS });
    expect(canonicalString(widest!.plan)).toBe('e_sepia/c_scale,w_1000');
    expect(delivered.bytes).toBe(widest!.execution.bytes);
    expect(await readFile(again)).toEqual(await readFile(widest!.path));
  });

  it('caps max_width at the transformed width and never upscales', async () => {
    const images = await computeBreakpoints(PHOTO, options({ base: parseTransformation('c_scale,w_300'), minWidth: 200, maxWidth: 5000 }));
    expect(images[0]!.execution.width).toBe(300);
    expect(images.every((image) => image.execution.width >= 200 && image.execution.width <= 300)).toBe(true);
  });

  it('answers one image for max_images 1, for one width, and when the range weighs less than a step', async () => {
    expect((await computeBreakpoints(PHOTO, options({ maxImages: 1 }))).map((image) => image.execution.width)).toEqual([1000]);
    expect((await computeBreakpoints(PHOTO, options({ minWidth: 400, maxWidth: 400 }))).map((image) => image.execution.width)).toEqual([400]);
    expect((await computeBreakpoints(PHOTO, options({ bytesStep: 10_000_000 }))).map((image) => image.execution.width)).toEqual([1000]);
  });

  it('respects max_images when the step would ask for more', async () => {
    const images = await computeBreakpoints(PHOTO, options({ bytesStep: 1, maxImages: 4 }));
    expect(images.map((image) => image.execution.width)).toHaveLength(4);
  });

  it('refuses a base transformation beyond the size limits as too_large', async () => {
    await expect(computeBreakpoints(PHOTO, options({ base: parseTransformation('c_scale,w_20000') }))).rejects.toMatchObject({ kind: 'too_large' });
    await expect(computeBreakpoints(PHOTO, options({ base: parseTransformation('c_scale,w_20000') }))).rejects.toBeInstanceOf(MediaError);
  });
});

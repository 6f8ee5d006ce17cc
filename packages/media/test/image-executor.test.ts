import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixturePath } from '@rendition/testing';
import { CROP_MODES, parseTransformation, projectOutputSize, projectPlan } from '@rendition/transform';
import type { PlanGeometry } from '@rendition/transform';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blurSigma, brightnessFactor, contrastLinear, sepiaMatrix, sharpenSigma } from '../src/effects.ts';
import { AUTO_QUALITY, encodeSettings, qualityValue } from '../src/encode-settings.ts';
import { executeImagePlan } from '../src/image-executor.ts';
import type { ImageExecution, ImageExecutionLimits } from '../src/image-executor.ts';
import { planOperations } from '../src/image-operations.ts';
import type { ImageTarget } from '../src/image-targets.ts';
import type { ImageOperation } from '../src/pixel-operations.ts';
import { Deadline, runOperations } from '../src/image-pipeline.ts';
import { MediaError } from '../src/media-error.ts';
import { animation, inTempDir, makeTempDir, svgDocument } from './media-files.ts';
import type { TempDir } from './media-files.ts';

const PHOTO = fixturePath('images/2569067123_aca715a2ee_o.jpg'); // 2725x2225
const BIRD = fixturePath('images/embedgravitybird.png'); // 576x384, alpha
const WEBP = fixturePath('images/4.webp');
const GIF = fixturePath('images/Crash_test.gif'); // 800x533, one frame
const GRADIENTS = fixturePath('images/gradients-rgb8.png'); // 1000x1000

const LIMITS: ImageExecutionLimits = { maxInputPixels: 100_000_000, timeoutSeconds: 30, maxDimension: 10_000, maxOutputPixels: 50_000_000 };
const PROJECTION_LIMITS = { maxDimension: LIMITS.maxDimension, maxPixels: LIMITS.maxOutputPixels };
const SHARP_FORMAT: Record<ImageTarget, string> = { jpg: 'jpeg', png: 'png', webp: 'webp', avif: 'heif', gif: 'gif', tiff: 'tiff' };

let temp: TempDir;
let counter = 0;
let small: string; // the photo at 400x300, as PNG: the input of the effect tests
let wide: string; // 1000x500, the input of docs/crop-modes.md

beforeAll(async () => {
  temp = await makeTempDir();
  small = await temp.file('small.png', await sharp(PHOTO).resize(400, 300, { fit: 'fill' }).png().toBuffer());
  wide = await temp.file('wide.png', await sharp(GRADIENTS).resize(1000, 500, { fit: 'fill' }).linear(2, 20).png().toBuffer());
});
afterAll(async () => {
  await temp.remove();
});

type Run = { path: string; width: number; height: number; format: string; bytes: number };

async function run(input: string, transformation: string, format: ImageTarget, limits: ImageExecutionLimits = LIMITS): Promise<Run> {
  counter += 1;
  const path = join(temp.path, `out-${counter}.${format}`);
  const result = await executeImagePlan(input, path, parseTransformation(transformation), { format, limits });
  return { path, ...result };
}

type Pixels = { data: Buffer; width: number; height: number; channels: number };

async function pixels(path: string): Promise<Pixels> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const pixelAt = (image: Pixels, x: number, y: number): number[] => {
  const offset = (y * image.width + x) * image.channels;
  return [...image.data.subarray(offset, offset + image.channels)];
};

async function channelStats(path: string): Promise<{ mean: number[]; stdev: number[] }> {
  const { channels } = await sharp(path).stats();
  return { mean: channels.map((c) => c.mean), stdev: channels.map((c) => c.stdev) };
}

const near = (actual: number[], expected: number[], tolerance: number): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
};

async function expectMediaError(work: Promise<unknown>, kind: MediaError['kind']): Promise<MediaError> {
  const error: unknown = await work.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(MediaError);
  expect(error).toMatchObject({ kind });
  return error as MediaError;
}

describe('crop modes', () => {
  const photoSize = { width: 2725, height: 2225 };

  it.each(CROP_MODES)('c_%s,w_400,h_300 on the photo gives the projected size', async (mode) => {
    const text = `c_${mode},w_400,h_300`;
    const expected = projectOutputSize(parseTransformation(text), photoSize, PROJECTION_LIMITS);
    const out = await run(PHOTO, text, 'jpg');
    expect({ width: out.width, height: out.height }).toEqual(expected);
    const metadata = await sharp(out.path).metadata();
    expect({ width: metadata.width, height: metadata.height }).toEqual(expected);
  });

  // Every cell of the table in docs/crop-modes.md, on a generated 1000x500 image.
  const doc = fileURLToPath(new URL('../../../docs/crop-modes.md', import.meta.url));
  const cells: [string, string][] = [];
  const lines = readFileSync(doc, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('## Output for an input of 1000x500'));
  const header = lines.slice(start).find((line) => line.startsWith('| mode |'))!;
  const targets = header
    .split('|')
    .slice(2, -1)
    .map((cell) => cell.trim().replaceAll('`', ''));
  for (const line of lines.slice(start)) {
    const match = /^\| `c_([a-z_]+)` \| (.*) \|$/.exec(line);
    if (match === null) continue;
    const outputs = match[2]!.split(' | ');
    outputs.forEach((cell, index) => cells.push([`c_${match[1]},${targets[index]}`, cell.split(',')[0]!.trim()]));
  }

  it('reads every cell of the documented table', () => {
    expect(targets).toHaveLength(6);
    expect(cells).toHaveLength(CROP_MODES.length * targets.length);
  });

  it.each(cells)('%s on 1000x500 gives %s', async (text, documented) => {
    const expected = projectOutputSize(parseTransformation(text), { width: 1000, height: 500 }, PROJECTION_LIMITS);
    expect(`${expected.width}x${expected.height}`).toBe(documented);
    const out = await run(wide, text, 'jpg');
    const metadata = await sharp(out.path).metadata();
    expect(`${metadata.width}x${metadata.height}`).toBe(documented);
    expect(`${out.width}x${out.height}`).toBe(documented);
  });

  it('c_crop with g_north_west cuts the top-left corner unscaled', async () => {
    const out = await run(GRADIENTS, 'c_crop,g_north_west,w_120,h_80', 'png');
    const expected = await sharp(GRADIENTS).extract({ left: 0, top: 0, width: 120, height: 80 }).raw().toBuffer();
    expect((await pixels(out.path)).data.equals(expected)).toBe(true);
  });

  it('c_crop with x/y cuts from that offset', async () => {
    const out = await run(GRADIENTS, 'c_crop,x_300,y_200,w_50,h_40', 'png');
    const expected = await sharp(GRADIENTS).extract({ left: 300, top: 200, width: 50, height: 40 }).raw().toBuffer();
    expect((await pixels(out.path)).data.equals(expected)).toBe(true);
  });

  it('c_fill with a compass gravity keeps that side, g_auto uses the attention strategy', async () => {
    const source = await temp.file(
      'halves.png',
      await sharp({ create: { width: 200, height: 100, channels: 3, background: 'red' } })
        .composite([{ input: { create: { width: 100, height: 100, channels: 3, background: 'blue' } }, left: 100, top: 0 }])
        .png()
        .toBuffer(),
    );
    const west = await pixels((await run(source, 'c_fill,g_west,w_50,h_50', 'png')).path);
    const east = await pixels((await run(source, 'c_fill,g_east,w_50,h_50', 'png')).path);
    expect(pixelAt(west, 25, 25).slice(0, 3)).toEqual([255, 0, 0]);
    expect(pixelAt(east, 25, 25).slice(0, 3)).toEqual([0, 0, 255]);
    expect(await run(source, 'c_fill,g_auto,w_50,h_50', 'png')).toMatchObject({ width: 50, height: 50 });
    expect(await run(PHOTO, 'c_thumb,g_face,w_120,h_120', 'jpg')).toMatchObject({ width: 120, height: 120 });
  });

  it('pads with white for JPEG, transparency where the format has alpha, b_ when given', async () => {
    const jpg = await pixels((await run(small, 'c_pad,w_400,h_400', 'jpg')).path);
    near(pixelAt(jpg, 200, 10), [255, 255, 255], 3);
    const png = await pixels((await run(small, 'c_pad,w_400,h_400', 'png')).path);
    expect(png.channels).toBe(4);
    expect(pixelAt(png, 200, 10)[3]).toBe(0);
    expect(pixelAt(png, 200, 200)[3]).toBe(255);
    const red = await pixels((await run(small, 'c_pad,w_400,h_400,b_red', 'png')).path);
    expect(pixelAt(red, 200, 10)).toEqual([255, 0, 0]);
  });

  it('applies EXIF orientation before projecting and resizing', async () => {
    const sideways = await temp.file(
      'sideways.jpg',
      await sharp({ create: { width: 40, height: 20, channels: 3, background: 'blue' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    expect(await run(sideways, 'w_10', 'png')).toMatchObject({ width: 10, height: 20 });
    expect(await run(sideways, 'c_fill,w_10,h_10', 'png')).toMatchObject({ width: 10, height: 10 });
    expect(await run(sideways, 'c_crop,w_20,h_30', 'png')).toMatchObject({ width: 20, height: 30 });
    expect(await run(sideways, 'a_90', 'png')).toMatchObject({ width: 40, height: 20 });
  });
});

describe('rotation, mirroring, border, chains', () => {
  it('a_90 swaps the sides, a_180 keeps them', async () => {
    expect(await run(small, 'a_90', 'jpg')).toMatchObject({ width: 300, height: 400 });
    expect(await run(small, 'c_fill,w_200,h_100,a_90', 'jpg')).toMatchObject({ width: 100, height: 200 });
    expect(await run(small, 'a_180', 'jpg')).toMatchObject({ width: 400, height: 300 });
  });

  it('a_45 gives the rotated bounding box (within a pixel of the projection)', async () => {
    const expected = projectOutputSize(parseTransformation('a_45'), { width: 400, height: 300 }, PROJECTION_LIMITS);
    const out = await run(small, 'a_45', 'png');
    expect(Math.abs(out.width - expected.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(out.height - expected.height)).toBeLessThanOrEqual(1);
    expect(pixelAt(await pixels(out.path), 0, 0)[3]).toBe(0);
  });

  it('a_hflip and a_vflip mirror', async () => {
    const original = await pixels(GRADIENTS);
    const flopped = await pixels((await run(GRADIENTS, 'a_hflip', 'png')).path);
    const flipped = await pixels((await run(GRADIENTS, 'a_vflip', 'png')).path);
    expect(pixelAt(flopped, 0, 10)).toEqual(pixelAt(original, 999, 10));
    expect(pixelAt(flipped, 10, 0)).toEqual(pixelAt(original, 10, 999));
  });

  it('a_auto_right turns a landscape image for a portrait box', async () => {
    expect(await run(small, 'c_fill,w_100,h_200,a_auto_right', 'jpg')).toMatchObject({ width: 100, height: 200 });
  });

  it('bo_ adds a border of its colour on every side', async () => {
    const out = await run(small, 'c_fill,w_200,h_100,bo_5px_solid_red', 'png');
    expect(out).toMatchObject({ width: 210, height: 110 });
    const image = await pixels(out.path);
    for (const [x, y] of [
      [0, 0],
      [4, 50],
      [209, 109],
      [100, 107],
      [205, 3],
    ] as const)
      expect(pixelAt(image, x, y)).toEqual([255, 0, 0]);
  });

  it('runs a chain of components in order', async () => {
    const out = await run(PHOTO, 'c_fill,w_400,h_300/a_90/bo_5px_solid_blue/c_scale,w_0.5', 'jpg');
    expect(out).toMatchObject({ width: 155, height: 205 });
    const expected = projectOutputSize(
      parseTransformation('c_fill,w_400,h_300/a_90/bo_5px_solid_blue/c_scale,w_0.5'),
      { width: 2725, height: 2225 },
      PROJECTION_LIMITS,
    );
    expect({ width: out.width, height: out.height }).toEqual(expected);
  });

  it('dpr multiplies the sizes', async () => {
    expect(await run(small, 'w_100,dpr_2.0', 'jpg')).toMatchObject({ width: 200, height: 150 });
  });
});

describe('formats', () => {
  it.each(['jpg', 'png', 'webp', 'avif', 'gif', 'tiff'] as const)('writes %s', async (format) => {
    const out = await run(PHOTO, 'c_fill,w_200,h_150', format);
    expect(out).toMatchObject({ width: 200, height: 150, format });
    expect((await sharp(out.path).metadata()).format).toBe(SHARP_FORMAT[format]);
    expect(out.bytes).toBe((await stat(out.path)).size);
  });

  it('reads WebP, GIF, PNG and SVG inputs', async () => {
    const svg = await temp.file('drawing.svg', svgDocument(120, 80));
    expect(await run(svg, 'c_fill,w_60,h_60', 'png')).toMatchObject({ width: 60, height: 60 });
    expect(await run(WEBP, 'w_100', 'png')).toMatchObject({ width: 100, height: 75 });
    expect(await run(GIF, 'w_100', 'webp')).toMatchObject({ width: 100, height: 67 });
    expect(await run(BIRD, 'h_96', 'avif')).toMatchObject({ width: 144, height: 96 });
  });

  it('q_10 is smaller than q_90', async () => {
    for (const format of ['jpg', 'webp'] as const) {
      const low = await run(small, 'q_10', format);
      const high = await run(small, 'q_90', format);
      expect(low.bytes, format).toBeLessThan(high.bytes);
    }
    const eco = await run(small, 'q_auto:eco', 'jpg');
    const best = await run(small, 'q_auto:best', 'jpg');
    expect(eco.bytes).toBeLessThan(best.bytes);
  });

  it('fl_progressive writes a progressive JPEG and an interlaced PNG', async () => {
    expect((await sharp((await run(small, 'fl_progressive', 'jpg')).path).metadata()).isProgressive).toBe(true);
    expect((await sharp((await run(small, 'w_100', 'jpg')).path).metadata()).isProgressive).toBe(false);
    expect((await sharp((await run(small, 'fl_progressive,w_100', 'png')).path).metadata()).isProgressive).toBe(true);
  });

  it('fl_lossy writes a palette PNG', async () => {
    expect((await sharp((await run(small, 'fl_lossy', 'png')).path).metadata()).isPalette).toBe(true);
    expect((await sharp((await run(small, 'w_100', 'png')).path).metadata()).isPalette).toBe(false);
  });

  it('strips metadata by default and keeps it with fl_keep_iptc, in one pass or several', async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:rights>Rendition test</dc:rights></rdf:Description></rdf:RDF></x:xmpmeta>';
    const tagged = await temp.file('tagged.jpg', await sharp(small).jpeg().withXmp(xmp).toBuffer());
    const xmpOf = async (path: string): Promise<string> => (await sharp(path).metadata()).xmp?.toString('utf8') ?? '';
    expect(await xmpOf((await run(tagged, 'w_100', 'jpg')).path)).toBe('');
    expect(await xmpOf((await run(tagged, 'w_100,fl_keep_iptc', 'jpg')).path)).toContain('Rendition test');
    expect(await xmpOf((await run(tagged, 'w_100/a_90,fl_keep_iptc', 'jpg')).path)).toContain('Rendition test');
  });

  it('refuses a target outside the list at run time', async () => {
    const format = 'bmp' as ImageTarget;
    await expectMediaError(executeImagePlan(small, join(temp.path, 'x.bmp'), parseTransformation('w_10'), { format, limits: LIMITS }), 'unsupported');
  });
});

describe('effects', () => {
  let baseline: { mean: number[]; stdev: number[] };
  beforeAll(async () => {
    baseline = await channelStats(small);
  });

  it('e_grayscale makes the channels equal', async () => {
    const image = await pixels((await run(small, 'e_grayscale', 'png')).path);
    expect(image.channels).toBe(3);
    for (let i = 0; i < image.data.length; i += 3) {
      if (image.data[i] !== image.data[i + 1] || image.data[i] !== image.data[i + 2]) throw new Error(`pixel ${i / 3} is not grey`);
    }
  });

  it('e_blackwhite leaves only black and white', async () => {
    const image = await pixels((await run(small, 'e_blackwhite', 'png')).path);
    const values = new Set(image.data);
    expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
    const darker = await channelStats((await run(small, 'e_blackwhite:80', 'png')).path);
    const lighter = await channelStats((await run(small, 'e_blackwhite:20', 'png')).path);
    expect(darker.mean[0]).toBeLessThan(lighter.mean[0]!);
  });

  it('e_negate gives 255 minus the original', async () => {
    const { mean } = await channelStats((await run(small, 'e_negate', 'png')).path);
    near(
      mean,
      baseline.mean.map((m) => 255 - m),
      1,
    );
  });

  it('e_sepia gives red > green > blue on average', async () => {
    const { mean } = await channelStats((await run(small, 'e_sepia', 'png')).path);
    expect(mean[0]).toBeGreaterThan(mean[1]!);
    expect(mean[1]).toBeGreaterThan(mean[2]!);
  });

  it('e_blur lowers the spread, more with a larger strength', async () => {
    const soft = await channelStats((await run(small, 'e_blur:100', 'png')).path);
    const softer = await channelStats((await run(small, 'e_blur:1000', 'png')).path);
    for (let c = 0; c < 3; c += 1) {
      expect(soft.stdev[c]).toBeLessThan(baseline.stdev[c]!);
      expect(softer.stdev[c]).toBeLessThan(soft.stdev[c]!);
    }
  });

  it('e_sharpen raises the spread', async () => {
    const sharpened = await channelStats((await run(small, 'e_sharpen:400', 'png')).path);
    expect(sharpened.stdev[1]).toBeGreaterThan(baseline.stdev[1]!);
  });

  it('e_brightness:50 raises the mean, e_brightness:-50 lowers it', async () => {
    const brighter = await channelStats((await run(small, 'e_brightness:50', 'png')).path);
    const darker = await channelStats((await run(small, 'e_brightness:-50', 'png')).path);
    for (let c = 0; c < 3; c += 1) {
      expect(brighter.mean[c]).toBeGreaterThan(baseline.mean[c]! + 10);
      expect(darker.mean[c]).toBeLessThan(baseline.mean[c]! - 10);
    }
  });

  it('e_contrast stretches or flattens the spread', async () => {
    const more = await channelStats((await run(small, 'e_contrast:50', 'png')).path);
    const less = await channelStats((await run(small, 'e_contrast:-50', 'png')).path);
    expect(more.stdev[1]).toBeGreaterThan(baseline.stdev[1]! * 1.2);
    expect(less.stdev[1]).toBeLessThan(baseline.stdev[1]! * 0.6);
  });

  it('e_saturation:-100 removes the colour, e_saturation:80 spreads the channels', async () => {
    const grey = await pixels((await run(small, 'e_saturation:-100', 'png')).path);
    let spread = 0;
    for (let i = 0; i < grey.data.length; i += 3) spread = Math.max(spread, Math.abs(grey.data[i]! - grey.data[i + 2]!));
    expect(spread).toBeLessThanOrEqual(3);
    const vivid = await channelStats((await run(small, 'e_saturation', 'png')).path);
    const gap = (means: number[]): number => Math.max(...means) - Math.min(...means);
    expect(gap(vivid.mean)).toBeGreaterThan(gap(baseline.mean));
  });

  it('e_pixelate makes blocks of equal neighbouring pixels', async () => {
    const equalNeighbours = (image: Pixels): number => {
      let equal = 0;
      let total = 0;
      for (let y = 0; y < image.height; y += 1) {
        for (let x = 1; x < image.width; x += 1) {
          total += 1;
          if (pixelAt(image, x, y).join() === pixelAt(image, x - 1, y).join()) equal += 1;
        }
      }
      return equal / total;
    };
    const out = await run(small, 'e_pixelate:10', 'png');
    expect(out).toMatchObject({ width: 400, height: 300 });
    expect(equalNeighbours(await pixels(out.path))).toBeGreaterThan(0.85);
    expect(equalNeighbours(await pixels(small))).toBeLessThan(0.3);
  });

  it('runs effects after the sizing of their component', async () => {
    const out = await run(PHOTO, 'c_fill,w_200,h_100,e_grayscale/e_negate', 'png');
    expect(out).toMatchObject({ width: 200, height: 100 });
    const image = await pixels(out.path);
    expect(pixelAt(image, 50, 50)[0]).toBe(pixelAt(image, 50, 50)[2]);
  });
});

describe('radius, opacity, background', () => {
  it('r_max cuts an ellipse: transparent corners in PNG, white (or b_) corners in JPEG', async () => {
    const png = await pixels((await run(small, 'r_max', 'png')).path);
    expect(png.channels).toBe(4);
    expect(pixelAt(png, 0, 0)[3]).toBe(0);
    expect(pixelAt(png, 399, 299)[3]).toBe(0);
    expect(pixelAt(png, 200, 150)[3]).toBe(255);
    expect(pixelAt(png, 200, 1)[3]).toBeGreaterThan(0);

    const jpg = await pixels((await run(small, 'r_max', 'jpg')).path);
    expect(jpg.channels).toBe(3);
    near(pixelAt(jpg, 0, 0), [255, 255, 255], 3);
    const blue = await pixels((await run(small, 'r_max,b_blue', 'jpg')).path);
    near(pixelAt(blue, 0, 0), [0, 0, 255], 3);
  });

  it('r_<n> rounds the corners only', async () => {
    const png = await pixels((await run(small, 'r_40', 'png')).path);
    expect(pixelAt(png, 1, 1)[3]).toBe(0);
    expect(pixelAt(png, 60, 1)[3]).toBe(255);
    expect(pixelAt(png, 1, 60)[3]).toBe(255);
    expect(pixelAt(png, 30, 30)[3]).toBe(255);
  });

  it('o_50 halves the alpha', async () => {
    const image = await pixels((await run(small, 'o_50', 'png')).path);
    expect(image.channels).toBe(4);
    expect(Math.abs(pixelAt(image, 200, 150)[3]! - 128)).toBeLessThanOrEqual(1);
    const { mean } = await channelStats((await run(small, 'o_50', 'jpg')).path);
    for (let c = 0; c < 3; c += 1) expect(mean[c]).toBeGreaterThan(127);
  });

  // The bird PNG has an alpha channel but every pixel is opaque: framed in 20 transparent pixels.
  let framed: string;
  beforeAll(async () => {
    const clear = { r: 0, g: 0, b: 0, alpha: 0 };
    framed = await temp.file('framed.png', await sharp(BIRD).extend({ top: 20, bottom: 20, left: 20, right: 20, background: clear }).png().toBuffer());
  });

  it('b_red flattens the transparent parts of a PNG onto red', async () => {
    expect(pixelAt(await pixels(framed), 5, 5)[3]).toBe(0);
    const image = await pixels((await run(framed, 'b_red', 'png')).path);
    expect(image.channels).toBe(3);
    expect(pixelAt(image, 5, 5)).toEqual([255, 0, 0]);
    expect(pixelAt(image, 300, 200)).toEqual(pixelAt(await pixels(BIRD), 280, 180).slice(0, 3));
    const resized = await pixels((await run(framed, 'w_308,b_red', 'webp')).path);
    near(pixelAt(resized, 2, 2), [255, 0, 0], 8);
    const plain = await pixels((await run(framed, 'w_308', 'jpg')).path);
    near(pixelAt(plain, 2, 2), [255, 255, 255], 3);
  });

  it('keeps the transparency for formats with alpha', async () => {
    for (const format of ['png', 'webp', 'avif', 'gif'] as const) {
      const image = await pixels((await run(framed, 'c_fill,w_200,h_200', format)).path);
      expect(image.channels, format).toBe(4);
      expect(pixelAt(image, 1, 1)[3], format).toBeLessThan(10);
    }
  });
});

describe('pages and animation', () => {
  let animated: string;
  beforeAll(async () => {
    animated = await temp.file('anim.gif', await animation('gif', 3, 30, 20));
  });

  it('pg_2 takes the second frame of an animated GIF', async () => {
    const first = await pixels((await run(animated, 'w_30', 'png')).path);
    const second = await pixels((await run(animated, 'pg_2', 'png')).path);
    expect(pixelAt(first, 5, 5)[0]).toBeLessThan(20);
    expect(Math.abs(pixelAt(second, 5, 5)[0]! - 80)).toBeLessThanOrEqual(8);
    const gif = await run(animated, 'pg_2', 'gif');
    expect((await sharp(gif.path).metadata()).pages).toBe(1);
  });

  it('keeps the animation for GIF output, every frame transformed', async () => {
    const out = await run(animated, 'c_fill,w_16,h_16/bo_2px_solid_black', 'gif');
    expect(out).toMatchObject({ width: 20, height: 20, format: 'gif' });
    const metadata = await sharp(out.path).metadata();
    expect(metadata.pages).toBe(3);
    expect(metadata.width).toBe(20);
    expect(metadata.pageHeight ?? metadata.height).toBe(20);
    const frames = await sharp(out.path, { animated: true }).raw().toBuffer({ resolveWithObject: true });
    const third = pixelAt({ data: frames.data, width: 20, height: 60, channels: frames.info.channels }, 10, 50);
    expect(Math.abs(third[0]! - 160)).toBeLessThanOrEqual(8);
  });

  it('takes the first frame for other formats', async () => {
    const out = await run(animated, 'w_15', 'webp');
    expect((await sharp(out.path).metadata()).pages ?? 1).toBe(1);
    expect(out).toMatchObject({ width: 15, height: 10 });
  });

  it('refuses a page beyond the last', async () => {
    await expectMediaError(run(GIF, 'pg_2', 'png'), 'unsupported');
    await expectMediaError(run(animated, 'pg_4', 'png'), 'unsupported');
  });

  it('counts every frame of an animation against the output pixel limit', async () => {
    await expectMediaError(run(animated, 'w_30', 'gif', { ...LIMITS, maxOutputPixels: 1000 }), 'too_large');
    expect(await run(animated, 'w_30', 'png', { ...LIMITS, maxOutputPixels: 1000 })).toMatchObject({ width: 30, height: 20 });
  });
});

describe('limits and bad input', () => {
  it('refuses a plan over the limits before decoding a pixel', async () => {
    await inTempDir(async (dir) => {
      // Header intact, pixels cut off: a decode would fail as corrupt, so too_large proves nothing was decoded.
      const bytes = await readFile(PHOTO);
      const input = await dir.file('half.jpg', bytes.subarray(0, bytes.length >> 1));
      const error = await expectMediaError(
        executeImagePlan(input, join(dir.path, 'out.jpg'), parseTransformation('w_400'), {
          format: 'jpg',
          limits: { ...LIMITS, maxOutputPixels: 10_000 },
        }),
        'too_large',
      );
      expect(error.message).toBe('Requested output of 400x327 exceeds the maximum of 10000 pixels');
      await expectMediaError(
        executeImagePlan(input, join(dir.path, 'out.jpg'), parseTransformation('w_20000'), { format: 'jpg', limits: LIMITS }),
        'too_large',
      );
      expect(await readdir(dir.path)).toEqual(['half.jpg']);
    });
  });

  it('refuses an input over the pixel limit', async () => {
    await expectMediaError(run(PHOTO, 'w_10', 'jpg', { ...LIMITS, maxInputPixels: 1_000_000 }), 'too_large');
  });

  it('reports a corrupt input as corrupt and leaves nothing behind', async () => {
    await inTempDir(async (dir) => {
      const bytes = await readFile(PHOTO);
      const input = await dir.file('half.jpg', bytes.subarray(0, bytes.length >> 1));
      await expectMediaError(
        executeImagePlan(input, join(dir.path, 'out.png'), parseTransformation('w_100'), { format: 'png', limits: LIMITS }),
        'corrupt',
      );
      const garbage = await dir.file('garbage.png', Buffer.from('not an image at all'));
      await expectMediaError(
        executeImagePlan(garbage, join(dir.path, 'out.png'), parseTransformation('w_100'), { format: 'png', limits: LIMITS }),
        'unsupported',
      );
      expect((await readdir(dir.path)).sort()).toEqual(['garbage.png', 'half.jpg']);
    });
  });

  it('refuses video-only parameters with a 400', async () => {
    await expect(run(small, 'w_100,so_2', 'jpg')).rejects.toMatchObject({ status: 400 });
  });

  it('writes the output whole, replacing what was there', async () => {
    const path = join(temp.path, 'replaced.jpg');
    await executeImagePlan(small, path, parseTransformation('w_50'), { format: 'jpg', limits: LIMITS });
    await executeImagePlan(small, path, parseTransformation('w_60'), { format: 'jpg', limits: LIMITS });
    expect((await sharp(path).metadata()).width).toBe(60);
    expect((await readdir(temp.path)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('output in memory', () => {
  /** An ImageOutput that keeps outputs up to `pixels` in memory and counts the files it is asked for. */
  function memoryOutput(pixels: number, dir: TempDir) {
    const asked: string[] = [];
    return {
      asked,
      output: {
        inMemoryUpToPixels: pixels,
        file: async () => {
          const path = join(dir.path, `file-${asked.length}.out`);
          asked.push(path);
          return path;
        },
      },
    };
  }

  /** The bytes an execution kept in memory (a file written instead fails the test). */
  function kept(result: ImageExecution): Buffer {
    expect(result.encoded).toBeInstanceOf(Buffer);
    return result.encoded as Buffer;
  }

  it('keeps an output up to the bound in memory, the same bytes a file gets, and asks for no file', async () => {
    await inTempDir(async (dir) => {
      const plan = parseTransformation('c_fill,w_120,h_90');
      const onDisk = join(dir.path, 'on-disk.jpg');
      const written = await executeImagePlan(PHOTO, onDisk, plan, { format: 'jpg', limits: LIMITS });
      expect(written.encoded).toBe(onDisk);
      const { asked, output } = memoryOutput(120 * 90, dir);
      const result = await executeImagePlan(PHOTO, output, plan, { format: 'jpg', limits: LIMITS });
      expect(asked).toEqual([]);
      const bytes = kept(result);
      expect(bytes.equals(await readFile(onDisk))).toBe(true);
      expect(result).toMatchObject({ width: 120, height: 90, format: 'jpg', bytes: bytes.length, decodedEveryPixel: written.decodedEveryPixel });
      expect(await readdir(dir.path)).toEqual(['on-disk.jpg']);
    });
  });

  it('writes an output of one pixel more than the bound to the file it asks for, once', async () => {
    await inTempDir(async (dir) => {
      const { asked, output } = memoryOutput(120 * 90 - 1, dir);
      const result = await executeImagePlan(PHOTO, output, parseTransformation('c_fill,w_120,h_90'), { format: 'png', limits: LIMITS });
      expect(asked).toHaveLength(1);
      expect(result.encoded).toBe(asked[0]);
      expect(await sharp(asked[0]!).metadata()).toMatchObject({ width: 120, height: 90, format: 'png' });
      expect((await stat(asked[0]!)).size).toBe(result.bytes);
      expect(await readdir(dir.path)).toEqual(['file-0.out']);
    });
  });

  it('counts every frame of an animation against the bound', async () => {
    await inTempDir(async (dir) => {
      const animated = await dir.file('anim.gif', await animation('gif', 3, 30, 20));
      const plan = parseTransformation('w_15');
      const frames = 3 * 15 * 10;
      const over = memoryOutput(frames - 1, dir);
      const written = await executeImagePlan(animated, over.output, plan, { format: 'gif', limits: LIMITS });
      expect(over.asked).toHaveLength(1);
      expect(written.encoded).toBe(over.asked[0]);
      const within = memoryOutput(frames, dir);
      const bytes = kept(await executeImagePlan(animated, within.output, plan, { format: 'gif', limits: LIMITS }));
      expect(within.asked).toEqual([]);
      expect(await sharp(bytes).metadata()).toMatchObject({ pages: 3, width: 15, format: 'gif' });
      expect(bytes.equals(await readFile(over.asked[0]!))).toBe(true);
    });
  });

  it('reads its input from memory as from a file', async () => {
    await inTempDir(async (dir) => {
      const plan = parseTransformation('w_64,e_grayscale');
      const fromFile = await executeImagePlan(BIRD, memoryOutput(1_000_000, dir).output, plan, { format: 'webp', limits: LIMITS });
      const fromMemory = await executeImagePlan(await readFile(BIRD), memoryOutput(1_000_000, dir).output, plan, { format: 'webp', limits: LIMITS });
      expect(kept(fromMemory).equals(kept(fromFile))).toBe(true);
      expect(fromMemory).toMatchObject({ width: 64, height: 43 });
    });
  });

  it('refuses a corrupt input and an oversized plan the same way, and leaves nothing (the deadline: image-executor-timeout.test.ts)', async () => {
    await inTempDir(async (dir) => {
      const { asked, output } = memoryOutput(50_000_000, dir);
      const bytes = await readFile(PHOTO);
      await expectMediaError(
        executeImagePlan(bytes.subarray(0, bytes.length >> 1), output, parseTransformation('w_100'), { format: 'png', limits: LIMITS }),
        'corrupt',
      );
      await expectMediaError(
        executeImagePlan(PHOTO, output, parseTransformation('w_400'), { format: 'jpg', limits: { ...LIMITS, maxOutputPixels: 10_000 } }),
        'too_large',
      );
      expect(asked).toEqual([]);
      expect(await readdir(dir.path)).toEqual([]);
    });
  });
});

describe('passes', () => {
  const ops = (text: string, target: ImageTarget = 'jpg', input = { width: 400, height: 300 }, hasAlpha = false): ImageOperation[] => {
    const plan = parseTransformation(text);
    return planOperations(plan, projectPlanFor(text, input), { input, hasAlpha, target });
  };
  const projectPlanFor = (text: string, input: { width: number; height: number }): PlanGeometry =>
    projectPlan(parseTransformation(text), input, PROJECTION_LIMITS);
  const passesOf = async (text: string, target: ImageTarget = 'jpg', hasAlpha = false): Promise<number> => {
    const { passes } = await runOperations(sharp(small), ops(text, target, { width: 400, height: 300 }, hasAlpha), new Deadline(30));
    return passes;
  };

  it('runs one sizing component with effects and a JPEG flatten in one pass', async () => {
    expect(await passesOf('c_fill,w_200,h_100')).toBe(1);
    expect(await passesOf('c_fill,w_200,h_100,e_sepia,r_20,o_80,b_blue')).toBe(1);
    expect(await passesOf('c_pad,w_500,h_500,e_blur')).toBe(1);
    expect(await passesOf('c_fill,w_200,h_100', 'jpg', true)).toBe(1);
  });

  it('cuts a pass where sharp would reorder', async () => {
    expect(await passesOf('c_fill,w_200,h_100/a_90')).toBe(2);
    expect(await passesOf('c_pad,w_500,h_500/bo_2px_solid_red')).toBe(2);
    expect(await passesOf('w_200/w_100')).toBe(2);
    expect(await passesOf('e_pixelate')).toBe(2);
  });
});

describe('mappings', () => {
  it('documents the effect and quality numbers', () => {
    expect(blurSigma(100)).toBe(5);
    expect(blurSigma(1)).toBe(0.3);
    expect(blurSigma(2000)).toBe(100);
    expect(sharpenSigma(100)).toBe(1);
    expect(brightnessFactor(80)).toBe(1.8);
    expect(contrastLinear(0)).toEqual({ a: 1, b: 0 });
    expect(sepiaMatrix(100)[0]).toEqual([0.393, 0.769, 0.189]);
    expect(AUTO_QUALITY).toEqual({ best: 90, good: 80, eco: 65, low: 50 });
    expect(qualityValue({ kind: 'auto', level: null })).toBe(80);
    expect(qualityValue({ kind: 'fixed', value: 35 })).toBe(35);
    expect(qualityValue(null)).toBeNull();
    expect(
      encodeSettings(
        {
          format: null,
          quality: null,
          flags: [{ name: 'keep_iptc' }, { name: 'strip_profile' }],
          page: null,
          density: null,
          colorSpace: null,
          delay: null,
        },
        'png',
      ),
    ).toEqual({
      format: 'png',
      progressive: false,
      palette: false,
      quality: null,
      metadata: 'keep_without_profile',
      colorSpace: 'srgb',
    });
  });
});

describe('decodedEveryPixel: whether an execution also proved the whole source decodes', () => {
  const run = async (input: string, transformation: string) =>
    executeImagePlan(input, join(temp.path, `every-${(counter += 1)}.jpg`), parseTransformation(transformation), { format: 'jpg', limits: LIMITS });

  it('is true for plans that scale, pad, rotate or cover without cutting, false when anything is cut away', async () => {
    expect((await run(PHOTO, 'c_fill,w_720,h_588')).decodedEveryPixel).toBe(true); // same aspect: nothing cut
    expect((await run(PHOTO, 'c_scale,w_100')).decodedEveryPixel).toBe(true);
    expect((await run(PHOTO, 'c_pad,w_300,h_300/a_90')).decodedEveryPixel).toBe(true);
    expect((await run(PHOTO, 'c_fill,w_720,h_100,g_north')).decodedEveryPixel).toBe(false);
    expect((await run(PHOTO, 'c_crop,w_100,h_100')).decodedEveryPixel).toBe(false);
    expect((await run(PHOTO, 'c_scale,w_500/c_crop,w_10,h_10')).decodedEveryPixel).toBe(false);
  });

  it('is false exactly where libvips may leave a truncated file unread: the cut plans accept it, the others refuse it', async () => {
    const whole = await readFile(PHOTO);
    const truncated = await temp.file('truncated.jpg', whole.subarray(0, Math.floor(whole.length * 0.6)));
    // Only the top of the image is needed, so the missing bottom is never read: no error, and the
    // execution says it did not decode every pixel (the ingest then runs its verification decode).
    const top = await run(truncated, 'c_crop,w_100,h_10,g_north');
    expect(top).toMatchObject({ width: 100, height: 10, decodedEveryPixel: false });
    await expect(run(truncated, 'c_fill,w_720,h_588')).rejects.toMatchObject({ kind: 'corrupt' });
    await expect(run(truncated, 'c_scale,w_100')).rejects.toMatchObject({ kind: 'corrupt' });
  });
});

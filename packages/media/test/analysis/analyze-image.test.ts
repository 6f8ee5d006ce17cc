import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { analyzeImage } from '../../src/analysis/analyze-image.ts';
import type { AnalysisRequest } from '../../src/analysis/analyze-image.ts';
import { ANALYSIS_SIZE, decodeForAnalysis } from '../../src/analysis/decode-for-analysis.ts';
import { defaultImageLimits } from '../../src/image-limits.ts';
import { MediaError } from '../../src/media-error.ts';
import { pngHeaderOnly, useTempDir } from '../media-files.ts';
import { paint, rawInput, twoColours } from './analysis-images.ts';

const temp = useTempDir();
const limits = defaultImageLimits;
const ALL: AnalysisRequest = { colors: true, phash: true, quality: true, accessibility: true };
const NONE: AnalysisRequest = { colors: false, phash: false, quality: false, accessibility: false };
const image = (name: string): string => fixturePath(`images/${name}`);

async function rejection(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('analyzeImage: wire shapes', () => {
  it('answers every field in Cloudinary order, with the spec example types', async () => {
    const result = await analyzeImage(image('4.webp'), ALL, limits);
    expect(Object.keys(result)).toEqual([
      'colors',
      'predominant',
      'illustration_score',
      'semi_transparent',
      'grayscale',
      'phash',
      'quality_analysis',
      'quality_score',
      'accessibility_analysis',
    ]);
    // "colors": [["#030303",69.4],["#F8F8F8",27.8]]
    expect(result.colors!.length).toBeGreaterThan(0);
    expect(result.colors!.length).toBeLessThanOrEqual(12);
    for (const [hex, percent] of result.colors!) {
      expect(hex).toMatch(/^#[0-9A-F]{6}$/);
      expect(Math.round(percent * 10) / 10).toBe(percent);
    }
    // "predominant": {"google": [["black",69.4],["white",27.8]], "cloudinary": [...]}
    expect(Object.keys(result.predominant!)).toEqual(['google', 'cloudinary']);
    for (const [name, percent] of [...result.predominant!.google, ...result.predominant!.cloudinary]) {
      expect(name).toMatch(/^[a-z]+$/);
      expect(typeof percent).toBe('number');
    }
    expect(result.predominant!.google[0]![0]).toBe('blue');
    expect(result).toMatchObject({ illustration_score: 0, semi_transparent: false, grayscale: false });
    // "phash": "d393644e93af2b90"
    expect(result.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(typeof result.quality_analysis!.focus).toBe('number');
    expect(typeof result.quality_score).toBe('number');
    // {"colorblind_accessibility_analysis": {"distinct_edges": 0.54, "distinct_colors": 0.95, "most_indistinct_pair": ["#DAD9D9","#AFCA9D"]}, "colorblind_accessibility_score": 0.75}
    expect(result.accessibility_analysis).toEqual({
      colorblind_accessibility_analysis: {
        distinct_edges: expect.any(Number),
        distinct_colors: expect.any(Number),
        most_indistinct_pair: [expect.stringMatching(/^#[0-9A-F]{6}$/), expect.stringMatching(/^#[0-9A-F]{6}$/)],
      },
      colorblind_accessibility_score: expect.any(Number),
    });
    // Survives JSON as the same values (no NaN, no typed arrays).
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it.each<[Partial<AnalysisRequest>, string[]]>([
    [{ colors: true }, ['colors', 'predominant', 'illustration_score', 'semi_transparent', 'grayscale']],
    [{ phash: true }, ['phash']],
    [{ quality: true }, ['quality_analysis', 'quality_score']],
    [{ accessibility: true }, ['accessibility_analysis']],
    [{ phash: true, quality: true }, ['phash', 'quality_analysis', 'quality_score']],
  ])('answers only what %j asks', async (asked, keys) => {
    expect(Object.keys(await analyzeImage(image('Crash_test.gif'), { ...NONE, ...asked }, limits))).toEqual(keys);
  });

  it('decodes nothing when nothing is asked', async () => {
    expect(await analyzeImage(join(temp.path, 'does-not-exist.png'), NONE, limits)).toEqual({});
  });
});

describe('analyzeImage: values on known images', () => {
  it('finds exactly the two colours of a 70/30 image, larger than the analysis size', async () => {
    const path = join(temp.path, 'seventy-thirty.png');
    // 1000 px wide: shrunk to 256, the edge falls inside a pixel; the blend is under 1 % and not listed.
    await sharp(rawInput(twoColours(1000, 400, 0.7, [3, 3, 3, 255], [248, 248, 248, 255])).data, {
      raw: { width: 1000, height: 400, channels: 4 },
    })
      .removeAlpha()
      .png()
      .toFile(path);
    const result = await analyzeImage(path, { ...NONE, colors: true }, limits);
    expect(result).toEqual({
      colors: [
        ['#030303', 69.9],
        ['#F8F8F8', 29.7],
      ],
      predominant: {
        google: [
          ['black', 69.9],
          ['white', 29.7],
        ],
        cloudinary: [
          ['black', 69.9],
          ['white', 29.7],
        ],
      },
      illustration_score: 1,
      semi_transparent: false,
      grayscale: true,
    });
  });

  it('finds exactly 70.0 and 30.0 when the image is not shrunk', async () => {
    const path = join(temp.path, 'small-seventy-thirty.png');
    await sharp(rawInput(twoColours(200, 100, 0.7, [3, 3, 3, 255], [248, 248, 248, 255])).data, { raw: { width: 200, height: 100, channels: 4 } })
      .png()
      .toFile(path);
    const { colors } = await analyzeImage(path, { ...NONE, colors: true }, limits);
    expect(colors).toEqual([
      ['#030303', 70],
      ['#F8F8F8', 30],
    ]);
  });

  it('calls a grey JPEG grayscale and a colour one not', async () => {
    const grey = join(temp.path, 'grey.jpg');
    await sharp(rawInput(paint(300, 200, (x, y) => [(x + y) % 256, (x + y) % 256, (x + y) % 256, 255])).data, {
      raw: { width: 300, height: 200, channels: 4 },
    })
      .removeAlpha()
      .jpeg({ quality: 90 })
      .toFile(grey);
    expect((await analyzeImage(grey, { ...NONE, colors: true }, limits)).grayscale).toBe(true);
    expect((await analyzeImage(image('gradients-rgb8.png'), { ...NONE, colors: true }, limits)).grayscale).toBe(false);
  });

  it('reports a semi-transparent PNG with 8-digit colours', async () => {
    const path = join(temp.path, 'translucent.png');
    await sharp(rawInput(twoColours(200, 100, 0.6, [255, 0, 0, 255], [0, 0, 255, 128])).data, { raw: { width: 200, height: 100, channels: 4 } })
      .png()
      .toFile(path);
    expect(await analyzeImage(path, { ...NONE, colors: true }, limits)).toEqual({
      colors: [
        ['#FF0000FF', 60],
        ['#0000FF80', 40],
      ],
      predominant: {
        google: [
          ['red', 60],
          ['blue', 40],
        ],
        cloudinary: [
          ['red', 60],
          ['blue', 40],
        ],
      },
      illustration_score: 1,
      semi_transparent: true,
      grayscale: false,
    });
  });

  it('keeps a PNG whose alpha is only 0 or 255 not semi-transparent after the shrink', async () => {
    const path = join(temp.path, 'hard-alpha.png');
    const disc = paint(1000, 800, (x, y) => (Math.hypot(x - 500, y - 400) < 350 ? [255, 0, 0, 255] : [0, 0, 0, 0]));
    await sharp(rawInput(disc).data, { raw: { width: 1000, height: 800, channels: 4 } })
      .png()
      .toFile(path);
    const result = await analyzeImage(path, { ...NONE, colors: true }, limits);
    expect(result.semi_transparent).toBe(false);
    expect(result.colors!.slice(0, 2).map(([hex]) => hex)).toEqual(['#00000000', '#FF0000FF']);
  });

  it('reads grey+alpha, 16-bit, CMYK, SVG and animated inputs as RGBA at most ANALYSIS_SIZE wide', async () => {
    const greyAlpha = join(temp.path, 'grey-alpha.png');
    await sharp(Buffer.alloc(40 * 30 * 2, 100), { raw: { width: 40, height: 30, channels: 2 } })
      .png()
      .toFile(greyAlpha);
    const deep = join(temp.path, 'deep.png');
    await sharp(image('gradients-rgb8.png')).png().toColourspace('rgb16').toFile(deep);
    const svg = join(temp.path, 'drawing.svg');
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300"><rect width="600" height="300" fill="#1d3557"/></svg>');
    for (const path of [greyAlpha, deep, image('Channel_digital_image_CMYK_color.jpg'), svg, image('2569067123_aca715a2ee_o.jpg')]) {
      const { pixels, width, height } = await decodeForAnalysis(path, limits);
      expect(pixels.channels).toBe(4);
      expect(Math.max(pixels.width, pixels.height)).toBeLessThanOrEqual(ANALYSIS_SIZE);
      expect(pixels.data.length).toBe(pixels.width * pixels.height * 4);
      expect(width * height).toBeGreaterThan(0);
    }
    const { colors } = await analyzeImage(svg, { ...NONE, colors: true }, limits);
    expect(colors).toEqual([['#1D3557', 100]]);
  });
});

describe('analyzeImage: limits and errors', () => {
  it('refuses the giant fixture as too_large before decoding', async () => {
    const error = await rejection(analyzeImage(image('giant-image.jpg'), ALL, limits));
    expect(error.kind).toBe('too_large');
  });

  it('refuses an image over a custom pixel limit', async () => {
    expect((await rejection(analyzeImage(image('4.webp'), ALL, { maxInputPixels: 1000, timeoutSeconds: 5 }))).kind).toBe('too_large');
  });

  it('refuses a header-only PNG bomb from its header', async () => {
    const path = await temp.file('bomb.png', pngHeaderOnly(100_000, 100_000));
    expect((await rejection(analyzeImage(path, ALL, limits))).kind).toBe('too_large');
  });

  it('calls a truncated JPEG and random bytes corrupt', async () => {
    const jpeg = await sharp(image('Crash_test.gif')).jpeg().toBuffer();
    const truncated = await temp.file('truncated.jpg', jpeg.subarray(0, Math.floor(jpeg.length / 2)));
    expect((await rejection(analyzeImage(truncated, ALL, limits))).kind).toBe('corrupt');
    const junk = await temp.file('junk.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]));
    expect((await rejection(analyzeImage(junk, ALL, limits))).kind).toBe('corrupt');
  });

  it('leaves a missing file a plain error (ours, retried)', async () => {
    const error = await analyzeImage(join(temp.path, 'missing.jpg'), ALL, limits).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MediaError);
  });
});

import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import { parseTransformation, projectPlan } from '@rendition/transform';
import sharp from 'sharp';
import type { Color as SharpColor, Sharp } from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeImagePlan } from '../src/image-executor.ts';
import type { ImageExecutionLimits } from '../src/image-executor.ts';
import { planOperations } from '../src/image-operations.ts';
import type { ImageTarget } from '../src/image-targets.ts';
import { MediaError } from '../src/media-error.ts';
import { animation, useTempDir } from './media-files.ts';

// Issue 19, item 4: every new effect and parameter run by the image executor on real or generated
// images, each checked by a pixel statistic that fails when the effect does nothing or the wrong thing.

const PHOTO = fixturePath('images/2569067123_aca715a2ee_o.jpg'); // 2725x2225
const BIRD = fixturePath('images/embedgravitybird.png'); // 576x384, alpha
const CMYK = fixturePath('images/Channel_digital_image_CMYK_color.jpg');

const LIMITS: ImageExecutionLimits = { maxInputPixels: 100_000_000, timeoutSeconds: 30, maxDimension: 10_000, maxOutputPixels: 50_000_000 };

const temp = useTempDir();
let counter = 0;

type Image = { data: Buffer; width: number; height: number; channels: number };
type Run = { path: string; width: number; height: number };

async function run(input: string, transformation: string, format: ImageTarget = 'png'): Promise<Run> {
  counter += 1;
  const path = join(temp.path, `out-${counter}.${format}`);
  const result = await executeImagePlan(input, path, parseTransformation(transformation), { format, limits: LIMITS });
  return { path, width: result.width, height: result.height };
}

async function pixels(path: string, alpha = false): Promise<Image> {
  const image = sharp(path);
  const { data, info } = await (alpha ? image.ensureAlpha() : image).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const at = (image: Image, x: number, y: number): number[] => {
  const offset = (y * image.width + x) * image.channels;
  return [...image.data.subarray(offset, offset + image.channels)];
};

/** Mean of each channel over a rectangle. */
function regionMean(image: Image, left: number, top: number, width: number, height: number): number[] {
  const sums = new Array<number>(image.channels).fill(0);
  for (let y = top; y < top + height; y += 1) for (let x = left; x < left + width; x += 1) at(image, x, y).forEach((v, c) => (sums[c]! += v));
  return sums.map((sum) => sum / (width * height));
}

const meanOf = async (path: string): Promise<number[]> => (await sharp(path).stats()).channels.map((c) => c.mean);
const stdevOf = async (path: string): Promise<number[]> => (await sharp(path).stats()).channels.map((c) => c.stdev);
const average = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

const png = (image: Sharp): Promise<Buffer> => image.png().toBuffer();
/** Composites come out with alpha: the opaque fixtures drop it, so they have 3 channels like a photo. */
const opaquePng = async (image: Sharp): Promise<Buffer> =>
  sharp(await image.png().toBuffer())
    .removeAlpha()
    .png()
    .toBuffer();
const solid = (width: number, height: number, background: SharpColor, channels: 3 | 4 = 3): Sharp =>
  sharp({ create: { width, height, channels, background } });

let small: string; // the photo at 400x300
let grey: string; // 200x100 of rgb(128,128,128)
let framed: string; // 300x200 white, a red 100x60 rectangle at (50,40)
let square: string; // 200x200 transparent, an opaque white 50x50 square at (50,50)
let halves: string; // 200x100: left half red, right half blue
let ramp: string; // 256x20 grey ramp, black on the left, white on the right
let quadrants: string; // 400x200 white, a red 100x50 rectangle centred

beforeAll(async () => {
  small = await temp.file('small.png', await png(sharp(PHOTO).resize(400, 300, { fit: 'fill' })));
  grey = await temp.file('grey.png', await png(solid(200, 100, { r: 128, g: 128, b: 128 })));
  framed = await temp.file(
    'framed.png',
    await opaquePng(
      solid(300, 200, '#ffffff').composite([{ input: { create: { width: 100, height: 60, channels: 3, background: '#ff0000' } }, left: 50, top: 40 }]),
    ),
  );
  square = await temp.file(
    'square.png',
    await png(
      solid(200, 200, { r: 0, g: 0, b: 0, alpha: 0 }, 4).composite([
        { input: { create: { width: 50, height: 50, channels: 4, background: '#ffffff' } }, left: 50, top: 50 },
      ]),
    ),
  );
  halves = await temp.file(
    'halves.png',
    await opaquePng(
      solid(200, 100, '#0000ff').composite([{ input: { create: { width: 100, height: 100, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }]),
    ),
  );
  const rampData = Buffer.alloc(256 * 20 * 3);
  for (let y = 0; y < 20; y += 1) for (let x = 0; x < 256; x += 1) rampData.fill(x, (y * 256 + x) * 3, (y * 256 + x) * 3 + 3);
  ramp = await temp.file('ramp.png', await png(sharp(rampData, { raw: { width: 256, height: 20, channels: 3 } })));
  quadrants = await temp.file(
    'centre.png',
    await opaquePng(
      solid(400, 200, '#ffffff').composite([{ input: { create: { width: 100, height: 50, channels: 3, background: '#ff0000' } }, left: 150, top: 75 }]),
    ),
  );
});

describe('e_trim', () => {
  it('removes a uniform border: exactly the inner rectangle is left', async () => {
    const out = await run(framed, 'e_trim');
    expect({ width: out.width, height: out.height }).toEqual({ width: 100, height: 60 });
    const image = await pixels(out.path);
    expect({ width: image.width, height: image.height }).toEqual({ width: 100, height: 60 });
    expect(regionMean(image, 0, 0, 100, 60)).toEqual([255, 0, 0]);
  });

  it('projects what follows on the trimmed size (same component and later ones)', async () => {
    const chained = await run(framed, 'e_trim/w_0.5', 'jpg');
    expect({ width: chained.width, height: chained.height }).toEqual({ width: 50, height: 30 });
    // The rest of the trimming component (here a border) runs on what was cut.
    const bordered = await run(framed, 'e_trim,bo_5px_solid_blue');
    expect({ width: bordered.width, height: bordered.height }).toEqual({ width: 110, height: 70 });
    expect(at(await pixels(bordered.path), 2, 2)).toEqual([0, 0, 255]);
    expect(at(await pixels(bordered.path), 55, 35)).toEqual([255, 0, 0]);
    // Sizing before the trim in the same component runs first: 150x100 with a 50x30 rectangle.
    const sized = await run(framed, 'w_150,e_trim');
    expect({ width: sized.width, height: sized.height }).toEqual({ width: 50, height: 30 });
  });

  it('keeps a uniform image, and trims nothing when the override colour is not the border', async () => {
    expect(await run(grey, 'e_trim')).toMatchObject({ width: 200, height: 100 });
    expect(await run(framed, 'e_trim:10:blue')).toMatchObject({ width: 300, height: 200 });
  });

  it('refuses what the trimmed size makes too large, as too_large', async () => {
    // A 4x100 line on a white 1000x100 canvas; scaled to 5000 wide it is 125000 pixels tall.
    const line = await temp.file(
      'line.png',
      await opaquePng(
        solid(1000, 100, '#ffffff').composite([
          { input: { create: { width: 4, height: 100, channels: 3, background: '#000000' } }, left: 500, top: 0 },
        ]),
      ),
    );
    const error = await run(line, 'e_trim/w_5000').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'too_large' });
  });

  it('cuts every frame of an animation alike', async () => {
    const frames = await Promise.all(
      [0, 1, 2].map((index) =>
        opaquePng(
          solid(60, 40, '#ffffff').composite([
            { input: { create: { width: 20, height: 10, channels: 3, background: { r: 200, g: index * 60, b: 0 } } }, left: 10, top: 5 },
          ]),
        ),
      ),
    );
    const gif = await temp.file(
      'framed.gif',
      await sharp(frames, { join: { animated: true } })
        .gif()
        .toBuffer(),
    );
    const out = await run(gif, 'e_trim', 'gif');
    const metadata = await sharp(out.path).metadata();
    expect({ width: metadata.width, height: metadata.height, pages: metadata.pages }).toEqual({ width: 20, height: 10, pages: 3 });
    expect(out).toMatchObject({ width: 20, height: 10 });
  });
});

describe('e_shadow', () => {
  it('adds dark pixels offset by x/y behind a transparent image', async () => {
    const image = await pixels((await run(square, 'co_black,e_shadow:100,x_30,y_30')).path, true);
    // (110,110): outside the square, inside the square moved by (30,30).
    const shadowed = at(image, 110, 110);
    expect(shadowed[3]).toBeGreaterThan(200);
    expect(shadowed[0]).toBeLessThan(40);
    expect(at(image, 75, 75)).toEqual([255, 255, 255, 255]); // the square itself, on top
    expect(at(image, 30, 30)[3]).toBe(0); // away from both
    // Negative offsets move it up and left.
    const left = await pixels((await run(square, 'co_black,e_shadow:100,x_-30,y_-30')).path, true);
    expect(at(left, 35, 35)[3]).toBeGreaterThan(200);
    expect(at(left, 110, 110)[3]).toBe(0);
  });

  it('uses strength as opacity and gray by default; an opaque image hides it', async () => {
    const faint = at(await pixels((await run(square, 'e_shadow:20,x_30,y_30')).path, true), 110, 110);
    expect(faint[3]).toBeGreaterThan(35);
    expect(faint[3]).toBeLessThan(70);
    expect(faint[0]).toBeGreaterThan(100); // gray, not black
    // The canvas keeps its size, so an opaque image hides its own shadow entirely.
    const opaque = await pixels((await run(small, 'e_shadow')).path);
    expect(opaque.data.equals((await pixels((await run(small, 'w_400')).path)).data)).toBe(true);
  });
});

describe('e_outline', () => {
  it('outer: a band of the width outside the shape, in co_', async () => {
    const image = await pixels((await run(square, 'co_red,e_outline:outer:5')).path, true);
    expect(at(image, 47, 75)).toEqual([255, 0, 0, 255]); // 3 px left of the square
    expect(at(image, 40, 75)[3]).toBe(0); // 10 px left
    expect(at(image, 75, 75)).toEqual([255, 255, 255, 255]); // the square untouched
    expect(at(image, 52, 75)).toEqual([255, 255, 255, 255]);
  });

  it('inner: inside the edge (the canvas edge of an opaque image too); no mode: both sides', async () => {
    const inner = await pixels((await run(square, 'co_red,e_outline:inner:5')).path, true);
    expect(at(inner, 52, 75)).toEqual([255, 0, 0, 255]);
    expect(at(inner, 47, 75)[3]).toBe(0);
    const both = await pixels((await run(square, 'co_red,e_outline:5')).path, true);
    expect(at(both, 52, 75)).toEqual([255, 0, 0, 255]);
    expect(at(both, 47, 75)).toEqual([255, 0, 0, 255]);
    const framedOpaque = await pixels((await run(grey, 'e_outline:inner:3')).path);
    expect(at(framedOpaque, 1, 50)).toEqual([0, 0, 0]); // default colour black, along the canvas edge
    expect(at(framedOpaque, 100, 50)).toEqual([128, 128, 128]);
  });

  it('fill modes paint the shape', async () => {
    expect(at(await pixels((await run(square, 'co_blue,e_outline:inner_fill')).path, true), 75, 75)).toEqual([0, 0, 255, 255]);
    const filled = await pixels((await run(square, 'co_blue,e_outline:fill:5')).path, true);
    expect(at(filled, 75, 75)).toEqual([0, 0, 255, 255]);
    expect(at(filled, 47, 75)).toEqual([0, 0, 255, 255]);
  });
});

describe('colour effects', () => {
  it('e_colorize with co_red raises the red mean and lowers the others; 100 paints the colour', async () => {
    const before = await meanOf(small);
    const after = await meanOf((await run(small, 'co_red,e_colorize:50')).path);
    expect(after[0]).toBeGreaterThan(before[0]! + 30);
    expect(after[2]).toBeLessThan(before[2]! - 20);
    const full = await pixels((await run(small, 'co_rgb:336699,e_colorize')).path);
    expect(regionMean(full, 0, 0, 400, 300).map(Math.round)).toEqual([0x33, 0x66, 0x99]);
  });

  it('e_gamma changes mid-grey as 255·(v/255)^(1/(1+level/100))', async () => {
    expect(at(await pixels((await run(grey, 'e_gamma:50')).path), 10, 10)).toEqual([161, 161, 161]);
    expect(at(await pixels((await run(grey, 'e_gamma:-50')).path), 10, 10)).toEqual([64, 64, 64]);
    expect(at(await pixels((await run(grey, 'e_gamma')).path), 10, 10)).toEqual([128, 128, 128]);
  });

  it('e_tint maps dark to the first colour and light to the last', async () => {
    const image = await pixels((await run(ramp, 'e_tint:100:red:blue')).path);
    const dark = at(image, 10, 10);
    const light = at(image, 245, 10);
    expect(dark[0]! - dark[2]!).toBeGreaterThan(150);
    expect(light[2]! - light[0]!).toBeGreaterThan(150);
    // Amount blends: 50 keeps half the grey.
    const half = at(await pixels((await run(ramp, 'e_tint:50:red:blue')).path), 245, 10);
    expect(half[1]).toBeGreaterThan(100);
    // The default tint (red at 60%) warms the mid-tones only.
    const mid = at(await pixels((await run(ramp, 'e_tint')).path), 128, 10);
    expect(mid[0]! - mid[2]!).toBeGreaterThan(60);
  });

  it('e_replace_color changes the target colour only', async () => {
    const image = await pixels((await run(halves, 'e_replace_color:green:50:red')).path);
    const left = regionMean(image, 0, 0, 100, 100);
    expect(left[1]).toBeGreaterThan(left[0]!);
    expect(left[1]).toBeGreaterThan(100);
    expect(regionMean(image, 100, 0, 100, 100)).toEqual([0, 0, 255]);
    // Without a source colour, the most prominent saturated one (here the larger red area) is replaced.
    const mostlyRed = await temp.file(
      'mostly-red.png',
      await opaquePng(
        solid(200, 100, '#ff0000').composite([
          { input: { create: { width: 40, height: 100, channels: 3, background: '#0000ff' } }, left: 160, top: 0 },
        ]),
      ),
    );
    const auto = await pixels((await run(mostlyRed, 'e_replace_color:green')).path);
    expect(regionMean(auto, 0, 0, 100, 100)[1]).toBeGreaterThan(100);
    expect(regionMean(auto, 170, 0, 30, 100)).toEqual([0, 0, 255]);
  });

  it('e_vignette darkens the corners more than the centre', async () => {
    const image = await pixels((await run(grey, 'e_vignette:60')).path);
    expect(at(image, 100, 50)).toEqual([128, 128, 128]);
    expect(at(image, 0, 0)[0]).toBeLessThan(70);
    const photo = await pixels((await run(small, 'e_vignette')).path);
    const original = await pixels(small);
    const ratio = (image: Image, left: number, top: number): number => average(regionMean(image, left, top, 20, 20));
    expect(ratio(photo, 0, 0) / ratio(original, 0, 0)).toBeLessThan(0.95);
    expect(ratio(photo, 190, 140) / ratio(original, 190, 140)).toBeGreaterThan(0.99);
  });

  it('e_gradient_fade fades the top half by default, x_/y_ pick the edge, symmetric both', async () => {
    const top = await pixels((await run(grey, 'e_gradient_fade')).path, true);
    expect(at(top, 100, 0)[3]).toBeLessThan(10);
    expect(at(top, 100, 25)[3]).toBeGreaterThan(100);
    expect(at(top, 100, 25)[3]).toBeLessThan(155);
    expect(at(top, 100, 60)[3]).toBe(255);
    const bottom = await pixels((await run(grey, 'e_gradient_fade,y_-0.3')).path, true);
    expect(at(bottom, 100, 99)[3]).toBeLessThan(10);
    expect(at(bottom, 100, 0)[3]).toBe(255);
    const sides = await pixels((await run(grey, 'e_gradient_fade:symmetric,x_40')).path, true);
    expect(at(sides, 0, 50)[3]).toBeLessThan(10);
    expect(at(sides, 199, 50)[3]).toBeLessThan(10);
    expect(at(sides, 100, 50)[3]).toBe(255);
    // A JPEG shows the fade against white.
    const jpg = await pixels((await run(grey, 'e_gradient_fade', 'jpg')).path);
    expect(at(jpg, 100, 0)[0]).toBeGreaterThan(240);
  });
});

describe('sharpness, statistics and artistic effects', () => {
  it('e_unsharp_mask raises the spread', async () => {
    expect(average(await stdevOf((await run(small, 'e_unsharp_mask:500')).path))).toBeGreaterThan(average(await stdevOf(small)) + 1);
  });

  it('e_auto_brightness brightens a dark image, e_auto_contrast spreads a flat one, e_auto_color removes a cast', async () => {
    const dark = await temp.file('dark.png', await png(sharp(small).linear(0.3, 0)));
    expect(average(await meanOf((await run(dark, 'e_auto_brightness')).path))).toBeGreaterThan(average(await meanOf(dark)) + 20);
    const flat = await temp.file('flat.png', await png(sharp(small).linear(0.3, 90)));
    expect(average(await stdevOf((await run(flat, 'e_auto_contrast')).path))).toBeGreaterThan(average(await stdevOf(flat)) * 2);
    expect(average(await stdevOf((await run(flat, 'e_auto_contrast:0')).path))).toBeCloseTo(average(await stdevOf(flat)), 5);
    // A grey ramp with its red halved: stretching each channel makes it grey again.
    const cast = await temp.file('cast.png', await png(sharp(ramp).linear([0.5, 1, 1], [0, 0, 0])));
    const before = await meanOf(cast);
    expect(before[1]! - before[0]!).toBeGreaterThan(50);
    const corrected = await meanOf((await run(cast, 'e_auto_color')).path);
    expect(Math.abs(corrected[0]! - corrected[1]!)).toBeLessThan(3);
    expect(average(await stdevOf((await run(flat, 'e_improve')).path))).toBeGreaterThan(average(await stdevOf(flat)) * 2);
    expect(average(await meanOf((await run(dark, 'e_improve:indoor')).path))).toBeGreaterThan(
      average(await meanOf((await run(dark, 'e_improve')).path)),
    );
  });

  it('e_oil_paint smooths fine detail', async () => {
    const noisy = await temp.file(
      'noisy.png',
      await png(
        sharp(Buffer.from(Array.from({ length: 100 * 100 * 3 }, (_, i) => ((i * 7919) % 97) * 2 + 30)), {
          raw: { width: 100, height: 100, channels: 3 },
        }),
      ),
    );
    expect(average(await stdevOf((await run(noisy, 'e_oil_paint')).path))).toBeLessThan(average(await stdevOf(noisy)) * 0.8);
  });

  it('e_cartoonify reduces the colours and draws dark lines at the edges', async () => {
    const count = async (path: string): Promise<number> => {
      const image = await pixels(path);
      const seen = new Set<number>();
      for (let i = 0; i < image.data.length; i += 3) seen.add((image.data[i]! << 16) | (image.data[i + 1]! << 8) | image.data[i + 2]!);
      return seen.size;
    };
    const out = await run(small, 'e_cartoonify');
    expect(await count(out.path)).toBeLessThan((await count(small)) / 5);
    const edges = await pixels((await run(framed, 'e_cartoonify:100')).path);
    expect(at(edges, 50, 70)).toEqual([0, 0, 0]); // the rectangle's left edge
    expect(at(edges, 100, 70)).not.toEqual([0, 0, 0]);
    const bw = await pixels((await run(small, 'e_cartoonify:50:bw')).path);
    for (let i = 0; i < bw.data.length; i += 3) expect(bw.data[i]).toBe(bw.data[i + 2]);
  });
});

describe('c_auto, g_auto:subject and z_', () => {
  const LIMITS_2D = { maxDimension: LIMITS.maxDimension, maxPixels: LIMITS.maxOutputPixels };
  const operations = (text: string, input: { width: number; height: number }) =>
    planOperations(parseTransformation(text), projectPlan(parseTransformation(text), input, LIMITS_2D), { input, hasAlpha: false, target: 'jpg' });

  it('c_auto delivers the exact size with sharp attention', async () => {
    const out = await run(PHOTO, 'c_auto,w_400,h_300', 'jpg');
    expect({ width: out.width, height: out.height }).toEqual({ width: 400, height: 300 });
    expect(await sharp(out.path).metadata()).toMatchObject({ width: 400, height: 300 });
    expect(operations('c_auto,w_400,h_300', { width: 2725, height: 2225 })).toEqual([
      { op: 'cover', width: 400, height: 300, position: { kind: 'attention' } },
    ]);
    expect(operations('c_fill,g_auto:subject,w_400,h_300', { width: 2725, height: 2225 })[0]).toMatchObject({ position: { kind: 'attention' } });
  });

  it('z_2 with c_crop yields the centre region, scaled back to the box', async () => {
    const zoomed = await pixels((await run(quadrants, 'c_crop,w_200,h_100,z_2')).path);
    expect({ width: zoomed.width, height: zoomed.height }).toEqual({ width: 200, height: 100 });
    expect(regionMean(zoomed, 0, 0, 200, 100).map(Math.round)).toEqual([255, 0, 0]);
    const plain = await pixels((await run(quadrants, 'c_crop,w_200,h_100')).path);
    expect(regionMean(plain, 0, 0, 200, 100)[1]).toBeGreaterThan(100);
  });

  it('z_ with c_thumb cuts tighter around the gravity, at the exact size', async () => {
    const red = async (text: string): Promise<number> => {
      const out = await run(quadrants, text);
      expect({ width: out.width, height: out.height }).toEqual({ width: 100, height: 100 });
      const image = await pixels(out.path);
      return 255 - regionMean(image, 0, 0, 100, 100)[1]!;
    };
    expect(await red('c_thumb,g_center,w_100,h_100,z_2')).toBeGreaterThan((await red('c_thumb,g_center,w_100,h_100')) * 1.5);
    expect(await red('c_thumb,g_auto,w_100,h_100,z_2')).toBeGreaterThan(100);
  });
});

describe('cs_, dl_ and flags', () => {
  it('cs_cmyk writes a CMYK jpg; a png stays sRGB', async () => {
    expect(await sharp((await run(small, 'cs_cmyk', 'jpg')).path).metadata()).toMatchObject({ space: 'cmyk', channels: 4 });
    expect((await sharp((await run(small, 'cs_cmyk', 'png')).path).metadata()).space).toBe('srgb');
  });

  it('cs_keep_cmyk keeps a CMYK source CMYK; cs_srgb and cs_no_cmyk convert it', async () => {
    expect((await sharp(CMYK).metadata()).space).toBe('cmyk');
    expect((await sharp((await run(CMYK, 'cs_keep_cmyk,w_100', 'jpg')).path).metadata()).space).toBe('cmyk');
    expect((await sharp((await run(small, 'cs_keep_cmyk', 'jpg')).path).metadata()).space).toBe('srgb');
    expect((await sharp((await run(CMYK, 'cs_no_cmyk,w_100', 'jpg')).path).metadata()).space).toBe('srgb');
    expect((await sharp((await run(CMYK, 'cs_srgb,w_100', 'jpg')).path).metadata()).space).toBe('srgb');
  });

  it('cs_tinysrgb embeds a small sRGB profile; the default embeds none; cs_copy keeps the source profile', async () => {
    const tiny = (await sharp((await run(small, 'cs_tinysrgb', 'jpg')).path).metadata()).icc;
    expect(tiny).toBeDefined();
    expect(tiny!.length).toBeLessThan(5000);
    expect((await sharp((await run(small, 'w_100', 'jpg')).path).metadata()).icc).toBeUndefined();
    const source = (await sharp(CMYK).metadata()).icc;
    if (source !== undefined) expect((await sharp((await run(CMYK, 'cs_copy,w_100', 'jpg')).path).metadata()).icc).toBeDefined();
  });

  it('dl_ sets the delay of every frame of an animated GIF', async () => {
    const gif = await temp.file('anim.gif', await animation('gif', 3));
    const out = await run(gif, 'dl_200', 'gif');
    expect((await sharp(out.path).metadata()).delay).toEqual([200, 200, 200]);
    const kept = await run(gif, 'w_20', 'gif');
    expect((await sharp(kept.path).metadata()).delay).toEqual((await sharp(gif).metadata()).delay);
  });

  it('fl_preserve_transparency keeps alpha with f_auto and q_auto (webp, avif: what f_auto picks; png)', async () => {
    for (const format of ['webp', 'avif', 'png'] as const) {
      const out = await run(square, 'fl_preserve_transparency,q_auto', format);
      expect((await sharp(out.path).metadata()).hasAlpha, format).toBe(true);
    }
  });

  it('fl_any_format, fl_clip and dn_ change nothing of a raster image', async () => {
    const reference = await pixels((await run(small, 'w_200')).path);
    for (const text of ['fl_any_format,w_200', 'fl_clip,w_200', 'dn_300,w_200']) {
      const image = await pixels((await run(small, text)).path);
      expect(image.data.equals(reference.data), text).toBe(true);
    }
  });
});

describe('any input, never a 500', () => {
  it('runs every kernel on a grey, a 16-bit and an alpha input', async () => {
    const greyscale = await temp.file('grey1.png', await png(sharp(small).greyscale()));
    const deep = await temp.file('deep.png', await sharp(small).toColourspace('rgb16').png().toBuffer());
    const effects = [
      'e_vignette',
      'e_gamma:30',
      'e_shadow',
      'e_outline',
      'e_tint',
      'e_replace_color:red',
      'e_gradient_fade',
      'e_auto_color',
      'e_improve',
      'e_cartoonify',
      'e_colorize',
      'e_oil_paint',
      'e_unsharp_mask',
      'e_trim',
    ];
    for (const input of [greyscale, deep, BIRD]) {
      for (const effect of effects) {
        const out = await run(input, `w_120,${effect}`, 'jpg');
        expect(out.width, `${effect} on ${input}`).toBeGreaterThan(0);
      }
    }
  });
});

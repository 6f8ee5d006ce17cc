import { join } from 'node:path';
import { ApiError } from '@rendition/protocol';
import { fixturePath } from '@rendition/testing';
import { parseTransformation } from '@rendition/transform';
import type { AssetLayerSource, FetchLayerSource } from '@rendition/transform';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageExecutionLimits } from '../../src/image-executor.ts';
import { executeImagePlan } from '../../src/image-executor.ts';
import type { ImageTarget } from '../../src/image-targets.ts';
import type { LayerInputs } from '../../src/layers/layer-inputs.ts';
import { MediaError } from '../../src/media-error.ts';
import { animation, useTempDir } from '../media-files.ts';

const BIRD = fixturePath('images/embedgravitybird.png'); // 576x384 (an alpha channel, all opaque)
const LIMITS: ImageExecutionLimits = { maxInputPixels: 10_000_000, timeoutSeconds: 30, maxDimension: 4000, maxOutputPixels: 4_000_000 };

const RED = [255, 0, 0, 255];
const WHITE = [255, 255, 255, 255];
const BLUE = [0, 0, 255, 255];
const GREEN = [0, 255, 0, 255];
const CLEAR = [0, 0, 0, 0];

const temp = useTempDir();
/** Layer sources by public_id (and the fetch URL's last path element): their files. */
const files: Record<string, string> = {};
const inputs: LayerInputs = {
  fileFor: async (source: AssetLayerSource | FetchLayerSource) => {
    const name = source.kind === 'asset' ? source.publicId : source.url.slice(source.url.lastIndexOf('/') + 1);
    const file = files[name];
    if (file === undefined) throw new ApiError(400, `Overlay image not found - ${name}`);
    return file;
  },
};

const solid = (width: number, height: number, [r, g, b, alpha]: number[]): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 4, background: { r: r!, g: g!, b: b!, alpha: alpha! / 255 } } })
    .png()
    .toBuffer();

/** A width×height RGBA image: `paint(x, y)` gives each pixel. */
const painted = (width: number, height: number, paint: (x: number, y: number) => number[]): Promise<Buffer> => {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) data.set(paint(x, y), (y * width + x) * 4);
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
};

let white: string; // 200x100 opaque white, no alpha channel (as a JPEG-born photo would be)
let counter = 0;

beforeAll(async () => {
  white = await temp.file(
    'white.png',
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer(),
  );
  files.red = await temp.file('red.png', await solid(20, 20, RED));
  files.blue_big = await temp.file('blue.png', await solid(300, 300, BLUE));
  // top-left 10x10 red, the rest transparent: one tile of a pattern
  files.corner = await temp.file('corner.png', await painted(20, 20, (x, y) => (x < 10 && y < 10 ? RED : CLEAR)));
  // left half opaque, right half transparent
  files.half = await temp.file('half.png', await painted(20, 20, (x) => (x < 10 ? RED : CLEAR)));
  files.bird = BIRD;
});

type Pixels = { data: Buffer; width: number; height: number; channels: number };

async function run(base: string, transformation: string, format: ImageTarget = 'png', layers: LayerInputs | null = inputs): Promise<Pixels> {
  counter += 1;
  const path = join(temp.path, `out-${counter}.${format}`);
  const result = await executeImagePlan(base, path, parseTransformation(transformation), { format, limits: LIMITS, ...(layers ? { layers } : {}) });
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([result.width, result.height]).toEqual([info.width, info.height]);
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const pixel = (image: Pixels, x: number, y: number): number[] => {
  const offset = (y * image.width + x) * image.channels;
  return [...image.data.subarray(offset, offset + image.channels)];
};
const near = (actual: number[], expected: number[], tolerance = 2): void => {
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance));
};

describe('overlays', () => {
  it('puts a 20x20 overlay at g_north_east,x_10,y_5: its pixels red, the ones just outside white', async () => {
    const out = await run(white, 'l_red,g_north_east,x_10,y_5');
    expect([out.width, out.height]).toEqual([200, 100]);
    for (const [x, y] of [
      [170, 5],
      [189, 5],
      [170, 24],
      [189, 24],
      [180, 15],
    ] as const)
      expect(pixel(out, x, y), `${x},${y}`).toEqual(RED);
    for (const [x, y] of [
      [169, 5],
      [190, 5],
      [170, 4],
      [170, 25],
      [0, 0],
      [199, 99],
    ] as const)
      expect(pixel(out, x, y), `${x},${y}`).toEqual(WHITE);
  });

  it("runs the layer's own components: w_50,c_scale,o_50 is a 50x50 half-transparent red square", async () => {
    const out = await run(white, 'l_red,w_50,c_scale,o_50,g_north_west');
    near(pixel(out, 25, 25), [255, 128, 128, 255]);
    near(pixel(out, 49, 49), [255, 128, 128, 255]);
    expect(pixel(out, 50, 25)).toEqual(WHITE);
    expect(pixel(out, 25, 50)).toEqual(WHITE);
  });

  it("places by fl_layer_apply, with the components between as the layer's own", async () => {
    const out = await run(white, 'l_red,w_40,h_10,c_scale/e_negate/fl_layer_apply,g_south,y_0.1');
    // 40x10, centred along the bottom, 10 px (0.1 of 100) up; negated red is cyan
    for (const [x, y] of [
      [80, 80],
      [119, 89],
    ] as const)
      expect(pixel(out, x, y), `${x},${y}`).toEqual([0, 255, 255, 255]);
    for (const [x, y] of [
      [79, 85],
      [120, 85],
      [100, 79],
      [100, 90],
    ] as const)
      expect(pixel(out, x, y), `${x},${y}`).toEqual(WHITE);
  });

  it('sizes with fl_relative,w_0.5 as half the base image, not half the layer', async () => {
    const out = await run(white, 'l_red,w_0.5,fl_relative');
    expect([out.width, out.height]).toEqual([200, 100]);
    for (const [x, y] of [
      [50, 0],
      [149, 99],
      [100, 50],
    ] as const)
      expect(pixel(out, x, y), `${x},${y}`).toEqual(RED);
    for (const [x, y] of [
      [49, 50],
      [150, 50],
    ] as const)
      expect(pixel(out, x, y), `${x},${y}`).toEqual(WHITE);
    // without the flag, w_0.5 is half of the 20 px layer
    const own = await run(white, 'l_red,w_0.5,g_north_west');
    expect(pixel(own, 9, 9)).toEqual(RED);
    expect(pixel(own, 10, 10)).toEqual(WHITE);
  });

  it('composes a real photo as the overlay, scaled and clipped by fl_no_overflow, pixel for pixel', async () => {
    const out = await run(white, 'l_bird,w_200,c_scale,fl_no_overflow,g_north_west');
    expect([out.width, out.height]).toEqual([200, 100]);
    // The same bird (200x133), its top 100 rows, over white: what the layer must look like.
    const bird = await sharp(BIRD).resize(200, 133, { fit: 'fill' }).extract({ left: 0, top: 0, width: 200, height: 100 }).png().toBuffer();
    const expected = await sharp(white)
      .composite([{ input: bird }])
      .ensureAlpha()
      .raw()
      .toBuffer();
    let worst = 0;
    for (let index = 0; index < expected.length; index += 1) worst = Math.max(worst, Math.abs(expected[index]! - out.data[index]!));
    expect(worst).toBeLessThanOrEqual(3);
    // and it is the photo, not the white base
    expect((await sharp(out.data, { raw: { width: 200, height: 100, channels: 4 } }).stats()).channels[0]!.stdev).toBeGreaterThan(10);
  });

  it('extends the canvas for an overflowing overlay (transparent), but not with fl_no_overflow', async () => {
    const grown = await run(white, 'l_red,g_north_west,x_-10,y_-5');
    expect([grown.width, grown.height]).toEqual([210, 105]);
    expect(pixel(grown, 0, 0)).toEqual(RED);
    expect(pixel(grown, 19, 19)).toEqual(RED);
    expect(pixel(grown, 20, 20)).toEqual(WHITE); // the base, moved to 10,5
    expect(pixel(grown, 209, 104)).toEqual(WHITE);
    expect(pixel(grown, 5, 50)).toEqual(CLEAR); // new canvas the layer does not cover
    expect(pixel(grown, 100, 2)).toEqual(CLEAR);

    const clipped = await run(white, 'l_red,g_north_west,x_-10,y_-5,fl_no_overflow');
    expect([clipped.width, clipped.height]).toEqual([200, 100]);
    expect(pixel(clipped, 0, 0)).toEqual(RED);
    expect(pixel(clipped, 9, 14)).toEqual(RED);
    expect(pixel(clipped, 10, 0)).toEqual(WHITE);
    expect(pixel(clipped, 0, 15)).toEqual(WHITE);
  });

  it('fills the grown canvas with white in a JPEG', async () => {
    const out = await run(white, 'l_red,g_west,x_-10', 'jpg');
    expect([out.width, out.height]).toEqual([210, 100]);
    near(pixel(out, 5, 5), WHITE, 3);
    near(pixel(out, 5, 50), [254, 0, 0, 255], 4);
  });

  it('repeats a fl_tiled overlay over the whole image from its top-left corner', async () => {
    const base = await temp.file(
      'white-210.png',
      await sharp({ create: { width: 210, height: 100, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    const out = await run(base, 'l_corner,fl_tiled,g_south_east,x_3');
    expect([out.width, out.height]).toEqual([210, 100]);
    for (let ty = 0; ty < 100; ty += 20) {
      for (let tx = 0; tx < 210; tx += 20) {
        expect(pixel(out, tx + 5, ty + 5), `tile ${tx},${ty}`).toEqual(RED);
        if (tx + 15 < 210) expect(pixel(out, tx + 15, ty + 15), `tile ${tx},${ty}`).toEqual(WHITE);
      }
    }
  });

  it("cuts the image to the overlay's alpha with fl_cutter; outside the overlay it becomes transparent", async () => {
    const out = await run(white, 'l_half,g_north_west,x_5,y_5,fl_cutter');
    expect([out.width, out.height]).toEqual([200, 100]);
    expect(pixel(out, 5, 5)).toEqual(WHITE);
    expect(pixel(out, 14, 24)).toEqual(WHITE);
    expect(pixel(out, 15, 5)[3]).toBe(0); // the overlay's transparent half
    expect(pixel(out, 4, 5)[3]).toBe(0); // outside the overlay
    expect(pixel(out, 100, 50)[3]).toBe(0);
  });

  it('composes a layer inside a layer, and what follows the layer applies to the whole result', async () => {
    const out = await run(white, 'l_blue_big,w_100,h_50,c_scale/l_red/fl_layer_apply,g_north_east/fl_layer_apply,g_south_west/e_negate');
    // blue 100x50 at 0,50 with red 20x20 in its top-right corner (80..99, 50..69), all negated
    expect(pixel(out, 10, 90)).toEqual([255, 255, 0, 255]);
    expect(pixel(out, 90, 60)).toEqual([0, 255, 255, 255]);
    expect(pixel(out, 150, 20)).toEqual([0, 0, 0, 255]);
  });

  it('applies the overlay to every frame of an animated GIF', async () => {
    const gif = await temp.file('anim.gif', await animation('gif', 3, 40, 30));
    counter += 1;
    const path = join(temp.path, `out-${counter}.gif`);
    await executeImagePlan(gif, path, parseTransformation('l_red,g_north_west'), { format: 'gif', limits: LIMITS, layers: inputs });
    const { data, info } = await sharp(path, { animated: true }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.pages).toBe(3);
    const frame = 40 * 30 * 4;
    for (let index = 0; index < 3; index += 1) {
      near([...data.subarray(index * frame, index * frame + 4)], RED, 4);
      near([...data.subarray(index * frame + (25 * 40 + 30) * 4, index * frame + (25 * 40 + 30) * 4 + 4)], [(index * 80) % 256, 40, 90, 255], 6);
    }
  });
});

describe('text layers', () => {
  /** The box of the pixels `matches` picks: [left, top, right, bottom] (inclusive), or null when none. */
  const box = (image: Pixels, matches: (rgba: number[]) => boolean): number[] | null => {
    let found: number[] | null = null;
    for (let y = 0; y < image.height; y += 1) {
      for (let x = 0; x < image.width; x += 1) {
        if (!matches(pixel(image, x, y))) continue;
        found = found === null ? [x, y, x, y] : [Math.min(found[0]!, x), Math.min(found[1]!, y), Math.max(found[2]!, x), Math.max(found[3]!, y)];
      }
    }
    return found;
  };
  const inked = ([r, g, b]: number[]): boolean => r! < 200 || g! < 200 || b! < 200;

  it('renders the text in co_ and places it like any layer', async () => {
    const base = await temp.file(
      'white-300.png',
      await sharp({ create: { width: 300, height: 100, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    const out = await run(base, 'l_text:Arial_40_bold:Hello,co_red,g_north_west,x_5,y_5');
    expect([out.width, out.height]).toEqual([300, 100]);
    const ink = box(out, inked);
    const red = box(out, ([r, g, b]) => r! > 200 && g! < 60 && b! < 60);
    expect(ink).not.toBeNull();
    expect(red).not.toBeNull();
    expect(ink![0]).toBeGreaterThanOrEqual(5);
    expect(ink![1]).toBeGreaterThanOrEqual(5);
    expect(ink![2]).toBeLessThan(150);
  });

  it('wraps at the width of c_fit,w_ instead of scaling the text', async () => {
    const base = await temp.file(
      'white-300b.png',
      await sharp({ create: { width: 300, height: 100, channels: 3, background: '#fff' } })
        .png()
        .toBuffer(),
    );
    const one = box(await run(base, 'l_text:Arial_20:Hello%20world%20this%20wraps,g_north_west'), inked)!;
    const wrapped = box(await run(base, 'l_text:Arial_20:Hello%20world%20this%20wraps,c_fit,w_60,g_north_west'), inked)!;
    expect(wrapped[2]! - wrapped[0]! + 1).toBeLessThanOrEqual(60);
    expect(wrapped[3]! - wrapped[1]!).toBeGreaterThan(3 * (one[3]! - one[1]!));
  });
});

describe('underlays', () => {
  it('puts the image over the underlay, growing the canvas to hold it', async () => {
    const base = await temp.file('green-half.png', await painted(200, 100, (x) => (x < 100 ? GREEN : CLEAR)));
    const out = await run(base, 'u_blue_big');
    expect([out.width, out.height]).toEqual([300, 300]);
    // the base lies centred at 50,100
    expect(pixel(out, 60, 110)).toEqual(GREEN);
    expect(pixel(out, 200, 110)).toEqual(BLUE); // through the base's transparent half
    expect(pixel(out, 10, 10)).toEqual(BLUE);
    expect(pixel(out, 149, 199)).toEqual(GREEN);
    expect(pixel(out, 150, 199)).toEqual(BLUE);
  });

  it('stays under an opaque image', async () => {
    const out = await run(white, 'u_red,g_north_west');
    expect(pixel(out, 5, 5)).toEqual(WHITE);
  });
});

describe('refusals', () => {
  it('needs the layer files', async () => {
    const error: unknown = await run(white, 'l_red', 'png', null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'unsupported', message: 'Layers of other images are not available here: l_red' });
  });

  it("passes the loader's refusal on", async () => {
    await expect(run(white, 'l_missing')).rejects.toMatchObject({ status: 400, message: 'Overlay image not found - missing' });
  });

  it('refuses video-only parameters and pg_ inside a layer', async () => {
    await expect(run(white, 'l_red/so_2/fl_layer_apply')).rejects.toMatchObject({
      status: 400,
      message: 'Invalid transformation for an image - video only: so_2',
    });
    await expect(run(white, 'l_red,pg_2')).rejects.toMatchObject({
      status: 400,
      message: 'Unsupported transformation parameter - pg_2 inside a layer: a layer shows its first page or frame',
    });
  });

  it('refuses a layer or a grown canvas beyond the output limits before decoding', async () => {
    await expect(run(white, 'l_red,w_5000')).rejects.toMatchObject({
      kind: 'too_large',
      message: 'Requested output of 5000x5000 exceeds the maximum of 4000 pixels per side',
    });
    await expect(run(white, 'l_red,x_5000')).rejects.toMatchObject({
      kind: 'too_large',
      message: 'Requested output of 5110x100 exceeds the maximum of 4000 pixels per side',
    });
  });

  it("counts the layers' pixels against the input limit", async () => {
    counter += 1;
    const path = join(temp.path, `out-${counter}.png`);
    const small = { ...LIMITS, maxInputPixels: 100_000 };
    const error = await executeImagePlan(white, path, parseTransformation('u_blue_big/l_blue_big,w_10'), {
      format: 'png',
      limits: small,
      layers: inputs,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'too_large', message: 'Layers of 180000 pixels together exceed the limit of 100000 pixels' });
  });
});

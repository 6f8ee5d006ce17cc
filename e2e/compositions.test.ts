import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfinfo, startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The multi-asset Upload API actions through the official Node SDK (docs/compositions.md): multi
// (animated GIF, animated WebP, PDF), explode (an animated GIF's frames, a PDF's pages), generate_sprite
// (image, CSS and JSON that agree with each other), text; synchronous and asynchronous with their
// notifications, delivery of what they make, and bad input.

type Result = Record<string, unknown>;

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let work: string;
const run = randomBytes(3).toString('hex');
const tag = `comp-${run}`;
/** Uploaded in this order, composed in public_id order: a, b, c. */
const images = [
  { id: `${tag}/c`, width: 50, height: 50, seed: 3 },
  { id: `${tag}/a`, width: 60, height: 40, seed: 1 },
  { id: `${tag}/b`, width: 40, height: 60, seed: 2 },
];
const ordered = [...images].sort((one, two) => (one.id < two.id ? -1 : 1));

/** A PNG with a different solid colour in each quadrant: a misplaced, mirrored or reordered image shows. */
async function quadrants(width: number, height: number, seed: number): Promise<Buffer> {
  const half = { width: Math.ceil(width / 2), height: Math.ceil(height / 2) };
  const colour = (index: number) => ({
    r: (seed * 70 + index * 50) % 256,
    g: (seed * 30 + index * 90) % 256,
    b: (index * 60 + seed * 20) % 256,
    alpha: 1,
  });
  const tiles = await Promise.all(
    [0, 1, 2, 3].map(async (index) => ({
      input: await sharp({ create: { ...half, channels: 4, background: colour(index) } })
        .png()
        .toBuffer(),
      left: index % 2 === 0 ? 0 : width - half.width,
      top: index < 2 ? 0 : height - half.height,
    })),
  );
  return sharp({ create: { width, height, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } })
    .composite(tiles)
    .png()
    .toBuffer();
}

async function download(url: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

async function delivered(url: string): Promise<Buffer> {
  const { status, body } = await download(url);
  expect(status, url).toBe(200);
  return body;
}

/** An image as RGBA pixels. */
async function rgba(input: Buffer, page = 0) {
  return sharp(input, { page }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
}

/** The mean absolute difference of two equally sized RGBA images, per channel value. */
function difference(one: Buffer, two: Buffer): number {
  expect(one.length).toBe(two.length);
  let sum = 0;
  for (let index = 0; index < one.length; index += 1) sum += Math.abs(one[index]! - two[index]!);
  return sum / one.length;
}

const deliveryUrl = (type: string, transformation: string, publicId: string) =>
  `${cluster.baseUrl}/${cluster.cloud}/image/${type}/${transformation === '' ? '' : `${transformation}/`}${publicId}`;

function notifications(path: string): Result[] {
  return receiver.received.filter((webhook) => webhook.path === path).map((webhook) => JSON.parse(webhook.body) as Result);
}

async function notification(path: string): Promise<Result> {
  const deadline = Date.now() + 20_000;
  while (notifications(path).length === 0) {
    if (Date.now() > deadline) throw new Error(`no notification on ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return notifications(path)[0]!;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-compositions-e2e-'));
  receiver = await startWebhookReceiver();
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' });
  cloudinary = sdkFor(cluster);
  for (const image of images) {
    const path = join(work, `${image.seed}.png`);
    await writeFile(path, await quadrants(image.width, image.height, image.seed));
    await cloudinary.uploader.upload(path, { public_id: image.id, tags: [tag] });
  }
  const frames = await Promise.all([0, 1, 2].map((seed) => quadrants(30, 20, seed + 5)));
  const gif = join(work, 'animated.gif');
  await sharp(frames, { join: { animated: true } })
    .gif({ delay: [100, 100, 100] })
    .toFile(gif);
  await cloudinary.uploader.upload(gif, { public_id: `${tag}-animated` });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('multi', () => {
  it('makes one animated GIF of the tagged images, in public_id order, each after the transformation, delivered at its URL', async () => {
    const result = (await cloudinary.uploader.multi(tag, { transformation: { crop: 'fill', width: 40, height: 30 } })) as Result;
    expect(result).toMatchObject({ public_id: tag, format: 'gif', pages: 3, width: 40, height: 30, type: 'multi' });
    expect(typeof result.version).toBe('number');
    expect(result.url).toBe(`${cluster.baseUrl}/${cluster.cloud}/image/multi/c_fill,h_30,w_40/v${result.version}/${tag}.gif`);
    expect(String(result.secure_url)).toMatch(new RegExp(`/image/multi/c_fill,h_30,w_40/v${result.version}/${tag}\\.gif$`));

    const gif = await delivered(String(result.url));
    const metadata = await sharp(gif, { animated: true }).metadata();
    expect(metadata).toMatchObject({ format: 'gif', pages: 3, width: 40, pageHeight: 30 });
    for (const [index, image] of ordered.entries()) {
      const frame = await rgba(gif, index);
      const source = await rgba(await delivered(deliveryUrl('upload', 'c_fill,h_30,w_40', `${image.id}.png`)));
      expect(difference(frame.data, source.data), image.id).toBeLessThan(3);
    }
    // Untransformed, and transformed again, at the multi's own URLs.
    const plain = await delivered(deliveryUrl('multi', '', `v${result.version}/${tag}.gif`));
    expect(await sharp(plain, { animated: true }).metadata()).toMatchObject({ pages: 3, width: 40, pageHeight: 30 });
    const smaller = await delivered(deliveryUrl('multi', 'w_20', `${tag}.gif`));
    expect(await sharp(smaller, { animated: true }).metadata()).toMatchObject({ pages: 3, width: 20, pageHeight: 15 });
  });

  it('makes an animated WebP asynchronously and notifies its result', async () => {
    const hook = `${receiver.url}/multi-webp`;
    const pending = (await cloudinary.uploader.multi(tag, { format: 'webp', width: 30, crop: 'scale', async: true, notification_url: hook })) as Result;
    expect(pending).toMatchObject({ status: 'pending', public_id: tag, type: 'multi', resource_type: 'image' });
    expect(pending.batch_id).toMatch(/^[0-9a-f]{64}$/);
    const body = await notification('/multi-webp');
    expect(body).toMatchObject({ notification_type: 'upload', public_id: tag, format: 'webp', pages: 3 });
    expect(String(body.url)).toMatch(/\/image\/multi\/c_scale,w_30\/v\d+\/comp-[0-9a-f]+\.webp$/);
    const webp = await delivered(String(body.url));
    expect(await sharp(webp, { animated: true }).metadata()).toMatchObject({ format: 'webp', pages: 3, width: 30 });
  });

  it('makes a PDF, one page per image at its transformed size', async () => {
    const result = (await cloudinary.uploader.multi(tag, { format: 'pdf', width: 30, height: 20, crop: 'fill' })) as Result;
    expect(result).toMatchObject({ public_id: tag, format: 'pdf', pages: 3 });
    expect(result.url).toBe(`${cluster.baseUrl}/${cluster.cloud}/image/multi/v${result.version}/${tag}.pdf`);
    const { type, body } = await download(String(result.url));
    expect(type).toBe('application/pdf');
    const path = join(work, 'multi.pdf');
    await writeFile(path, body);
    expect(await pdfinfo(path)).toEqual({ pages: 3, width: 30, height: 20 });
  });

  it('answers an unknown tag with a 404, and a format it cannot write with a 400', async () => {
    expect(await sdkRefusal(cloudinary.uploader.multi(`${tag}-nothing`))).toMatchObject({
      http_code: 404,
      message: `No images found with tag ${tag}-nothing`,
    });
    expect(await sdkRefusal(cloudinary.uploader.multi(tag, { format: 'mp4' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('mp4'),
    });
  });
});

describe('explode', () => {
  it('derives every frame of an animated GIF, notified as the eager list of its batch', async () => {
    const hook = `${receiver.url}/explode-gif`;
    const answer = (await cloudinary.uploader.explode(`${tag}-animated`, {
      page: 'all',
      width: 15,
      crop: 'scale',
      format: 'png',
      notification_url: hook,
    })) as Result;
    expect(answer).toEqual({ status: 'processing', batch_id: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const body = await notification('/explode-gif');
    expect(body).toMatchObject({ notification_type: 'eager', batch_id: answer.batch_id, public_id: `${tag}-animated` });
    const items = body.eager as Result[];
    expect(items.map((item) => item.transformation)).toEqual(['c_scale,pg_1,w_15', 'c_scale,pg_2,w_15', 'c_scale,pg_3,w_15']);
    const frames = await Promise.all([0, 1, 2].map((seed) => quadrants(30, 20, seed + 5)));
    for (const [index, item] of items.entries()) {
      expect(item).toMatchObject({ width: 15, height: 10, format: 'png' });
      const page = await rgba(await delivered(String(item.url)));
      const expected = await sharp(frames[index]!).resize({ width: 15 }).ensureAlpha().raw().toBuffer();
      expect(difference(page.data, expected)).toBeLessThan(12);
    }
  });

  it('derives every page of a PDF (the multi one)', async () => {
    const hook = `${receiver.url}/explode-pdf`;
    await cloudinary.uploader.multi(tag, { format: 'pdf', width: 30, height: 20, crop: 'fill' });
    await cloudinary.uploader.explode(tag, { type: 'multi', page: 'all', format: 'jpg', notification_url: hook });
    const body = await notification('/explode-pdf');
    const items = body.eager as Result[];
    expect(items).toHaveLength(3);
    for (const item of items) {
      expect(item).toMatchObject({ width: 30, height: 20, format: 'jpg' });
      expect(String(item.url)).toMatch(new RegExp(`/image/multi/pg_\\d/v\\d+/${tag}\\.jpg$`));
      expect((await sharp(await delivered(String(item.url))).metadata()).format).toBe('jpeg');
    }
  });

  it('refuses a transformation without pg_all and an unknown asset', async () => {
    expect(await sdkRefusal(cloudinary.uploader.explode(`${tag}-animated`, { width: 10 }))).toMatchObject({
      http_code: 400,
      message: 'Explode requires a transformation with pg_all',
    });
    expect(await sdkRefusal(cloudinary.uploader.explode(`${tag}-missing`, { page: 'all' }))).toMatchObject({ http_code: 404 });
  });
});

describe('generate_sprite', () => {
  it('lays the images out with a CSS and a JSON whose offsets match the sprite', async () => {
    const result = (await cloudinary.uploader.generate_sprite(tag, { transformation: { width: 0.5, crop: 'scale' } })) as Result;
    const version = Number(result.version);
    expect(result).toMatchObject({
      public_id: tag,
      image_url: `${cluster.baseUrl}/${cluster.cloud}/image/sprite/c_scale,w_0.5/v${version}/${tag}.png`,
      css_url: `${cluster.baseUrl}/${cluster.cloud}/image/sprite/c_scale,w_0.5/v${version}/${tag}.css`,
      json_url: `${cluster.baseUrl}/${cluster.cloud}/image/sprite/c_scale,w_0.5/v${version}/${tag}.json`,
    });
    for (const key of ['secure_image_url', 'secure_css_url', 'secure_json_url']) expect(typeof result[key]).toBe('string');
    const infos = result.image_infos as Record<string, { width: number; height: number; x: number; y: number }>;
    expect(Object.keys(infos)).toEqual(ordered.map((image) => image.id));

    const css = await download(String(result.css_url));
    expect(css.type).toMatch(/^text\/css/);
    const rules = [
      ...css.body.toString('utf8').matchAll(/^\.(\S+) \{ background-position: (-?\d+)px (-?\d+)px; width: (\d+)px; height: (\d+)px; \}$/gm),
    ];
    expect(rules).toHaveLength(3);
    const json = JSON.parse((await delivered(String(result.json_url))).toString('utf8')) as unknown;
    expect(json).toEqual(infos);

    const sprite = await delivered(String(result.image_url));
    for (const [, escaped, x, y, width, height] of rules) {
      const publicId = escaped!.replace(/\\(.)/g, '$1');
      // background-position is the negated offset (`0px`, never `-0px`).
      const box = { left: Math.abs(Number(x)), top: Math.abs(Number(y)), width: Number(width), height: Number(height) };
      expect([Number(x), Number(y)].every((position) => position <= 0)).toBe(true);
      expect(infos[publicId]).toEqual({ x: box.left, y: box.top, width: box.width, height: box.height });
      const cut = await sharp(sprite).extract(box).ensureAlpha().raw().toBuffer();
      const source = await rgba(await delivered(deliveryUrl('upload', 'c_scale,w_0.5', `${publicId}.png`)));
      expect([source.info.width, source.info.height]).toEqual([box.width, box.height]);
      expect(cut.equals(source.data), publicId).toBe(true);
    }
    // The sprite without the transformation in its URL is the same file.
    expect((await delivered(deliveryUrl('sprite', '', `v${version}/${tag}.png`))).equals(sprite)).toBe(true);
  });

  it('runs asynchronously with a notification', async () => {
    const hook = `${receiver.url}/sprite`;
    const pending = (await cloudinary.uploader.generate_sprite(tag, { format: 'jpg', async: true, notification_url: hook })) as Result;
    expect(pending).toMatchObject({ status: 'pending', public_id: tag, type: 'sprite' });
    const body = await notification('/sprite');
    expect(String(body.image_url)).toMatch(/\/image\/sprite\/f_jpg\/v\d+\/comp-[0-9a-f]+\.jpg$/);
    expect(Object.keys(body.image_infos as object)).toHaveLength(3);
    expect((await sharp(await delivered(String(body.image_url))).metadata()).format).toBe('jpeg');
  });

  it('composes the images of a list of URLs', async () => {
    const urls = ordered.slice(0, 2).map((image) => deliveryUrl('upload', '', `${image.id}.png`));
    // The SDK takes an options object in place of the tag (its typings know only the tag).
    const spriteOfUrls = cloudinary.uploader.generate_sprite as unknown as (options: { urls: string[] }) => Promise<Result>;
    const result = await spriteOfUrls({ urls });
    expect(Object.keys(result.image_infos as object)).toEqual(ordered.slice(0, 2).map((image) => image.id));
    expect(result.public_id).toMatch(/^[0-9a-f]{20}$/);
  });

  it('answers an unknown tag with a 404', async () => {
    expect(await sdkRefusal(cloudinary.uploader.generate_sprite(`${tag}-nothing`))).toMatchObject({ http_code: 404 });
  });
});

describe('text', () => {
  it('renders the text as an image of type text, larger with the font size, in the font colour', async () => {
    const small = (await cloudinary.uploader.text('Rendition', { public_id: `${tag}-small`, font_size: 16 })) as Result;
    const large = (await cloudinary.uploader.text('Rendition', {
      public_id: `${tag}-large`,
      font_family: 'Arial',
      font_size: 64,
      font_color: '#ff0000',
      font_weight: 'bold',
    })) as Result;
    expect(large).toMatchObject({ public_id: `${tag}-large`, format: 'png', resource_type: 'image', type: 'text' });
    expect(large.url).toBe(`${cluster.baseUrl}/${cluster.cloud}/image/text/v${large.version}/${tag}-large.png`);
    expect(Number(large.width)).toBeGreaterThan(Number(small.width) * 3);
    expect(Number(large.height)).toBeGreaterThan(Number(small.height) * 3);

    const png = await rgba(await delivered(String(large.url)));
    expect([png.info.width, png.info.height]).toEqual([large.width, large.height]);
    let glyphs = 0;
    for (let index = 0; index < png.data.length; index += 4) {
      if (png.data[index + 3] !== 255) continue;
      glyphs += 1;
      expect([png.data[index], png.data[index + 1], png.data[index + 2]]).toEqual([255, 0, 0]);
    }
    expect(glyphs).toBeGreaterThan(200);
    // A transformation on a text image's URL.
    const resized = await delivered(deliveryUrl('text', 'w_50', `${tag}-large.png`));
    expect((await sharp(resized).metadata()).width).toBe(50);
  });

  it('refuses no text, a bad colour and a bad size with a 400', async () => {
    expect(await sdkRefusal(cloudinary.uploader.text(''))).toMatchObject({ http_code: 400, message: 'Missing required parameter - text' });
    expect(await sdkRefusal(cloudinary.uploader.text('x', { font_color: 'not a colour' }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(cloudinary.uploader.text('x', { font_color: 'notacolour' }))).toMatchObject({
      http_code: 400,
      message: 'Invalid font_color: notacolour',
    });
    expect(await sdkRefusal(cloudinary.uploader.text('x', { font_size: 0 }))).toMatchObject({ http_code: 400 });
  });
});

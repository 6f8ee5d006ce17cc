import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The SDK spec's sprite cases with a transformation (uploader_spec.js, "sprite"): generate_sprite with
// `{transformation: {raw_transformation: 'w_100'}}` and with `{width: 100, format: 'jpg'}`, checked as
// its beASprite matcher checks them, then every URL of the answer fetched: the CSS names the image URL
// that serves the sprite, the sprite is made of the images after w_100, the JSON matches image_infos.

type Result = Record<string, unknown>;
type Info = { width: number; height: number; x: number; y: number };

/** An https origin of its own, as Cloudinary's secure URLs have: beASprite wants `https:` in secure_*_url. */
const SECURE_BASE = 'https://sprites.rendition.test';
let cluster: TestCluster;
let cloudinary: CloudinarySdk;
const tag = `sprite-t-${randomBytes(3).toString('hex')}`;
const images = [
  { id: `${tag}/a`, width: 300, height: 200 },
  { id: `${tag}/b`, width: 150, height: 250 },
];

beforeAll(async () => {
  cluster = await startTestCluster({ SECURE_BASE_URL: SECURE_BASE });
  cloudinary = sdkFor(cluster);
  for (const [index, image] of images.entries()) {
    const png = await sharp({ create: { width: image.width, height: image.height, channels: 3, background: { r: 40 * index, g: 120, b: 200 } } })
      .png()
      .toBuffer();
    await cloudinary.uploader.upload(`data:image/png;base64,${png.toString('base64')}`, { public_id: image.id, tags: [tag] });
  }
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** The SDK test suite's beASprite (test/testUtils/assertions/beASprite.js), check for check. */
function expectSprite(sprite: Result, format: string | null = null): void {
  for (const key of ['css_url', 'image_url', 'json_url', 'secure_css_url', 'secure_image_url', 'secure_json_url', 'public_id']) {
    expect(typeof sprite[key], key).toBe('string');
  }
  expect(typeof sprite.version).toBe('number');
  expect(sprite).toHaveProperty('image_infos');
  for (const info of Object.values(sprite.image_infos as Record<string, Info>)) {
    for (const key of ['width', 'height', 'x', 'y'] as const) expect(typeof info[key]).toBe('number');
  }
  const matches = (url: unknown, protocol: string, ext: string | null) => {
    const parsed = new URL(String(url));
    return parsed.protocol === `${protocol}:` && (ext === null || parsed.pathname.endsWith(`.${ext}`));
  };
  expect(matches(sprite.css_url, 'http', 'css'), 'css_url').toBe(true);
  expect(matches(sprite.image_url, 'http', format), 'image_url').toBe(true);
  expect(matches(sprite.json_url, 'http', 'json'), 'json_url').toBe(true);
  expect(matches(sprite.secure_css_url, 'https', 'css'), 'secure_css_url').toBe(true);
  expect(matches(sprite.secure_image_url, 'https', format), 'secure_image_url').toBe(true);
  expect(matches(sprite.secure_json_url, 'https', 'json'), 'secure_json_url').toBe(true);
}

/** A URL of the answer fetched from the cluster (a secure one through its own origin). */
async function fetched(url: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const local = url.startsWith(SECURE_BASE) ? `${cluster.baseUrl}${url.slice(SECURE_BASE.length)}` : url;
  const response = await fetch(local);
  return { status: response.status, type: response.headers.get('content-type'), body: Buffer.from(await response.arrayBuffer()) };
}

/** The image URL in the stylesheet's `background: url('…')`. */
function backgroundUrl(css: string): string {
  const match = /background: url\('([^']+)'\) no-repeat;/.exec(css);
  expect(match, css).not.toBeNull();
  return match![1]!;
}

/** Each image scaled to 100 px wide, in public_id order, one under the other. */
function expectImagesAtWidth100(infos: Record<string, Info>): void {
  expect(Object.keys(infos)).toEqual(images.map((image) => image.id));
  for (const image of images) {
    expect(infos[image.id]).toMatchObject({ width: 100, height: Math.round((image.height * 100) / image.width), x: 0 });
  }
}

describe('generate_sprite with a transformation (the SDK spec)', () => {
  it('with raw_transformation w_100: css_url names w_100, and every URL serves the w_100 sprite', async () => {
    const result = await cloudinary.uploader.generate_sprite(tag, { transformation: { raw_transformation: 'w_100' } });
    expectSprite(result);
    expect(result.css_url).toContain('w_100');
    const version = Number(result.version);
    const path = `/${cluster.cloud}/image/sprite/w_100/v${version}/${tag}`;
    expect(result).toMatchObject({
      css_url: `${cluster.baseUrl}${path}.css`,
      image_url: `${cluster.baseUrl}${path}.png`,
      json_url: `${cluster.baseUrl}${path}.json`,
      secure_css_url: `${SECURE_BASE}${path}.css`,
    });
    const infos = result.image_infos as Record<string, Info>;
    expectImagesAtWidth100(infos);

    const image = await fetched(String(result.image_url));
    expect([image.status, image.type]).toEqual([200, 'image/png']);
    const metadata = await sharp(image.body).metadata();
    const bottom = Math.max(...Object.values(infos).map((info) => info.y + info.height));
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 100, bottom]);
    // Each image in the sprite is the image delivered with w_100, pixel for pixel.
    for (const [publicId, info] of Object.entries(infos)) {
      const cut = await sharp(image.body).extract({ left: info.x, top: info.y, width: info.width, height: info.height }).removeAlpha().raw().toBuffer();
      const single = await fetched(`${cluster.baseUrl}/${cluster.cloud}/image/upload/w_100/${publicId}.png`);
      expect(cut.equals(await sharp(single.body).removeAlpha().raw().toBuffer()), publicId).toBe(true);
    }

    const css = await fetched(String(result.css_url));
    expect(css.status).toBe(200);
    expect(css.type).toMatch(/^text\/css/);
    const stylesheet = css.body.toString('utf8');
    expect(backgroundUrl(stylesheet)).toBe(result.secure_image_url);
    expect((await fetched(backgroundUrl(stylesheet))).body.equals(image.body)).toBe(true);
    for (const [publicId, info] of Object.entries(infos)) {
      const y = info.y === 0 ? '0px' : `-${info.y}px`;
      expect(stylesheet).toContain(`.${publicId.replace('/', '\\/')} { background-position: 0px ${y}; width: 100px; height: ${info.height}px; }`);
    }

    const json = await fetched(String(result.json_url));
    expect([json.status, json.type]).toEqual([200, 'application/json']);
    expect(JSON.parse(json.body.toString('utf8'))).toEqual(infos);
    // The secure URLs serve the same files.
    expect((await fetched(String(result.secure_css_url))).body.equals(css.body)).toBe(true);
    expect((await fetched(String(result.secure_json_url))).body.equals(json.body)).toBe(true);
  });

  it("with {width: 100, format: 'jpg'}: css_url names f_jpg,w_100, and the sprite is a 100 px wide JPEG", async () => {
    const result = await cloudinary.uploader.generate_sprite(tag, { width: 100, format: 'jpg' });
    expectSprite(result, 'jpg');
    expect(result.css_url).toContain('f_jpg,w_100');
    expect(String(result.image_url)).toContain('/image/sprite/f_jpg,w_100/');
    const infos = result.image_infos as Record<string, Info>;
    expectImagesAtWidth100(infos);

    const image = await fetched(String(result.image_url));
    expect([image.status, image.type]).toEqual([200, 'image/jpeg']);
    const metadata = await sharp(image.body).metadata();
    const bottom = Math.max(...Object.values(infos).map((info) => info.y + info.height));
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 100, bottom]);

    const css = await fetched(String(result.css_url));
    expect(css.status).toBe(200);
    expect(css.type).toMatch(/^text\/css/);
    const background = backgroundUrl(css.body.toString('utf8'));
    expect(background).toBe(result.secure_image_url);
    expect(new URL(background).pathname.endsWith('.jpg')).toBe(true);
    expect((await fetched(background)).body.equals(image.body)).toBe(true);

    const json = await fetched(String(result.json_url));
    expect([json.status, JSON.parse(json.body.toString('utf8'))]).toEqual([200, infos]);
  });

  it('computes no stylesheet from a URL: another transformation on the CSS is a 404', async () => {
    const result = await cloudinary.uploader.generate_sprite(tag, { transformation: { raw_transformation: 'w_100' } });
    const other = String(result.css_url).replace('/w_100/', '/w_50/');
    expect((await fetched(other)).status).toBe(404);
    // Without a transformation, the CSS of the latest call is served as it is.
    const plain = await fetched(String(result.css_url).replace('/w_100/', '/'));
    expect(plain.status).toBe(200);
    expect(plain.body.equals((await fetched(String(result.css_url))).body)).toBe(true);
  });
});

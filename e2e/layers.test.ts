// Layers end to end: overlay and underlay assets, text and fetch layers, built by the official SDK,
// delivered by a cluster, checked pixel by pixel; eager text overlays as the SDK's own api_spec.js sets
// them up; an overwritten overlay asset makes a new derivative.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Rgb = [number, number, number];
type Result = Record<string, unknown> & { public_id: string; version: number; eager?: Array<Record<string, unknown>> };

const BASE: Rgb = [230, 230, 230];
const RED: Rgb = [220, 20, 20];
const BLUE: Rgb = [20, 40, 220];
const GREEN: Rgb = [20, 180, 40];
const YELLOW: Rgb = [250, 220, 0];

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
/** An origin on 127.0.0.2, the one loopback address this cluster's SSRF_ALLOW lets it fetch from. */
let origin: Server;
let allowedOrigin: string;
/** The same origin by 127.0.0.1: loopback, which the SSRF guard refuses unless allowed. */
let refusedOrigin: string;

async function solidPng(width: number, height: number, [r, g, b]: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

const dataUri = (png: Buffer) => `data:image/png;base64,${png.toString('base64')}`;

async function upload(publicId: string, png: Buffer, options: Record<string, unknown> = {}): Promise<Result> {
  return (await cloudinary.uploader.upload(dataUri(png), { public_id: publicId, overwrite: true, ...options })) as Result;
}

beforeAll(async () => {
  const logo = await solidPng(40, 40, GREEN);
  origin = createServer((request, response) => {
    if (request.url === '/logo.png') response.writeHead(200, { 'content-type': 'image/png' }).end(logo);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => origin.listen(0, '0.0.0.0', resolve));
  const { port } = origin.address() as AddressInfo;
  allowedOrigin = `http://127.0.0.2:${port}`;
  refusedOrigin = `http://127.0.0.1:${port}`;

  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.2/32' });
  cloudinary = sdkFor(cluster);
  await upload('base', await solidPng(400, 300, BASE));
  await upload('logo', await solidPng(100, 100, RED));
  await upload('brand/logo', await solidPng(100, 100, GREEN));
  await upload('paper', await solidPng(200, 200, YELLOW));
  // 200x200: transparent on the left half, opaque black on the right half.
  const halfClear = await sharp({ create: { width: 200, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .composite([{ input: { create: { width: 100, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 1 } } }, left: 100, top: 0 }])
    .png()
    .toBuffer();
  await upload('half-clear', halfClear);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await new Promise((resolve) => origin?.close(resolve));
});

/** Delivery URLs exactly as the SDK builds them, pointed at our host with `cname`. */
function sdkUrl(publicId: string, options: Record<string, unknown>): string {
  return cloudinary.url(publicId, { secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false, ...options });
}

interface Delivered {
  status: number;
  error: string | null;
  width: number;
  height: number;
  /** The pixel at (x, y), without alpha. */
  at(x: number, y: number): Rgb;
}

async function deliver(url: string): Promise<Delivered> {
  const response = await fetch(url);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    return { status: response.status, error: response.headers.get('x-cld-error'), width: 0, height: 0, at: () => [0, 0, 0] };
  }
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    status: 200,
    error: null,
    width: info.width,
    height: info.height,
    at(x, y) {
      const offset = (y * info.width + x) * info.channels;
      return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
    },
  };
}

function expectColor(actual: Rgb, expected: Rgb, tolerance = 12): void {
  const distance = Math.max(...actual.map((value, index) => Math.abs(value - expected[index]!)));
  expect(distance, `${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`).toBeLessThanOrEqual(tolerance);
}

const LOGO_AT_NORTH_EAST = { overlay: 'logo', width: 50, gravity: 'north_east', x: 10, y: 10 };

describe('asset layers', () => {
  it('delivers an SDK-built overlay: the logo scaled to 50 px, 10 px from the top right corner', async () => {
    const url = sdkUrl('base', { transformation: [LOGO_AT_NORTH_EAST] });
    expect(url).toContain('/image/upload/g_north_east,l_logo,w_50,x_10,y_10/base');
    const image = await deliver(url);
    expect([image.status, image.width, image.height]).toEqual([200, 400, 300]);
    // The logo covers x 340..389, y 10..59.
    for (const [x, y] of [
      [341, 11],
      [365, 35],
      [388, 58],
    ] as const) {
      expectColor(image.at(x, y), RED);
    }
    for (const [x, y] of [
      [337, 35],
      [393, 35],
      [365, 6],
      [365, 63],
      [200, 150],
    ] as const) {
      expectColor(image.at(x, y), BASE);
    }
  });

  it('finds an overlay in a folder: `brand:logo` names the asset `brand/logo`', async () => {
    const url = sdkUrl('base', { transformation: [{ overlay: 'brand:logo', width: 50, gravity: 'north_west' }] });
    expect(url).toContain('l_brand:logo');
    // The SDK's object form writes the same.
    expect(sdkUrl('base', { transformation: [{ overlay: { public_id: 'brand/logo' }, width: 50, gravity: 'north_west' }] })).toBe(url);
    const image = await deliver(url);
    expect(image.status).toBe(200);
    expectColor(image.at(25, 25), GREEN);
    expectColor(image.at(75, 25), BASE);
  });

  it('puts an underlay beneath the image: it shows where the image is transparent', async () => {
    const url = sdkUrl('half-clear', { transformation: [{ underlay: 'paper' }] });
    expect(url).toContain('u_paper');
    const image = await deliver(url);
    expect([image.status, image.width, image.height]).toEqual([200, 200, 200]);
    expectColor(image.at(50, 100), YELLOW);
    expectColor(image.at(150, 100), [0, 0, 0]);
  });

  it('delivers a new derivative once the overlay asset is overwritten: the same URL shows the new logo', async () => {
    const url = sdkUrl('base', { transformation: [LOGO_AT_NORTH_EAST] });
    expectColor((await deliver(url)).at(365, 35), RED);
    await upload('logo', await solidPng(100, 100, BLUE));
    const after = await deliver(url);
    expect(after.status).toBe(200);
    expectColor(after.at(365, 35), BLUE);
    expectColor(after.at(200, 150), BASE);
    await upload('logo', await solidPng(100, 100, RED));
    expectColor((await deliver(url)).at(365, 35), RED);
  });

  it('never sends a versioned URL with an asset overlay as immutable: the overlay may be overwritten', async () => {
    const { version } = (await cloudinary.api.resource('base')) as Result;
    const cacheControl = async (transformation: Array<Record<string, unknown>>) => {
      const response = await fetch(sdkUrl('base', { version, transformation }));
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      return response.headers.get('cache-control');
    };
    expect(await cacheControl([LOGO_AT_NORTH_EAST])).not.toContain('immutable');
    expect(await cacheControl([{ width: 120, crop: 'scale' }])).toContain('immutable');
    expect(await cacheControl([{ overlay: { font_family: 'Arial', font_size: 20, text: 'Fixed' } }])).toContain('immutable');
  });

  it('keys eager derivatives with overlays as delivery does: their URLs serve them, nothing is derived again', async () => {
    // The ingest derives the first item itself, a derive job the second.
    const result = await upload('eager-logo', await solidPng(400, 300, BASE), {
      eager: [LOGO_AT_NORTH_EAST, { overlay: 'brand:logo', width: 30, gravity: 'south_east' }],
    });
    expect(result.eager).toHaveLength(2);
    for (const item of result.eager!) {
      const response = await fetch(String(item.url));
      expect(response.status).toBe(200);
      expect((await response.arrayBuffer()).byteLength).toBe(item.bytes);
    }
    const resource = (await cloudinary.api.resource('eager-logo')) as { derived: unknown[] };
    expect(resource.derived).toHaveLength(2);
    const [first, second] = await Promise.all(result.eager!.map((item) => deliver(String(item.url))));
    expectColor(first!.at(365, 35), RED);
    // brand/logo, 30 px wide, in the bottom right corner.
    expectColor(second!.at(385, 285), GREEN);
    expectColor(second!.at(365, 285), BASE);
  });

  it('applies an incoming transformation with an overlay before storing the original', async () => {
    const result = await upload('incoming-logo', await solidPng(400, 300, BASE), { transformation: LOGO_AT_NORTH_EAST });
    expect([result.width, result.height]).toEqual([400, 300]);
    const original = await deliver(sdkUrl('incoming-logo', { version: result.version, format: 'png' }));
    expectColor(original.at(365, 35), RED);
    expectColor(original.at(200, 150), BASE);
  });

  it('refuses an explicit eager item whose overlay does not exist, before any job', async () => {
    await expect(cloudinary.uploader.explicit('base', { type: 'upload', eager: [{ overlay: 'no-such-logo' }] })).rejects.toMatchObject({
      http_code: 400,
      message: 'Overlay image not found - no-such-logo',
    });
  });

  it('answers a missing overlay with a 400 and X-Cld-Error, before any job', async () => {
    const image = await deliver(sdkUrl('base', { transformation: [{ overlay: 'no-such-logo', width: 50 }] }));
    expect([image.status, image.error]).toEqual([400, 'Overlay image not found - no-such-logo']);
  });
});

describe('text layers', () => {
  it('draws SDK-built text (`l_text:Arial_40:Hello`) in the middle of the image', async () => {
    const url = sdkUrl('base', { transformation: [{ overlay: { font_family: 'Arial', font_size: 40, text: 'Hello' } }] });
    expect(url).toContain('l_text:Arial_40:Hello');
    const image = await deliver(url);
    expect([image.status, image.width, image.height]).toEqual([200, 400, 300]);
    let dark = 0;
    for (let y = 120; y < 180; y++) {
      for (let x = 130; x < 270; x++) if (image.at(x, y)[0] < 128) dark += 1;
    }
    expect(dark).toBeGreaterThan(100);
    expectColor(image.at(10, 10), BASE);
    expectColor(image.at(390, 290), BASE);
  });

  it("completes an upload with an eager text overlay, as the SDK's api_spec.js sets its assets up", async () => {
    const result = await upload('eager-text', await solidPng(400, 300, BASE), {
      eager: [{ width: 100, crop: 'scale', overlay: 'text:Arial_60:Hello' }],
    });
    expect(result.eager).toEqual([expect.objectContaining({ transformation: 'c_scale,l_text:Arial_60:Hello,w_100' })]);
    const item = result.eager![0]!;
    const image = await deliver(String(item.url));
    expect([image.status, image.width, image.height]).toEqual([200, item.width, item.height]);
    // The text, scaled to 100 px wide, in the middle.
    let dark = 0;
    for (let y = 135; y < 165; y++) {
      for (let x = 150; x < 250; x++) if (image.at(x, y)[0] < 128) dark += 1;
    }
    expect(dark).toBeGreaterThan(20);
  });
});

describe('fetch layers', () => {
  const fetchOverlay = (base: string) => sdkUrl('base', { transformation: [{ overlay: { url: `${base}/logo.png` }, gravity: 'south_west' }] });

  it('refuses a loopback URL: the SSRF guard of upload-by-URL applies', async () => {
    const url = fetchOverlay(refusedOrigin);
    expect(url).toContain('l_fetch:');
    const image = await deliver(url);
    expect(image.status).toBe(400);
    expect(image.error).toMatch(/Error in loading fetch layer - Refused to fetch http:\/\/127\.0\.0\.1:\d+\/logo\.png/);
  });

  it('composes a fetched overlay from an origin the configuration allows', async () => {
    const image = await deliver(fetchOverlay(allowedOrigin));
    expect(image.status).toBe(200);
    expectColor(image.at(20, 280), GREEN);
    expectColor(image.at(60, 280), BASE);
  });
});

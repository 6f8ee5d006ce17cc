import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Delivery gaps of issue 18 (item 4): versionless URLs whose folders look like transformation steps,
// and w_auto / dpr_auto from Client Hints.

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
const photo = fixturePath('images/2569067123_aca715a2ee_o.jpg');
let photoWidth: number;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  photoWidth = (await sharp(photo).metadata()).width!;
  for (const publicId of ['my_photos/x/pic', 'plain', 'w_100_x/y', 'c_fill/x']) await cloudinary.uploader.upload(photo, { public_id: publicId });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function image(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/${path}`, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    vary: response.headers.get('vary'),
    cache: response.headers.get('cache-control'),
    width: response.ok ? (await sharp(body).metadata()).width : undefined,
  };
}

describe('versionless URLs with folders', () => {
  it('reads a folder whose name has no transformation key as a folder', async () => {
    expect(await image('my_photos/x/pic.jpg')).toMatchObject({ status: 200, width: photoWidth });
  });

  it('reads a real transformation step as a step, and a folder named like an invalid step as a folder', async () => {
    expect(await image('c_scale,w_50/plain.jpg')).toMatchObject({ status: 200, width: 50 });
    expect(await image('w_100_x/y.jpg')).toMatchObject({ status: 200, width: photoWidth });
    // `c_fill/x` names both a step on `x` (no such asset) and the asset `c_fill/x`: the asset is found.
    expect(await image('c_fill/x.jpg')).toMatchObject({ status: 200, width: photoWidth });
    expect((await image('w_100_x/missing.jpg')).status).toBe(404);
    expect((await image('my_photos/missing.jpg')).status).toBe(404);
  });
});

describe('w_auto and dpr_auto', () => {
  it('takes the width from Sec-CH-Width (or Width), rounded up to the step, and varies on it', async () => {
    const hinted = await image('c_scale,w_auto:100:400/plain.jpg', { 'sec-ch-width': '333' });
    expect(hinted).toMatchObject({ status: 200, width: 400 });
    expect(hinted.vary).toContain('Sec-CH-Width');
    expect(hinted.cache).not.toContain('immutable');
    expect(await image('c_scale,w_auto:50/plain.jpg', { width: '120' })).toMatchObject({ width: 150 });
    expect(await image('c_scale,w_auto/plain.jpg', { 'sec-ch-width': '77' })).toMatchObject({ width: 77 });
  });

  it('falls back to the fallback width, or to the image without w_auto, when no hint is sent', async () => {
    expect(await image('c_scale,w_auto:100:320/plain.jpg')).toMatchObject({ status: 200, width: 320 });
    expect(await image('c_scale,w_auto:100/plain.jpg')).toMatchObject({ status: 200, width: photoWidth });
    // Viewport-Width (CSS pixels) stands in for a missing Sec-CH-Width.
    expect(await image('c_scale,w_auto:10/plain.jpg', { 'viewport-width': '205' })).toMatchObject({ width: 210 });
  });

  it('takes dpr_auto from Sec-CH-DPR (1 without it) and does not multiply it with a device-pixel width', async () => {
    const twice = await image('c_scale,w_100,dpr_auto/plain.jpg', { 'sec-ch-dpr': '2' });
    expect(twice).toMatchObject({ status: 200, width: 200 });
    expect(twice.vary).toContain('Sec-CH-DPR');
    expect(await image('c_scale,w_100,dpr_auto/plain.jpg')).toMatchObject({ width: 100 });
    expect(await image('c_scale,w_auto,dpr_auto/plain.jpg', { 'sec-ch-width': '300', 'sec-ch-dpr': '3' })).toMatchObject({ width: 300 });
  });
});

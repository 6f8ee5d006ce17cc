import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '@rendition/testing';
import { uploadOk, type UploadBody } from './support/basic-upload.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));
// 300 bytes of text (30 numbered lines of 10 bytes), so an off-by-one window shows.
const TEXT = Buffer.from(Array.from({ length: 30 }, (_, i) => `line ${String(i).padStart(4, '0')}\n`).join(''));
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=3600';

let cluster: TestCluster;
let image: UploadBody;
let raw: UploadBody;

beforeAll(async () => {
  cluster = await startTestCluster();
  image = await uploadOk(cluster, { bytes: PNG, filename: 'bird.png', contentType: 'image/png' }, { public_id: 'birds/gravity' });
  raw = await uploadOk(cluster, { bytes: TEXT, filename: 'lines.txt', contentType: 'text/plain' }, { public_id: 'docs/lines.txt' }, 'raw');
});

afterAll(async () => {
  await cluster?.stop();
});

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(path.startsWith('http') ? path : `${cluster.baseUrl}${path}`, { method, headers });

async function bodyOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

async function expectJsonError(response: Response, status: number, message: string | RegExp): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: { message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  if (typeof message === 'string') expect(body.error.message).toBe(message);
  else expect(body.error.message).toMatch(message);
}

describe('delivery of originals', () => {
  it('serves an image at its versioned URL with exact bytes and immutable caching', async () => {
    expect(image.etag).toBe(md5(PNG));
    expect(image.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${image.version}/birds/gravity.png`);
    const response = await get(image.secure_url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('etag')).toBe(`"${md5(PNG)}"`);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(response.headers.get('content-length')).toBe(String(PNG.length));
    expect((await bodyOf(response)).equals(PNG)).toBe(true);
  });

  it('serves a raw file with its extension in the public_id', async () => {
    expect(TEXT.length).toBe(300);
    expect(raw.public_id).toBe('docs/lines.txt');
    expect(raw.etag).toBe(md5(TEXT));
    expect(raw.url).toBe(`${cluster.baseUrl}/demo/raw/upload/v${raw.version}/docs/lines.txt`);
    const response = await get(raw.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('etag')).toBe(`"${md5(TEXT)}"`);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(response.headers.get('content-length')).toBe(String(TEXT.length));
    expect((await bodyOf(response)).equals(TEXT)).toBe(true);
  });

  it('caches unversioned URLs, v1 URLs and stale versions for an hour only', async () => {
    const paths = [
      '/demo/image/upload/birds/gravity.png',
      '/demo/image/upload/v1/birds/gravity.png',
      `/demo/image/upload/v${image.version - 1}/birds/gravity.png`,
      '/demo/raw/upload/v1/docs/lines.txt',
    ];
    for (const path of paths) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('cache-control'), path).toBe(SHORT);
      expect(response.headers.get('etag'), path).toMatch(/^"[0-9a-f]{32}"$/);
      await response.arrayBuffer();
    }
  });

  it('ignores the query string the SDK appends', async () => {
    const response = await get(`${image.secure_url}?_a=BAMAABDk0`);
    expect(response.status).toBe(200);
    expect((await bodyOf(response)).equals(PNG)).toBe(true);
  });
});

describe('byte ranges', () => {
  it('serves bytes=0-9 as 206 with exactly those ten bytes', async () => {
    const response = await get(image.secure_url, { range: 'bytes=0-9' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 0-9/${PNG.length}`);
    expect(response.headers.get('content-length')).toBe('10');
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('etag')).toBe(`"${image.etag}"`);
    expect((await bodyOf(response)).equals(PNG.subarray(0, 10))).toBe(true);
  });

  it('serves a suffix range', async () => {
    const response = await get(raw.url, { range: 'bytes=-5' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${TEXT.length - 5}-${TEXT.length - 1}/${TEXT.length}`);
    expect(response.headers.get('content-length')).toBe('5');
    expect((await bodyOf(response)).equals(TEXT.subarray(TEXT.length - 5))).toBe(true);
  });

  it('serves an open-ended range', async () => {
    const response = await get(image.secure_url, { range: 'bytes=100-' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 100-${PNG.length - 1}/${PNG.length}`);
    expect(response.headers.get('content-length')).toBe(String(PNG.length - 100));
    expect((await bodyOf(response)).equals(PNG.subarray(100))).toBe(true);
  });

  it('serves a range in the middle of a raw file and clamps an end past the size', async () => {
    const middle = await get(raw.url, { range: 'bytes=10-19' });
    expect(middle.status).toBe(206);
    expect((await bodyOf(middle)).toString()).toBe(TEXT.subarray(10, 20).toString());

    const clamped = await get(raw.url, { range: `bytes=290-${TEXT.length + 1000}` });
    expect(clamped.status).toBe(206);
    expect(clamped.headers.get('content-range')).toBe(`bytes 290-${TEXT.length - 1}/${TEXT.length}`);
    expect((await bodyOf(clamped)).equals(TEXT.subarray(290))).toBe(true);
  });

  it('answers 416 with the size for a range starting at the end', async () => {
    const response = await get(image.secure_url, { range: `bytes=${PNG.length}-` });
    expect(response.status).toBe(416);
    expect(response.headers.get('content-range')).toBe(`bytes */${PNG.length}`);
    await response.arrayBuffer();
  });

  it('serves the whole body for a malformed or multi-part range', async () => {
    for (const range of ['bytes=abc', 'items=0-9', 'bytes=9-0', 'bytes=-', 'bytes=0-1,5-6']) {
      const response = await get(raw.url, { range });
      expect(response.status, range).toBe(200);
      expect(response.headers.get('content-range'), range).toBeNull();
      expect(response.headers.get('content-length'), range).toBe(String(TEXT.length));
      expect((await bodyOf(response)).equals(TEXT), range).toBe(true);
    }
  });
});

describe('conditional requests and HEAD', () => {
  it('answers If-None-Match with the etag by 304 and no body', async () => {
    const response = await get(image.secure_url, { 'if-none-match': `"${image.etag}"` });
    expect(response.status).toBe(304);
    expect(response.headers.get('etag')).toBe(`"${image.etag}"`);
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
    expect((await bodyOf(response)).length).toBe(0);
  });

  it('304s also for a weak, listed or wildcard If-None-Match (RFC 9110 weak comparison)', async () => {
    for (const value of [`W/"${image.etag}"`, `"0123", "${image.etag}"`, '*']) {
      const response = await get(image.secure_url, { 'if-none-match': value });
      expect(response.status, value).toBe(304);
      expect((await bodyOf(response)).length, value).toBe(0);
    }
  });

  it('serves the body when If-None-Match names another etag, even one that contains ours', async () => {
    for (const value of [`"${'0'.repeat(32)}"`, `"${image.etag}x"`, image.etag]) {
      const response = await get(image.secure_url, { 'if-none-match': value });
      expect(response.status, value).toBe(200);
      expect((await bodyOf(response)).equals(PNG), value).toBe(true);
    }
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const response = await get(image.secure_url, {}, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(PNG.length));
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('etag')).toBe(`"${image.etag}"`);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('cache-control')).toBe(IMMUTABLE);
    expect((await bodyOf(response)).length).toBe(0);

    const ranged = await get(raw.url, { range: 'bytes=0-9' }, 'HEAD');
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-length')).toBe('10');
    expect(ranged.headers.get('content-range')).toBe(`bytes 0-9/${TEXT.length}`);
    expect((await bodyOf(ranged)).length).toBe(0);
  });
});

describe('which URLs find which asset', () => {
  it('serves a public_id with folders behind the SDK-style v1', async () => {
    const response = await get('/demo/image/upload/v1/birds/gravity.png');
    expect(response.status).toBe(200);
    expect((await bodyOf(response)).equals(PNG)).toBe(true);
  });

  it('serves a public_id containing dots, with and without its extension', async () => {
    const dotted = await uploadOk(cluster, { bytes: PNG, filename: 'x.png' }, { public_id: 'my.photo.v2' });
    expect(dotted.public_id).toBe('my.photo.v2');
    expect(dotted.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${dotted.version}/my.photo.v2.png`);
    for (const path of ['/demo/image/upload/my.photo.v2.png', `/demo/image/upload/v${dotted.version}/my.photo.v2.png`]) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe('image/png');
      expect((await bodyOf(response)).equals(PNG), path).toBe(true);
    }
  });

  it('answers 404 JSON for an unknown public_id', async () => {
    await expectJsonError(await get('/demo/image/upload/nothing/here.png'), 404, /^Resource not found - /);
    await expectJsonError(await get('/demo/raw/upload/v1/docs/missing.txt'), 404, /^Resource not found - /);
  });

  it('converts an image asked for in another format', async () => {
    const response = await get('/demo/image/upload/birds/gravity.jpg');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
  });

  it('answers 404 JSON when the resource type or cloud does not hold the asset', async () => {
    await expectJsonError(await get('/no-such-cloud/image/upload/birds/gravity.png'), 404, /^Resource not found - /);
    await expectJsonError(await get('/demo/video/upload/birds/gravity.png'), 404, /^Resource not found - /);
    await expectJsonError(await get('/demo/raw/upload/birds/gravity.png'), 404, /^Resource not found - /);
  });

  it('serves private originals to nobody by URL, and authenticated ones only through signed URLs', async () => {
    const privateAsset = await uploadOk(cluster, { bytes: PNG, filename: 'p.png' }, { public_id: 'secret/one', type: 'private' });
    expect(privateAsset.type).toBe('private');
    expect(privateAsset.secure_url).toBe(`${cluster.baseUrl}/demo/image/private/v${privateAsset.version}/secret/one.png`);
    await expectJsonError(await get(privateAsset.secure_url), 401, /secret\/one/);
    await expectJsonError(await get('/demo/image/private/secret/one.png', {}, 'GET'), 401, /secret\/one/);
    // Nor under the public type.
    await expectJsonError(await get('/demo/image/upload/secret/one.png'), 404, /^Resource not found - /);

    const authenticated = await uploadOk(cluster, { bytes: PNG, filename: 'a.png' }, { public_id: 'secret/two', type: 'authenticated' });
    expect(authenticated.type).toBe('authenticated');
    expect(authenticated.secure_url).toMatch(
      new RegExp(`^${cluster.baseUrl}/demo/image/authenticated/s--[A-Za-z0-9_-]{8}--/v${authenticated.version}/secret/two\\.png$`),
    );
    // The response's URL is signed, so it serves; without the signature, or with a wrong one, nothing does.
    const signed = await get(authenticated.secure_url);
    expect(signed.status).toBe(200);
    expect(Buffer.from(await signed.arrayBuffer()).equals(PNG)).toBe(true);
    await expectJsonError(await get('/demo/image/authenticated/secret/two.png'), 401, /secret\/two/);
    await expectJsonError(await get(authenticated.secure_url.replace(/s--[^/]+--/, 's--AAAAAAAA--')), 401, /signature/);

    const head = await get(privateAsset.secure_url, {}, 'HEAD');
    expect(head.status).toBe(401);
  });
});

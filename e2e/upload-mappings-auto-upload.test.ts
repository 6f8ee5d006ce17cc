// Upload mappings' auto-upload end to end (docs/fetch-delivery.md, "Auto-upload (upload mappings)"): a
// mapping made with the official SDK, then delivery URLs in its folder against a real cluster and a local
// origin that counts what it is asked. The cluster's SSRF_ALLOW lets it reach 127.0.0.2 only, so the same
// origin written as 127.0.0.1 or localhost is a loopback address the guard refuses.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { jsonReply } from './support/json-reply.ts';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const BIRD = readFileSync(fixturePath('images/embedgravitybird.png')); // 576x384
const SQUARE = readFileSync(fixturePath('images/gradients-rgb8.png')); // 1000x1000

type Json = Record<string, unknown>;
type Sdk = CloudinarySdk & {
  api: CloudinarySdk['api'] & {
    create_upload_mapping(folder: string, options: Json): Promise<Json>;
    update_upload_mapping(folder: string, options: Json): Promise<Json>;
  };
};

let cluster: TestCluster;
let cloudinary: Sdk;
let origin: Server;
let port: number;
const requested: string[] = [];

const hits = (path: string) => requested.filter((request) => request === path).length;
const allowed = (path: string) => `http://127.0.0.2:${port}${path}`;

function serveOrigin(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '';
  requested.push(path);
  const png = (body: Buffer) => void response.writeHead(200, { 'content-type': 'image/png' }).end(body);
  switch (path) {
    case '/origin/pic.png':
    case '/origin/again.png':
      return png(BIRD);
    case '/origin/slow.png':
      // Long enough for every concurrent first request to arrive while the first one is being uploaded.
      setTimeout(() => png(BIRD), 700);
      return;
    case '/deep/pic.png':
      return png(SQUARE);
    case '/origin/page.png':
      return void response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>not an image</body></html>');
    default:
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('no such file');
  }
}

const deliveryUrl = (path: string) => `${cluster.baseUrl}/demo/${path}`;

async function deliver(path: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(deliveryUrl(path));
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** A Cloudinary-shaped 404 whose message X-Cld-Error repeats, never cached by a CDN. */
async function expectNotFound(path: string, message: RegExp): Promise<string> {
  const response = await fetch(deliveryUrl(path));
  const { status, body, contentType } = await jsonReply(response);
  expect(status, JSON.stringify(body)).toBe(404);
  expect(contentType).toMatch(/^application\/json/);
  const text = (body.error as { message: string }).message;
  expect(text).toMatch(message);
  expect(response.headers.get('x-cld-error')).toBe(text);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return text;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

beforeAll(async () => {
  origin = createServer(serveOrigin);
  await new Promise<void>((resolve) => origin.listen(0, '0.0.0.0', resolve));
  port = (origin.address() as AddressInfo).port;
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.2/32', AUTO_UPLOAD_FAILURE_TTL_S: '60' });
  cloudinary = sdkFor(cluster) as Sdk;
  await cloudinary.api.create_upload_mapping('lazy', { template: allowed('/origin/') });
});

afterAll(async () => {
  await cluster?.stop();
  origin?.closeAllConnections();
  await new Promise((resolve) => origin?.close(resolve));
});

describe('auto-upload through an upload mapping', () => {
  it('uploads a missing asset from the mapped URL on its first delivery and serves the transformation', async () => {
    const first = await deliver('image/upload/w_100/lazy/pic.png');
    expect(first.status, first.body.toString()).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    const { width, height, format } = await sharp(first.body).metadata();
    expect({ width, height, format }).toEqual({ width: 100, height: 67, format: 'png' });
    expect(hits('/origin/pic.png')).toBe(1);

    // An ordinary upload: public_id without the extension, the origin's bytes as they were.
    const resource = await cloudinary.api.resource('lazy/pic');
    expect(resource).toMatchObject({
      public_id: 'lazy/pic',
      type: 'upload',
      resource_type: 'image',
      format: 'png',
      width: 576,
      height: 384,
      bytes: BIRD.length,
      etag: md5(BIRD),
    });
    const original = await deliver('image/upload/lazy/pic.png');
    expect(original.status).toBe(200);
    expect(original.body.equals(BIRD)).toBe(true);

    // Later deliveries are of the stored asset: the same derivative, another one, an SDK URL; no new fetch.
    const again = await deliver('image/upload/w_100/lazy/pic.png');
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    const sdkUrl = cloudinary.url('lazy/pic', { width: 50, crop: 'scale', format: 'webp', secure: false, cname: new URL(cluster.baseUrl).host });
    const webp = await fetch(sdkUrl);
    expect(webp.status).toBe(200);
    expect(await sharp(Buffer.from(await webp.arrayBuffer())).metadata()).toMatchObject({ width: 50, format: 'webp' });
    expect(hits('/origin/pic.png')).toBe(1);
  });

  it('stores one asset and asks the origin once for concurrent first requests', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => deliver('image/upload/w_80/lazy/slow.png')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200, 200]);
    for (const answer of answers) expect(answer.body.equals(answers[0]!.body)).toBe(true);
    expect((await sharp(answers[0]!.body).metadata()).width).toBe(80);
    expect(hits('/origin/slow.png')).toBe(1);
    const listed = (await cloudinary.api.resources({ type: 'upload', prefix: 'lazy/slow', max_results: 100 })) as { resources: Json[] };
    expect(listed.resources.map((resource) => resource.public_id)).toEqual(['lazy/slow']);
  });

  it('answers a file the origin lacks with a 404, and does not ask again while that failure is remembered', async () => {
    const message = await expectNotFound('image/upload/w_100/lazy/missing.png', /^Resource not found - lazy\/missing\.png: auto-upload failed: .*404/);
    expect(message).toContain(allowed('/origin/missing.png'));
    expect(hits('/origin/missing.png')).toBe(1);
    expect(await expectNotFound('image/upload/lazy/missing.png', /auto-upload failed/)).toBe(message);
    expect(await expectNotFound('image/upload/w_100/lazy/missing.png', /auto-upload failed/)).toBe(message);
    expect(hits('/origin/missing.png')).toBe(1);
    expect(await sdkRefusal(cloudinary.api.resource('lazy/missing'))).toMatchObject({ http_code: 404 });
  });

  it('delivers a d_ default image in place of a failed auto-upload', async () => {
    const fallback = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    await cloudinary.uploader.upload(`data:image/png;base64,${fallback.toString('base64')}`, { public_id: 'fallback' });
    const delivered = await deliver('image/upload/d_fallback.png/lazy/gone.png');
    expect(delivered.status).toBe(200);
    expect(delivered.body.equals(fallback)).toBe(true);
    expect(hits('/origin/gone.png')).toBe(1);
  });

  it('answers a remote file that is not an image with a 404 naming the upload error', async () => {
    await expectNotFound('image/upload/lazy/page.png', /^Resource not found - lazy\/page\.png: auto-upload failed: Invalid image file/);
    expect(hits('/origin/page.png')).toBe(1);
  });

  it('answers the usual 404 outside a mapped folder, without asking any origin', async () => {
    const before = requested.length;
    expect(await expectNotFound('image/upload/w_100/unmapped/pic.png', /./)).toBe('Resource not found - unmapped/pic.png');
    expect(await expectNotFound('image/upload/lazyish/pic.png', /./)).toBe('Resource not found - lazyish/pic.png');
    // Only upload URLs auto-upload: a private URL in the mapped folder is not fetched.
    expect((await deliver('image/private/lazy/again.png')).status).toBe(404);
    expect(requested.length).toBe(before);
  });

  it('fetches from the deepest mapped folder', async () => {
    await cloudinary.api.create_upload_mapping('nest', { template: allowed('/origin') });
    await cloudinary.api.create_upload_mapping('nest/deep', { template: allowed('/deep/') });
    const delivered = await deliver('image/upload/c_scale,w_200/nest/deep/pic.png');
    expect(delivered.status).toBe(200);
    expect((await sharp(delivered.body).metadata()).width).toBe(200);
    expect(hits('/deep/pic.png')).toBe(1);
    expect(await cloudinary.api.resource('nest/deep/pic')).toMatchObject({ width: 1000, height: 1000, bytes: SQUARE.length, etag: md5(SQUARE) });
    // The shallower mapping still serves the rest of its folder (its template had no trailing slash).
    expect((await deliver('image/upload/nest/again.png')).status).toBe(200);
    expect(hits('/origin/again.png')).toBe(1);
  });

  it('refuses a template that points at an address the SSRF guard does not allow', async () => {
    const before = requested.length;
    await cloudinary.api.create_upload_mapping('loopback', { template: `http://127.0.0.1:${port}/origin/` });
    await expectNotFound(
      'image/upload/w_100/loopback/pic.png',
      /^Resource not found - loopback\/pic\.png: auto-upload failed: Refused to fetch .*address 127\.0\.0\.1 is not allowed/,
    );
    // A host name is judged when the worker connects: it resolves to loopback, refused too.
    await cloudinary.api.create_upload_mapping('named', { template: `http://localhost:${port}/origin/` });
    await expectNotFound('image/upload/named/pic.png', /^Resource not found - named\/pic\.png: auto-upload failed: .*not allowed/);
    expect(requested.length).toBe(before);
    expect(await sdkRefusal(cloudinary.api.resource('loopback/pic'))).toMatchObject({ http_code: 404 });
  });

  it('tries a mapping given a new template at once, although the old one failed', async () => {
    await cloudinary.api.create_upload_mapping('moved', { template: allowed('/nowhere/') });
    await expectNotFound('image/upload/moved/pic.png', /auto-upload failed/);
    await cloudinary.api.update_upload_mapping('moved', { template: allowed('/origin/') });
    const delivered = await deliver('image/upload/moved/pic.png');
    expect(delivered.status).toBe(200);
    expect(delivered.body.equals(BIRD)).toBe(true);
  });
});

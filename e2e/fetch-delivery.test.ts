// Fetch delivery end to end (docs/fetch-delivery.md): `/<cloud>/image/fetch/[…/]<remote url>` URLs built by
// the official SDK, against a real cluster and a local origin that counts what it is asked. The cluster's
// SSRF_ALLOW lets it reach 127.0.0.2 and 127.0.0.3 only, so the same origin is also "a loopback address"
// (127.0.0.1, localhost) the guard refuses; a second cluster with the default configuration refuses it all.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStrictTransformations, type ApiCredentials } from '@rendition/catalog';
import { ensureCloudCredentials } from '@rendition/cli';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { jsonReply } from './support/json-reply.ts';
import { storedKeys, unfinishedWrites } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const BIRD = readFileSync(fixturePath('images/embedgravitybird.png')); // 576x384
const SQUARE = readFileSync(fixturePath('images/gradients-rgb8.png')); // 1000x1000
/** FETCH_MAX_BYTES and FETCH_TIMEOUT_MS of the cluster (the images here are 0.5 and 0.8 MB). */
const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 3_000;
const CLI = fileURLToPath(new URL('../apps/cli/bin/rendition.mjs', import.meta.url));

/** What the origin was asked: every request, by path, with the headers that matter here. */
interface OriginRequest {
  path: string;
  host: string;
  ifNoneMatch: string | undefined;
}

let cluster: TestCluster;
let defaults: TestCluster;
let cloudinary: CloudinarySdk;
let origin: Server;
let port: number;
const requests: OriginRequest[] = [];
/** The body and ETag /changing.png answers with now (the test swaps them). */
let changing = { body: BIRD, etag: '"bird"' };
let flakyDown = false;

const allowed = (path: string) => `http://127.0.0.2:${port}${path}`;
const hits = (path: string) => requests.filter((request) => request.path === path).length;

function serveOrigin(request: IncomingMessage, response: ServerResponse): void {
  const path = request.url ?? '';
  const ifNoneMatch = request.headers['if-none-match'];
  requests.push({ path, host: request.headers.host ?? '', ifNoneMatch });
  const png = (body: Buffer, headers: Record<string, string> = {}): void =>
    void response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'public, max-age=3600', ...headers }).end(body);
  switch (path.split('?')[0]) {
    case '/bird.png':
    case '/listed.png':
    case '/strict.png':
      return png(BIRD);
    case '/query.png':
      // Only the remote URL's own query (written %3F by the SDK) selects the image.
      return path === '/query.png?v=square&x=1' ? png(SQUARE) : png(BIRD);
    case '/slow.png':
    case '/slow-shared.png':
      setTimeout(() => png(BIRD), 500);
      return;
    case '/changing.png':
      if (ifNoneMatch === changing.etag) return void response.writeHead(304, { etag: changing.etag, 'cache-control': 'max-age=1' }).end();
      return png(changing.body, { etag: changing.etag, 'cache-control': 'max-age=1' });
    case '/flaky.png':
      // Up until the test breaks it, then down.
      if (flakyDown) return void response.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      return png(BIRD, { 'cache-control': 'max-age=1' });
    case '/huge.png': {
      // A PNG start, then more than FETCH_MAX_BYTES, chunked (no Content-Length to refuse it by).
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(BIRD.subarray(0, 64));
      for (let sent = 0; sent < 2 * MAX_BYTES; sent += 64 * 1024) response.write(Buffer.alloc(64 * 1024));
      return void response.end();
    }
    case '/declared-huge.png':
      return void response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(2 * MAX_BYTES) }).end();
    case '/stall.png':
      // Headers and a PNG start, then nothing until FETCH_TIMEOUT_MS has passed.
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(BIRD.subarray(0, 8192));
      return;
    case '/hop':
      return void response.writeHead(302, { location: `http://127.0.0.3:${port}/bird.png` }).end();
    case '/page.html':
      return void response.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>hello</body></html>');
    case '/fake.png':
      return void response.writeHead(200, { 'content-type': 'image/png' }).end('not a png at all');
    case '/broken.png':
      return void response.writeHead(503, { 'content-type': 'text/plain' }).end('down');
    default:
      return void response.writeHead(404, { 'content-type': 'text/plain' }).end('no such image');
  }
}

function fetchUrl(remote: string, options: Record<string, unknown> = {}, on: TestCluster = cluster): string {
  return cloudinary.url(remote, { type: 'fetch', secure: false, cname: new URL(on.baseUrl).host, cloud_name: 'demo', ...options });
}

async function deliver(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

async function sizeOf(body: Buffer): Promise<{ width: number; height: number; format: string }> {
  const { width, height, format } = await sharp(body).metadata();
  return { width, height, format };
}

async function expectRefusal(url: string, status: number, message: RegExp): Promise<void> {
  const response = await fetch(url);
  const { body, contentType } = await jsonReply(response);
  expect(response.status, JSON.stringify(body)).toBe(status);
  expect(contentType).toMatch(/^application\/json/);
  const text = (body.error as { message: string }).message;
  expect(text).toMatch(message);
  expect(response.headers.get('x-cld-error')).toBe(text);
  expect(response.headers.get('cache-control')).toBe('no-store');
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...cluster.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  origin = createServer(serveOrigin);
  await new Promise<void>((resolve) => origin.listen(0, '0.0.0.0', resolve));
  port = (origin.address() as AddressInfo).port;
  [cluster, defaults] = await Promise.all([
    startTestCluster({
      SSRF_ALLOW: '127.0.0.2/32,127.0.0.3/32',
      FETCH_CACHE_MIN_TTL_S: '1',
      FETCH_CACHE_MAX_TTL_S: '600',
      FETCH_FAILURE_TTL_S: '60',
      FETCH_MAX_BYTES: String(MAX_BYTES),
      FETCH_TIMEOUT_MS: String(TIMEOUT_MS),
    }),
    startTestCluster({}, ['api']),
  ]);
  cloudinary = sdkFor(cluster);
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), defaults?.stop()]);
  origin?.closeAllConnections();
  await new Promise((resolve) => origin?.close(resolve));
});

describe('fetch delivery', () => {
  it('delivers an SDK-built fetch URL with w_100 as a 100 px wide image, fetching the remote image once', async () => {
    // The SDK adds its `?_a=` analytics query: not part of the remote URL.
    const url = fetchUrl(allowed('/bird.png'), { width: 100, crop: 'scale' });
    expect(url).toBe(`${cluster.baseUrl}/demo/image/fetch/c_scale,w_100/${allowed('/bird.png')}?_a=${new URL(url).searchParams.get('_a')}`);
    const first = await deliver(url);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(await sizeOf(first.body)).toEqual({ width: 100, height: 67, format: 'png' });
    expect(hits('/bird.png')).toBe(1);

    // From the cache: the same derivative, the original as it was fetched, another format; no new fetch.
    const again = await deliver(url);
    expect(again.status).toBe(200);
    expect(again.body.equals(first.body)).toBe(true);
    const original = await deliver(fetchUrl(allowed('/bird.png')));
    expect(original.status).toBe(200);
    expect(original.body.equals(BIRD)).toBe(true);
    expect(original.headers.get('content-type')).toBe('image/png');
    const auto = await deliver(fetchUrl(allowed('/bird.png'), { width: 50, crop: 'scale', fetch_format: 'auto' }), { accept: 'image/webp,*/*' });
    expect(auto.status).toBe(200);
    expect(auto.headers.get('content-type')).toBe('image/webp');
    expect(auto.headers.get('vary')).toContain('Accept');
    expect(await sizeOf(auto.body)).toEqual({ width: 50, height: 33, format: 'webp' });
    expect(hits('/bird.png')).toBe(1);
  });

  it('lists the fetched image as a resource of type fetch whose URL delivers it', async () => {
    expect((await deliver(fetchUrl(allowed('/listed.png')))).status).toBe(200);
    const { apiKey, apiSecret } = cluster.credentials;
    const response = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image/fetch?max_results=100`, {
      headers: { authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}` },
    });
    const { status, body } = await jsonReply(response);
    expect(status).toBe(200);
    const listed = (body.resources as Array<Record<string, unknown>>).find((resource) => resource.public_id === allowed('/listed.png'));
    expect(listed).toMatchObject({ type: 'fetch', resource_type: 'image', format: 'png', width: 576, height: 384, bytes: BIRD.length });
    const delivered = await deliver(String(listed?.secure_url));
    expect(delivered.status).toBe(200);
    expect(delivered.body.equals(BIRD)).toBe(true);
    expect(hits('/listed.png')).toBe(1);

    // explicit and destroy take `type: fetch` and the URL as public_id (Cloudinary's way to refresh one).
    expect(await cloudinary.uploader.explicit(allowed('/listed.png'), { type: 'fetch' })).toMatchObject({
      type: 'fetch',
      public_id: allowed('/listed.png'),
    });
    await expect(cloudinary.uploader.explicit(allowed('/never.png'), { type: 'fetch' })).rejects.toMatchObject({
      http_code: 404,
      message: `Resource not found - ${allowed('/never.png')}`,
    });
    expect(await cloudinary.uploader.destroy(allowed('/listed.png'), { type: 'fetch', invalidate: true })).toEqual({ result: 'ok' });
    expect((await deliver(fetchUrl(allowed('/listed.png')))).body.equals(BIRD)).toBe(true);
    expect(hits('/listed.png')).toBe(2);
  });

  it("keeps the remote URL's own query (escaped by the SDK) and ignores the request's", async () => {
    const square = await deliver(fetchUrl(allowed('/query.png?v=square&x=1'), { width: 10, crop: 'scale' }));
    expect(square.status).toBe(200);
    expect(await sizeOf(square.body)).toMatchObject({ width: 10, height: 10 });
    // Written raw, the query is the delivery URL's own, and Cloudinary ignores it: the remote URL has none.
    const raw = await deliver(`${cluster.baseUrl}/demo/image/fetch/w_10,c_scale/${allowed('/query.png')}?v=square&x=1`);
    expect(raw.status).toBe(200);
    expect(await sizeOf(raw.body)).toMatchObject({ width: 10, height: 7 });
    expect(requests.filter((request) => request.path.startsWith('/query.png')).map((request) => request.path)).toEqual([
      '/query.png?v=square&x=1',
      '/query.png',
    ]);
  });

  it('fetches once for eight concurrent first requests', async () => {
    const url = fetchUrl(allowed('/slow.png'), { width: 40, crop: 'scale', urlAnalytics: false });
    const answers = await Promise.all(Array.from({ length: 8 }, () => deliver(url)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
    for (const answer of answers) expect(answer.body.equals(answers[0]!.body)).toBe(true);
    expect(await sizeOf(answers[0]!.body)).toMatchObject({ width: 40 });
    expect(hits('/slow.png')).toBe(1);
  });

  it('fetches once for concurrent first requests to two API servers sharing the catalog (each with its own connections)', async () => {
    const second = await startTestCluster({}, ['api'], { shareWith: cluster });
    try {
      const urls = [cluster, second].map((on) => fetchUrl(allowed('/slow-shared.png'), { width: 30, crop: 'scale', urlAnalytics: false }, on));
      expect(urls[0]).not.toBe(urls[1]);
      const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => deliver(urls[index % 2]!)));
      expect(answers.map((answer) => answer.status)).toEqual(Array(8).fill(200));
      for (const answer of answers) expect(answer.body.equals(answers[0]!.body)).toBe(true);
      expect(hits('/slow-shared.png')).toBe(1);
    } finally {
      await second.stop();
    }
  }, 60_000);

  it('asks the origin again once the TTL has passed: a 304 keeps the image, a changed one replaces it and its derivatives', async () => {
    const url = fetchUrl(allowed('/changing.png'), { width: 100, crop: 'scale', urlAnalytics: false });
    const first = await deliver(url);
    expect(await sizeOf(first.body)).toMatchObject({ width: 100, height: 67 });
    expect(hits('/changing.png')).toBe(1);

    // max-age=1 (FETCH_CACHE_MIN_TTL_S=1): expired a second later; revalidated with the stored ETag.
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const revalidated = await deliver(url);
    expect(revalidated.status).toBe(200);
    expect(revalidated.body.equals(first.body)).toBe(true);
    const asked = requests.filter((request) => request.path === '/changing.png');
    expect(asked.map((request) => request.ifNoneMatch)).toEqual([undefined, '"bird"']);

    changing = { body: SQUARE, etag: '"square"' };
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const changed = await deliver(url);
    expect(changed.status).toBe(200);
    expect(await sizeOf(changed.body)).toMatchObject({ width: 100, height: 100 });
    expect(hits('/changing.png')).toBe(3);
    const original = await deliver(fetchUrl(allowed('/changing.png'), { urlAnalytics: false }));
    expect(original.body.equals(SQUARE)).toBe(true);
  });

  it('serves the stored image a while longer when the origin fails to refresh it (stale-if-error)', async () => {
    const url = fetchUrl(allowed('/flaky.png'), { urlAnalytics: false });
    expect((await deliver(url)).body.equals(BIRD)).toBe(true);
    flakyDown = true;
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    const stale = await deliver(url);
    expect(stale.status).toBe(200);
    expect(stale.body.equals(BIRD)).toBe(true);
    expect(hits('/flaky.png')).toBe(2);
  });

  it('answers a remote 404 with 404 and "Resource not found - <url>", and remembers it for FETCH_FAILURE_TTL_S', async () => {
    const url = fetchUrl(allowed('/missing.png'), { width: 100, crop: 'scale', urlAnalytics: false });
    await expectRefusal(url, 404, new RegExp(`^Resource not found - ${allowed('/missing.png').replaceAll('.', '\\.')}$`));
    await expectRefusal(url, 404, /^Resource not found/);
    expect(hits('/missing.png')).toBe(1);
  });

  it('refuses what is not an image (by its content type, or by its bytes) with a 400', async () => {
    await expectRefusal(
      fetchUrl(allowed('/page.html'), { urlAnalytics: false }),
      400,
      /^Invalid image file - .*page\.html: its content type is text\/html$/,
    );
    await expectRefusal(
      fetchUrl(allowed('/fake.png'), { urlAnalytics: false }),
      400,
      /^Invalid image file - .*fake\.png: its bytes are no image format$/,
    );
    await expectRefusal(fetchUrl(allowed('/broken.png'), { urlAnalytics: false }), 400, /^Error in loading .*broken\.png - 503$/);
    await expectRefusal(`${cluster.baseUrl}/demo/image/fetch/w_100/sample.jpg`, 400, /^Invalid fetch URL sample\.jpg/);
    await expectRefusal(`${cluster.baseUrl}/demo/video/fetch/${allowed('/bird.png')}`, 400, /supports images only/);
    await expectRefusal(`${cluster.baseUrl}/nocloud/image/fetch/${allowed('/bird.png')}`, 404, /^Resource not found - /);
  });

  it('refuses a body over FETCH_MAX_BYTES (declared or streamed) and a fetch over FETCH_TIMEOUT_MS with a 400', async () => {
    const tooLarge = new RegExp(`^File size too large - .*huge\\.png: larger than ${MAX_BYTES} bytes$`);
    await expectRefusal(fetchUrl(allowed('/declared-huge.png'), { urlAnalytics: false }), 400, tooLarge);
    await expectRefusal(fetchUrl(allowed('/huge.png'), { urlAnalytics: false }), 400, tooLarge);
    const started = Date.now();
    await expectRefusal(
      fetchUrl(allowed('/stall.png'), { urlAnalytics: false }),
      400,
      new RegExp(`^Error in loading .*stall\\.png - timed out after ${TIMEOUT_MS} ms$`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  });

  it('refuses loopback the SSRF policy does not allow, before connecting (a name: at connect time)', async () => {
    const before = requests.length;
    await expectRefusal(
      fetchUrl(`http://127.0.0.1:${port}/bird.png`, { urlAnalytics: false }),
      400,
      /^Refused to fetch http:\/\/127\.0\.0\.1:\d+\/bird\.png: address 127\.0\.0\.1 is not allowed$/,
    );
    await expectRefusal(
      fetchUrl(`http://localhost:${port}/bird.png`, { urlAnalytics: false }),
      400,
      /^Refused to fetch http:\/\/localhost:\d+\/bird\.png: .*is not allowed/,
    );
    // The default configuration allows no loopback address at all.
    await expectRefusal(
      fetchUrl(allowed('/bird.png'), { urlAnalytics: false }, defaults),
      400,
      /^Refused to fetch .*: address 127\.0\.0\.2 is not allowed$/,
    );
    expect(requests.length).toBe(before);
  });

  it("fetches only from the cloud's allowed fetch domains, set with the CLI", async () => {
    await ensureCloudCredentials(cluster.cluster.services.db, 'restricted');
    const set = await cli(['fetch-domains', 'restricted', 'set', '127.0.0.2', 'Images.Example.COM']);
    expect(set).toMatchObject({ code: 0, stdout: 'ALLOWED_FETCH_DOMAINS=127.0.0.2,images.example.com\n' });
    const restricted = (remote: string) => fetchUrl(remote, { cloud_name: 'restricted', urlAnalytics: false });

    const before = hits('/bird.png');
    await expectRefusal(
      restricted(`http://127.0.0.3:${port}/bird.png`),
      401,
      /^Fetching from 127\.0\.0\.3 is not allowed: it is not one of this cloud's allowed fetch domains$/,
    );
    expect(hits('/bird.png')).toBe(before);
    expect((await deliver(restricted(allowed('/bird.png')))).status).toBe(200);
    // A redirect must end on an allowed domain too.
    await expectRefusal(restricted(allowed('/hop')), 401, /^Fetching from 127\.0\.0\.3 is not allowed/);

    expect(await cli(['fetch-domains', 'restricted', 'set'])).toMatchObject({ code: 0, stdout: 'ALLOWED_FETCH_DOMAINS=\n' });
    const anyHost = await deliver(restricted(`http://127.0.0.3:${port}/bird.png`));
    expect(anyHost.status).toBe(200);
    expect(anyHost.body.equals(BIRD)).toBe(true);
    // Each CLI run starts a Node process (seconds on a busy machine).
  }, 60_000);

  it('requires signed fetch URLs on a cloud with strict transformations', async () => {
    const strict: ApiCredentials = await ensureCloudCredentials(cluster.cluster.services.db, 'strict');
    await setStrictTransformations(cluster.cluster.services.db, 'strict', true);
    const options = { cloud_name: 'strict', width: 60, crop: 'scale', urlAnalytics: false };
    await expectRefusal(fetchUrl(allowed('/strict.png'), options), 401, /^Images of type fetch are restricted in this account/);
    await expectRefusal(fetchUrl(allowed('/strict.png'), { ...options, width: null }), 401, /^Images of type fetch are restricted/);
    expect(hits('/strict.png')).toBe(0);

    const signed = fetchUrl(allowed('/strict.png'), { ...options, sign_url: true, api_secret: strict.apiSecret });
    expect(signed).toMatch(/\/strict\/image\/fetch\/s--[\w-]{8}--\/c_scale,w_60\/http:\/\/127\.0\.0\.2:\d+\/strict\.png$/);
    const answer = await deliver(signed);
    expect(answer.status).toBe(200);
    expect(await sizeOf(answer.body)).toMatchObject({ width: 60 });
    // A signature made with another secret is refused.
    const forged = fetchUrl(allowed('/strict.png'), { ...options, width: 61, sign_url: true, api_secret: 'not-the-secret' });
    expect((await deliver(forged)).status).toBe(401);
    expect(hits('/strict.png')).toBe(1);
  });

  it('leaves no stored original the catalog does not name (replaced versions, refused and failed bodies)', async () => {
    const originals = (await storedKeys(cluster.store, 'assets/')).filter((key) => key.endsWith('/original'));
    const named = await cluster.cluster.services.db.selectFrom('asset_versions').select('storage_key').execute();
    expect(originals).toEqual(named.map((row) => row.storage_key).sort());
    expect(await unfinishedWrites(cluster.storage)).toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, freePort } from '@rendition/testing';
import { jsonReply, type JsonReply } from './support/json-reply.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// A remote source that cannot be loaded is the caller's error: a 400 `Error in loading <url> - <reason>`
// answered within the fetch timeout, never a 500 after the ingest job's retries. A retry happens only
// where it can change the outcome (a reset connection, a 503 whose Retry-After fits the time left), and
// within the same time limit. The ingest job is attempted once in every case here.

const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));
const FETCH_TIMEOUT_MS = 1_500;

type Route = (request: IncomingMessage, response: ServerResponse, hit: number) => void;

let cluster: TestCluster;
let server: Server;
let origin = '';
const hits = new Map<string, number>();
const routes: Record<string, Route> = {
  '/ok.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
  '/missing.png': (_request, response) => response.writeHead(404).end('no'),
  '/busy-then-ok.png': (_request, response, hit) =>
    hit === 1 ? response.writeHead(503, { 'retry-after': '1' }).end('busy') : response.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
  '/busy-for-an-hour.png': (_request, response) => response.writeHead(503, { 'retry-after': '3600' }).end('busy'),
  '/reset-then-ok.png': (request, response, hit) =>
    hit === 1 ? request.socket.destroy() : response.writeHead(200, { 'content-type': 'image/png' }).end(PNG),
  '/always-reset.png': (request) => request.socket.destroy(),
  '/silent.png': () => {},
};

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://source').pathname;
    const hit = (hits.get(path) ?? 0) + 1;
    hits.set(path, hit);
    const route = routes[path];
    if (route) route(request, response, hit);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32', REMOTE_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS) });
});

afterAll(async () => {
  await cluster?.stop();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

async function upload(file: string, extra: Record<string, string> = {}): Promise<JsonReply & { ms: number }> {
  const started = performance.now();
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/image/upload`, {
    method: 'POST',
    headers: { authorization: basicAuthHeader(cluster.credentials), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ file, ...extra }).toString(),
  });
  const reply = await jsonReply(response);
  return { ...reply, ms: performance.now() - started };
}

/** The ingest jobs recorded for a source URL: how often the job itself ran. */
async function ingestAttempts(url: string): Promise<number[]> {
  const rows = await cluster.cluster.services.db.selectFrom('jobs').select(['attempts', 'payload']).where('kind', '=', 'ingest').execute();
  return rows.filter((row) => (row.payload as { source?: { url?: string } }).source?.url === url).map((row) => row.attempts);
}

describe('unreachable remote sources', () => {
  it('a closed port: 400 "connection refused" at once, one attempt', async () => {
    const url = `http://127.0.0.1:${await freePort()}/x.png`;
    const reply = await upload(url);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: { error: { message: `Error in loading ${url} - connection refused` } },
    });
    expect(reply.ms).toBeLessThan(3_000);
    expect(await ingestAttempts(url)).toEqual([1]);
    console.log(`[sources] closed port answered 400 in ${Math.round(reply.ms)} ms`);
  }, 30_000);

  it('a host that does not resolve: 400 "host not found" at once, one attempt', async () => {
    const url = 'http://rendition-no-such-host.invalid/x.png';
    const reply = await upload(url);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: { error: { message: `Error in loading ${url} - host not found` } },
    });
    expect(reply.ms).toBeLessThan(3_000);
    expect(await ingestAttempts(url)).toEqual([1]);
    console.log(`[sources] unknown host answered 400 in ${Math.round(reply.ms)} ms`);
  }, 30_000);

  it('a server that never answers: 400 "timed out" once the fetch time limit has passed, not after retries', async () => {
    const url = `${origin}/silent.png`;
    const reply = await upload(url);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: { error: { message: `Error in loading ${url} - timed out after ${FETCH_TIMEOUT_MS} ms` } },
    });
    expect(reply.ms).toBeGreaterThanOrEqual(FETCH_TIMEOUT_MS - 50);
    expect(reply.ms).toBeLessThan(FETCH_TIMEOUT_MS + 2_500);
    expect(hits.get('/silent.png')).toBe(1);
    expect(await ingestAttempts(url)).toEqual([1]);
    console.log(`[sources] silent server answered 400 in ${Math.round(reply.ms)} ms (fetch timeout ${FETCH_TIMEOUT_MS} ms)`);
  }, 30_000);

  it('a connection reset every time: retried within the time limit, then 400', async () => {
    const url = `${origin}/always-reset.png`;
    const reply = await upload(url);
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 400,
      body: { error: { message: expect.stringMatching(new RegExp(`^Error in loading ${url} - connection (reset|closed) by the server$`)) } },
    });
    expect(reply.ms).toBeLessThan(FETCH_TIMEOUT_MS + 2_500);
    expect(hits.get('/always-reset.png')).toBeGreaterThanOrEqual(2);
    expect(await ingestAttempts(url)).toEqual([1]);
  }, 30_000);

  it('an async upload of an unreachable source fails its batch with the same 400', async () => {
    const url = `http://127.0.0.1:${await freePort()}/async.png`;
    const reply = await upload(url, { async: 'true' });
    expect(reply.status).toBe(200);
    const batchId = String(reply.body.batch_id);
    await expect
      .poll(
        async () => {
          const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/batches/${batchId}`, {
            headers: { authorization: basicAuthHeader(cluster.credentials) },
          });
          return (await response.json()) as Record<string, unknown>;
        },
        { timeout: 3_000, interval: 100 },
      )
      .toMatchObject({ status: 'failed', error: { http_code: 400, message: `Error in loading ${url} - connection refused` } });
  }, 30_000);
});

describe('remote sources that a retry can fix, and statuses it cannot', () => {
  it('a 503 with a Retry-After that fits the time limit: retried once, uploaded', async () => {
    const reply = await upload(`${origin}/busy-then-ok.png`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ width: 576, height: 384, format: 'png' });
    expect(hits.get('/busy-then-ok.png')).toBe(2);
    expect(reply.ms).toBeGreaterThanOrEqual(950);
  }, 30_000);

  it('a 503 with a Retry-After beyond the time limit: 400 at once, no retry', async () => {
    const url = `${origin}/busy-for-an-hour.png`;
    const reply = await upload(url);
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: { error: { message: `Error in loading ${url} - 503` } } });
    expect(hits.get('/busy-for-an-hour.png')).toBe(1);
    expect(reply.ms).toBeLessThan(1_500);
  }, 30_000);

  it('a connection reset once: retried, uploaded', async () => {
    const reply = await upload(`${origin}/reset-then-ok.png`);
    expect(reply.status).toBe(200);
    expect(hits.get('/reset-then-ok.png')).toBe(2);
  }, 30_000);

  it('a 404 stays a 400 and is not retried', async () => {
    const url = `${origin}/missing.png`;
    const reply = await upload(url);
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 400, body: { error: { message: `Error in loading ${url} - 404` } } });
    expect(hits.get('/missing.png')).toBe(1);
    expect(await ingestAttempts(url)).toEqual([1]);
  }, 30_000);
});

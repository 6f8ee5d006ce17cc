import type { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fetchWithRetries, retryAfterMs, type RetryPolicy } from '../src/fetch-with-retries.ts';
import { createGuardedFetcher, type GuardedFetcher } from '../src/guarded-fetch.ts';
import { RemoteFetchError } from '../src/remote-fetch-error.ts';
import { type LoopbackServer, startLoopbackServer } from './loopback-server.ts';

// Which failures to load a remote source are worth another attempt, and that every attempt and wait
// fits one time limit.

let server: LoopbackServer;
let fetcher: GuardedFetcher;
const seen = new Map<string, number>();

async function readAll(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const hit = (seen.get(path) ?? 0) + 1;
    seen.set(path, hit);
    switch (path) {
      case '/ok':
        response.end('body');
        return;
      case '/503-then-ok':
        if (hit === 1) response.writeHead(503, { 'retry-after': '1' }).end();
        else response.end('body');
        return;
      case '/503-long':
        response.writeHead(503, { 'retry-after': '60' }).end();
        return;
      case '/502':
        response.writeHead(502).end();
        return;
      case '/404':
        response.writeHead(404).end();
        return;
      case '/reset-then-ok':
        if (hit === 1) request.socket.destroy();
        else response.end('body');
        return;
      case '/reset':
        request.socket.destroy();
        return;
      case '/truncated-then-ok':
        // A body shorter than its Content-Length the first time.
        if (hit === 1) {
          response.writeHead(200, { 'content-length': '100' });
          response.write('short');
          setTimeout(() => request.socket.destroy(), 20);
        } else response.end('body');
        return;
      case '/silent':
        return;
      default:
        response.writeHead(404).end();
    }
  });
  fetcher = createGuardedFetcher({ allow: ['127.0.0.1/32'], timeoutMs: 5_000, maxBytes: 1_000_000, maxRedirects: 0 });
});

beforeEach(() => seen.clear());

afterAll(async () => {
  await fetcher.close();
  await server.close();
});

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({ budgetMs: 3_000, retries: 2, retryDelayMs: 50, ...overrides });
const load = (path: string, overrides: Partial<RetryPolicy> = {}) =>
  fetchWithRetries(fetcher, `${server.origin}${path}`, policy(overrides), (response) => readAll(response.body));

async function failure(promise: Promise<unknown>): Promise<RemoteFetchError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(RemoteFetchError);
  return error as RemoteFetchError;
}

describe('fetchWithRetries', () => {
  it('hands a 2xx body to the consumer', async () => {
    expect(await load('/ok')).toBe('body');
    expect(seen.get('/ok')).toBe(1);
  });

  it('waits for a Retry-After that fits the budget, then succeeds', async () => {
    const started = Date.now();
    expect(await load('/503-then-ok')).toBe('body');
    expect(seen.get('/503-then-ok')).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('fails at once with the status when Retry-After is beyond the budget', async () => {
    const started = Date.now();
    const error = await failure(load('/503-long'));
    expect({ code: error.code, status: error.status, reason: error.reason }).toEqual({ code: 'http_status', status: 503, reason: '503' });
    expect(seen.get('/503-long')).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('retries a 502 up to `retries` times, then fails with it', async () => {
    const error = await failure(load('/502'));
    expect(error.reason).toBe('502');
    expect(seen.get('/502')).toBe(3);
  });

  it('never retries a 404', async () => {
    const error = await failure(load('/404'));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'http_status', reason: '404' });
    expect(seen.get('/404')).toBe(1);
  });

  it('retries a reset connection, and a body cut short', async () => {
    expect(await load('/reset-then-ok')).toBe('body');
    expect(seen.get('/reset-then-ok')).toBe(2);
    expect(await load('/truncated-then-ok')).toBe('body');
    expect(seen.get('/truncated-then-ok')).toBe(2);
  });

  it('gives up on a connection reset every time after its retries', async () => {
    const error = await failure(load('/reset'));
    expect({ code: error.code, transient: error.transient }).toEqual({ code: 'network', transient: true });
    expect(error.reason).toMatch(/^connection (reset|closed) by the server$/);
    expect(seen.get('/reset')).toBe(3);
  });

  it('does not retry with retries=0', async () => {
    await failure(load('/reset', { retries: 0 }));
    expect(seen.get('/reset')).toBe(1);
  });

  it('never retries a refused connection', async () => {
    const closed = await startLoopbackServer(() => undefined);
    await closed.close();
    const started = Date.now();
    const error = await failure(fetchWithRetries(fetcher, `${closed.origin}/x`, policy(), (response) => readAll(response.body)));
    expect({ code: error.code, reason: error.reason, transient: error.transient }).toEqual({
      code: 'network',
      reason: 'connection refused',
      transient: false,
    });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('never retries an unknown host', async () => {
    const error = await failure(
      fetchWithRetries(
        createGuardedFetcher({ allow: [], timeoutMs: 2_000, maxBytes: 1_000, maxRedirects: 0 }),
        'http://rendition-no-such-host.invalid/x',
        policy(),
        (response) => readAll(response.body),
      ),
    );
    expect({ code: error.code, reason: error.reason, transient: error.transient }).toEqual({
      code: 'network',
      reason: 'host not found',
      transient: false,
    });
  });

  it('bounds everything by the budget, and reports the budget when it runs out', async () => {
    const started = Date.now();
    const error = await failure(load('/silent', { budgetMs: 400 }));
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'timeout', reason: 'timed out after 400 ms' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen.get('/silent')).toBe(1);
  });

  it('passes a failure of the consumer that is not a fetch error through, untried', async () => {
    const mine = new Error('disk full');
    await expect(fetchWithRetries(fetcher, `${server.origin}/ok`, policy(), () => Promise.reject(mine))).rejects.toBe(mine);
    expect(seen.get('/ok')).toBe(1);
  });
});

describe('a destroyed fetcher', () => {
  it('fails what was in flight with an error of its own, not a remote failure', async () => {
    const own = createGuardedFetcher({ allow: ['127.0.0.1/32'], timeoutMs: 5_000, maxBytes: 1_000, maxRedirects: 0 });
    const pending = own.fetch(`${server.origin}/silent`).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await own.destroy();
    const error = await pending;
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RemoteFetchError);
    expect((error as Error).message).toMatch(/abandoned/);
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['3', 3_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 1970 00:00:10 GMT', 10_000],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, want) => {
    expect(retryAfterMs(value, 0)).toBe(want);
  });
});

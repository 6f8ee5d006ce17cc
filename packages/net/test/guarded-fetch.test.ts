import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGuardedFetcher, type GuardedFetcher, type GuardedFetcherOptions } from '../src/guarded-fetch.ts';
import { type ConnectionAttempts, recordConnectionAttempts } from './connection-attempts.ts';
import { type LoopbackServer, startLoopbackServer } from './loopback-server.ts';
import { makeSelfSignedCert } from '@rendition/testing';

const payload = randomBytes(100_000);

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const fetchers: GuardedFetcher[] = [];
function fetcher(options: Partial<GuardedFetcherOptions> = {}): GuardedFetcher {
  const created = createGuardedFetcher({ allow: [], timeoutMs: 2_000, maxBytes: 1_000_000, maxRedirects: 3, ...options });
  fetchers.push(created);
  return created;
}

let server: LoopbackServer;
let attempts: ConnectionAttempts;

beforeAll(async () => {
  server = await startLoopbackServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const redirect = url.searchParams.get('to');
    if (url.pathname === '/payload') {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length });
      response.end(payload);
    } else if (url.pathname === '/redirect' && redirect !== null) {
      response.writeHead(Number(url.searchParams.get('status') ?? 302), { location: redirect });
      response.end('moved');
    } else if (url.pathname.startsWith('/loop/')) {
      const n = Number(url.pathname.slice('/loop/'.length));
      response.writeHead(302, { location: `/loop/${n + 1}` });
      response.end();
    } else if (url.pathname === '/declared-large') {
      response.writeHead(200, { 'content-length': 2_000 });
      response.end(Buffer.alloc(2_000));
    } else if (url.pathname === '/chunked') {
      // No Content-Length: only counting while streaming can catch it.
      response.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const timer = setInterval(() => {
        response.write(Buffer.alloc(500, 'a'));
        if (++sent === 10) {
          clearInterval(timer);
          response.end();
        }
      }, 5);
      response.once('close', () => clearInterval(timer));
    } else if (url.pathname === '/silent') {
      // Accepts the request and never answers.
    } else if (url.pathname === '/stall-body') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('first bytes');
    } else if (url.pathname === '/echo') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
        response.end(
          JSON.stringify({
            method: request.method,
            body: Buffer.concat(chunks).toString(),
            authorization: request.headers.authorization ?? null,
            contentType: request.headers['content-type'] ?? null,
            userAgent: request.headers['user-agent'] ?? null,
          }),
        );
      });
    } else {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end(`path ${url.pathname}`);
    }
  });
});

let connectionsBefore = 0;
const newConnections = (): number => server.connections() - connectionsBefore;

beforeEach(() => {
  attempts = recordConnectionAttempts();
  server.hits.length = 0;
  connectionsBefore = server.connections();
});

afterEach(() => attempts.stop());

afterAll(async () => {
  await Promise.all(fetchers.map((created) => created.close()));
  await server.close();
});

describe('refused by default', () => {
  it('refuses 127.0.0.1 without connecting', async () => {
    const url = `${server.origin}/x`;
    await expect(fetcher().fetch(url)).rejects.toMatchObject({
      code: 'refused_address',
      message: `Refused to fetch ${url}: address 127.0.0.1 is not allowed`,
    });
    expect(attempts.sockets()).toBe(0);
    expect(newConnections()).toBe(0);
  });

  it('refuses the name localhost once it resolves to loopback, before any request is sent', async () => {
    await expect(fetcher().fetch(`http://localhost:${server.port}/x`)).rejects.toMatchObject({
      code: 'refused_address',
      message: `Refused to fetch http://localhost:${server.port}/x: address 127.0.0.1 is not allowed`,
    });
    // Refused inside the socket's DNS lookup: the TCP handshake never happens.
    expect(newConnections()).toBe(0);
  });

  it('refuses the [::1] literal without connecting', async () => {
    await expect(fetcher().fetch(`http://[::1]:${server.port}/x`)).rejects.toMatchObject({ code: 'refused_address' });
    expect(attempts.sockets()).toBe(0);
  });

  it.each([
    'http://10.0.0.1/x',
    'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
    'http://192.168.1.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://100.64.0.1/',
    'http://255.255.255.255/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[64:ff9b::a00:1]/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://[::]/',
    'http://2130706433/',
    'https://0x7f.1/',
  ])('refuses %s without any connection attempt', async (url) => {
    await expect(fetcher().fetch(url)).rejects.toMatchObject({ code: 'refused_address' });
    expect(attempts.scheduled()).toBe(0);
    expect(attempts.sockets()).toBe(0);
  });

  it.each(['ftp://example.com/x', 'file:///etc/passwd', 'http://user:pass@example.com/', 'nonsense'])(
    'refuses %s as bad_url without connecting',
    async (url) => {
      await expect(fetcher().fetch(url)).rejects.toMatchObject({ code: 'bad_url' });
      expect(attempts.sockets()).toBe(0);
    },
  );
});

describe('allow-listed', () => {
  it('fetches from 127.0.0.1 when 127.0.0.1/32 is allowed', async () => {
    const response = await fetcher({ allow: ['127.0.0.1/32'] }).fetch(`${server.origin}/payload`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/octet-stream');
    expect(response.finalUrl).toBe(`${server.origin}/payload`);
    expect((await readAll(response.body)).equals(payload)).toBe(true);
  });

  it('fetches from [::1] when ::1/128 is allowed', async () => {
    const v6 = await startLoopbackServer((_request, response) => response.end(payload), { host: '::1' });
    try {
      const guarded = fetcher({ allow: ['::1/128'] });
      const response = await guarded.fetch(`${v6.origin}/payload`);
      expect((await readAll(response.body)).equals(payload)).toBe(true);
      await expect(guarded.fetch(`${server.origin}/payload`)).rejects.toMatchObject({ code: 'refused_address' });
    } finally {
      await v6.close();
    }
  });

  it('fetches from a hostname allowed by name, skipping the address check', async () => {
    const response = await fetcher({ allow: ['LocalHost'] }).fetch(`http://localhost:${server.port}/named`);
    expect(await readAll(response.body)).toEqual(Buffer.from('path /named'));
  });

  it('joins repeated headers and lower-cases names', async () => {
    const response = await fetcher({ allow: ['127.0.0.1'] }).fetch(`${server.origin}/echo`);
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
    expect(JSON.parse((await readAll(response.body)).toString())).toMatchObject({ method: 'GET', userAgent: 'Rendition' });
  });

  it('posts a body with headers, as webhook delivery does', async () => {
    const response = await fetcher({ allow: ['127.0.0.1'], userAgent: 'Rendition-Webhooks/1' }).fetch(`${server.origin}/echo`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' },
      body: '{"a":1}',
      followRedirects: false,
    });
    expect(JSON.parse((await readAll(response.body)).toString())).toEqual({
      method: 'POST',
      body: '{"a":1}',
      authorization: 'Bearer t',
      contentType: 'application/json',
      userAgent: 'Rendition-Webhooks/1',
    });
  });
});

describe('redirects', () => {
  it('re-checks every hop: an allowed name redirecting to a refused address fails before the second request', async () => {
    const secret = `http://127.0.0.1:${server.port}/secret`;
    const start = `http://localhost:${server.port}/redirect?to=${encodeURIComponent(secret)}`;
    await expect(fetcher({ allow: ['localhost'] }).fetch(start)).rejects.toMatchObject({
      code: 'refused_address',
      message: `Refused to fetch ${secret}: address 127.0.0.1 is not allowed`,
    });
    expect(server.hits.map((hit) => hit.split('?')[0])).toEqual(['/redirect']);
    expect(newConnections()).toBe(1);
  });

  it('refuses a redirect to a private literal without opening a second connection', async () => {
    const start = `${server.origin}/redirect?to=${encodeURIComponent('http://10.0.0.1/admin')}`;
    await expect(fetcher({ allow: ['127.0.0.1/32'] }).fetch(start)).rejects.toMatchObject({ code: 'refused_address' });
    expect(attempts.sockets()).toBe(1);
  });

  it('refuses a redirect to another scheme', async () => {
    const start = `${server.origin}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`;
    await expect(fetcher({ allow: ['127.0.0.1/32'] }).fetch(start)).rejects.toMatchObject({ code: 'bad_url' });
  });

  it('follows allowed hops and reports the final URL', async () => {
    const start = `${server.origin}/redirect?status=301&to=${encodeURIComponent('/redirect?status=308&to=/payload')}`;
    const response = await fetcher({ allow: ['127.0.0.1/32'] }).fetch(start);
    expect(response.status).toBe(200);
    expect(response.finalUrl).toBe(`${server.origin}/payload`);
    expect((await readAll(response.body)).equals(payload)).toBe(true);
  });

  it('fails past maxRedirects', async () => {
    await expect(fetcher({ allow: ['127.0.0.1/32'], maxRedirects: 2 }).fetch(`${server.origin}/loop/0`)).rejects.toMatchObject({
      code: 'too_many_redirects',
      message: `Refused to fetch ${server.origin}/loop/0: more than 2 redirects`,
    });
    expect(server.hits).toEqual(['/loop/0', '/loop/1', '/loop/2']);
  });

  it('returns the redirect itself when followRedirects is false', async () => {
    const response = await fetcher({ allow: ['127.0.0.1/32'] }).fetch(`${server.origin}/loop/0`, { followRedirects: false });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/loop/1');
    response.body.destroy();
    expect(server.hits).toEqual(['/loop/0']);
  });

  it('turns a POST into a bodiless GET on 302 and keeps it on 307', async () => {
    const guarded = fetcher({ allow: ['127.0.0.1/32'] });
    const post = { method: 'POST' as const, body: 'data', headers: { 'content-type': 'text/plain' } };
    const after302 = await guarded.fetch(`${server.origin}/redirect?status=302&to=/echo`, post);
    expect(JSON.parse((await readAll(after302.body)).toString())).toMatchObject({ method: 'GET', body: '', contentType: null });
    const after307 = await guarded.fetch(`${server.origin}/redirect?status=307&to=/echo`, post);
    expect(JSON.parse((await readAll(after307.body)).toString())).toMatchObject({ method: 'POST', body: 'data', contentType: 'text/plain' });
  });

  it('drops credentials on a cross-origin hop', async () => {
    const other = `http://localhost:${server.port}/echo`;
    const response = await fetcher({ allow: ['127.0.0.1/32', 'localhost'] }).fetch(`${server.origin}/redirect?to=${encodeURIComponent(other)}`, {
      headers: { Authorization: 'Bearer secret' },
    });
    expect(JSON.parse((await readAll(response.body)).toString())).toMatchObject({ authorization: null });
  });
});

describe('bounds', () => {
  it('refuses a declared Content-Length above maxBytes before reading', async () => {
    await expect(fetcher({ allow: ['127.0.0.1/32'], maxBytes: 1_000 }).fetch(`${server.origin}/declared-large`)).rejects.toMatchObject({
      code: 'too_large',
      message: `Refused to fetch ${server.origin}/declared-large: the response is larger than 1000 bytes`,
    });
  });

  it('fails the body stream once a chunked response passes maxBytes', async () => {
    const response = await fetcher({ allow: ['127.0.0.1/32'], maxBytes: 1_000 }).fetch(`${server.origin}/chunked`);
    expect(response.status).toBe(200);
    await expect(readAll(response.body)).rejects.toMatchObject({ code: 'too_large' });
  });

  it('accepts a body of exactly maxBytes', async () => {
    const response = await fetcher({ allow: ['127.0.0.1/32'], maxBytes: 5_000 }).fetch(`${server.origin}/chunked`);
    expect((await readAll(response.body)).length).toBe(5_000);
  });

  it('times out when the server never answers', async () => {
    const started = Date.now();
    await expect(fetcher({ allow: ['127.0.0.1/32'], timeoutMs: 300 }).fetch(`${server.origin}/silent`)).rejects.toMatchObject({
      code: 'timeout',
      message: `Timed out fetching ${server.origin}/silent after 300 ms`,
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('times out while the body is still streaming', async () => {
    const started = Date.now();
    const response = await fetcher({ allow: ['127.0.0.1/32'], timeoutMs: 300 }).fetch(`${server.origin}/stall-body`);
    expect(response.status).toBe(200);
    await expect(readAll(response.body)).rejects.toMatchObject({ code: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("passes the caller's abort reason through", async () => {
    const controller = new AbortController();
    const pending = fetcher({ allow: ['127.0.0.1/32'] }).fetch(`${server.origin}/silent`, { signal: controller.signal });
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('reports a closed port as a network error', async () => {
    const closed = await startLoopbackServer(() => undefined);
    await closed.close();
    await expect(fetcher({ allow: ['127.0.0.1/32'] }).fetch(`${closed.origin}/x`)).rejects.toMatchObject({
      code: 'network',
      message: `Could not fetch ${closed.origin}/x: connection refused`,
    });
  });
});

describe('https', () => {
  const { key, cert } = makeSelfSignedCert();
  let tlsServer: LoopbackServer;

  beforeAll(async () => {
    tlsServer = await startLoopbackServer((_request, response) => response.end(payload), { tls: { key, cert } });
  });
  afterAll(() => tlsServer.close());

  it('trusts a self-signed server given as extraCaPem', async () => {
    const response = await fetcher({ allow: ['127.0.0.1/32'], extraCaPem: cert }).fetch(`${tlsServer.origin}/x`);
    expect((await readAll(response.body)).equals(payload)).toBe(true);
  });

  it('still verifies the name against the certificate', async () => {
    const response = await fetcher({ allow: ['localhost'], extraCaPem: cert }).fetch(`https://localhost:${tlsServer.port}/x`);
    expect((await readAll(response.body)).equals(payload)).toBe(true);
  });

  it('checks the resolved address of a TLS connection too', async () => {
    const url = `https://localhost:${tlsServer.port}/x`;
    const allowed = await fetcher({ allow: ['127.0.0.1/32'], extraCaPem: cert }).fetch(url);
    expect((await readAll(allowed.body)).equals(payload)).toBe(true);
    const before = tlsServer.connections();
    await expect(fetcher({ extraCaPem: cert }).fetch(url)).rejects.toMatchObject({ code: 'refused_address' });
    expect(tlsServer.connections()).toBe(before);
  });

  it('refuses the same server without it', async () => {
    await expect(fetcher({ allow: ['127.0.0.1/32'] }).fetch(`${tlsServer.origin}/x`)).rejects.toMatchObject({
      code: 'network',
      message: expect.stringContaining('TLS certificate verification failed'),
    });
  });
});

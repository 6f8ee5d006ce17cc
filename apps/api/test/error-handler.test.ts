import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueUnavailableError } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { installErrorHandling } from '../src/error-handler.ts';

// 503s in Cloudinary's shape with Retry-After: a queue that cannot be reached, and a request that
// arrives while the server closes.

const apps: FastifyInstance[] = [];

async function server(options: { return503OnClosing?: boolean; retryAfter?: number } = {}): Promise<{ app: FastifyInstance; port: number }> {
  const app = Fastify({ bodyLimit: 100, ...(options.return503OnClosing === undefined ? {} : { return503OnClosing: options.return503OnClosing }) });
  apps.push(app);
  installErrorHandling(app, {
    maxUploadBytes: 1_000,
    maxFieldsTotalBytes: 100,
    ...(options.retryAfter === undefined ? {} : { unavailableRetryAfterSeconds: options.retryAfter }),
  });
  app.get('/queue', async () => {
    throw new QueueUnavailableError({ retryAfterSeconds: 11 });
  });
  app.get('/wrapped', async () => {
    throw new ApiError(503, 'Service unavailable: wrapped', { cause: new QueueUnavailableError({ retryAfterSeconds: 12 }), expose: true });
  });
  app.get('/plain', async () => {
    throw new ApiError(503, 'Service unavailable: plain', { expose: true });
  });
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { slow: true };
  });
  app.get('/ok', async () => ({ ok: true }));
  app.post('/echo', async (request) => request.body);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { app, port: typeof address === 'object' && address ? address.port : 0 };
}

afterEach(async () => {
  await Promise.allSettled(apps.splice(0).map((app) => app.close()));
});

describe('503 answers', () => {
  it.each([
    ['/queue', '11', 'Service unavailable: the job queue cannot be reached, try again shortly'],
    ['/wrapped', '12', 'Service unavailable: wrapped'],
    ['/plain', '5', 'Service unavailable: plain'],
  ])('%s: Retry-After %s, Cloudinary body', async (path, retryAfter, message) => {
    const { app } = await server();
    const response = await app.inject({ method: 'GET', url: path });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe(retryAfter);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ error: { message } });
  });

  it('the configured Retry-After applies to 503s that name none', async () => {
    const { app } = await server({ retryAfter: 30 });
    expect((await app.inject({ method: 'GET', url: '/plain' })).headers['retry-after']).toBe('30');
  });

  it('no Retry-After on other errors', async () => {
    const { app } = await server();
    const response = await app.inject({ method: 'GET', url: '/missing' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['retry-after']).toBeUndefined();
  });
});

/**
 * A keep-alive connection busy when the server starts closing: its first request is answered, and the
 * next one sent on it arrives while the server closes. Returns the two raw responses.
 */
async function nextRequestWhileClosing(app: FastifyInstance, port: number): Promise<[string, string]> {
  const socket = connect({ host: '127.0.0.1', port });
  let raw = '';
  socket.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const closing = app.close();
  await until(() => raw.endsWith('{"slow":true}'));
  const first = raw;
  raw = '';
  socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => /\r\n\r\n\{.*\}$/s.test(raw));
  socket.destroy();
  await closing;
  return [first, raw];
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a response');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('while the server closes', () => {
  it("answers 503 in Cloudinary's shape, with Retry-After and Connection: close (return503OnClosing off)", async () => {
    const { app, port } = await server({ return503OnClosing: false, retryAfter: 3 });
    const [first, second] = await nextRequestWhileClosing(app, port);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    const [head = '', body = ''] = second.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain('\r\nretry-after: 3');
    expect(head.toLowerCase()).toContain('\r\nconnection: close');
    expect(head.toLowerCase()).toContain('\r\ncontent-type: application/json');
    expect(JSON.parse(body)).toEqual({ error: { message: 'Service unavailable: the server is shutting down, try again shortly' } });
  });

  it("is Fastify's own body while return503OnClosing is on (Fastify's default): api-server.ts must turn it off", async () => {
    const { app, port } = await server();
    const [, second] = await nextRequestWhileClosing(app, port);
    expect(JSON.parse(second.split('\r\n\r\n')[1] ?? '')).toEqual({ error: 'Service Unavailable', message: 'Service Unavailable', statusCode: 503 });
  });
});

describe("Fastify's own body limit", () => {
  it('answers a body over it with a 413 naming the body limit, not the file limit', async () => {
    const { port } = await server();
    const response = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'x'.repeat(200) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { message: 'Request body too large. Maximum is 100 bytes.' } });
  });
});

import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  connectCatalog,
  createApiKey,
  createOutcomeWaiter,
  dropDatabase,
  ensureDatabaseExists,
  migrateToLatest,
  setCloudRateLimits,
  type ApiCredentials,
  type CatalogDb,
  type OutcomeWaiter,
} from '@rendition/catalog';
import { createJobQueues, createRedisConnection, type JobQueues } from '@rendition/jobs';
import { createLogger, type Logger } from '@rendition/logging';
import { DEFAULT_PARAMETER_LIMITS, signParams } from '@rendition/protocol';
import { FsBlobStore } from '@rendition/storage';
import { buildApiServer, type ApiServerOptions } from '../src/api-server.ts';
import type { RateLimitSettings } from '../src/rate-limits/rate-limit-settings.ts';
import { ADMIN_API_WORDS, isAdminApiRoute, UPLOAD_ROUTE } from '../src/rate-limits/install-rate-limits.ts';

// The rate limits in the API server as deployed (buildApiServer with every route), against the real
// PostgreSQL and Redis. Each server counts under a Redis prefix of its own (removed afterwards), and
// the windows are cut from a fixed clock, so no test depends on when it runs.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** 10:15:30 UTC: the hour ends at 11:00:00, the minute at 10:16:00. */
const NOW = Date.parse('2030-01-01T10:15:30Z');
const NO_LIMITS: RateLimitSettings = { adminPerHour: 0, uploadsPerMinute: 0, uploadsPerHour: 0, uploadConcurrency: 0 };

let databaseUrl: string;
let db: CatalogDb;
let queues: JobQueues;
let outcomes: OutcomeWaiter;
let storeDir: string;
let demo: ApiCredentials;
const prefixes: string[] = [];
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres');
  base.pathname = `/rendition_rate_limits_${randomBytes(4).toString('hex')}`;
  databaseUrl = base.toString();
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  demo = await createApiKey(db, 'demo');
  queues = createJobQueues({ redisUrl: REDIS_URL, prefix: `rendition-test-rl-${randomBytes(4).toString('hex')}` });
  outcomes = createOutcomeWaiter(databaseUrl);
  storeDir = await mkdtemp(join(tmpdir(), 'rendition-rate-limits-'));
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  await outcomes?.close();
  await queues?.close();
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
  const redis = createRedisConnection(REDIS_URL, 'worker');
  try {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
});

interface ServerChoice {
  limits: Partial<RateLimitSettings>;
  /** Shared by servers that stand for replicas of one deployment. */
  prefix?: string;
  redisUrl?: string;
  logger?: Logger;
}

function newPrefix(): string {
  const prefix = `rendition-test-rl-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

async function startServer(choice: ServerChoice): Promise<FastifyInstance> {
  const options: ApiServerOptions = {
    logger: choice.logger ?? createLogger({ level: 'silent' }),
    db,
    store: new FsBlobStore(storeDir),
    queues,
    outcomes,
    // No test here fetches a remote source.
    addressPolicy: {} as ApiServerOptions['addressPolicy'],
    s3SourceBuckets: [],
    publicBaseUrl: 'http://127.0.0.1',
    secureBaseUrl: 'https://127.0.0.1',
    limits: {
      maxUploadBytes: 10 * 1024 * 1024,
      maxDataUriBytes: 10 * 1024 * 1024,
      syncUploadTimeoutMs: 5_000,
      parameters: DEFAULT_PARAMETER_LIMITS,
      maxOutputDimension: 4_000,
      maxOutputPixels: 16_000_000,
      deriveWaitTimeoutMs: 5_000,
      video: { maxSyncBytes: 1_000_000, maxPixels: 1_000_000, maxFrameRate: 60, maxBitRate: 1_000_000 },
    },
    rateLimits: {
      redisUrl: choice.redisUrl ?? REDIS_URL,
      keyPrefix: choice.prefix ?? newPrefix(),
      limits: { ...NO_LIMITS, ...choice.limits },
      timeoutMs: 500,
      // A cloud's own limits apply at once.
      cloudSettingsTtlMs: 0,
      now: () => NOW,
    },
  };
  const app = await buildApiServer(options);
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

function baseUrl(app: FastifyInstance): string {
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('not listening');
  return `http://127.0.0.1:${address.port}`;
}

const basic = (credentials: ApiCredentials) => `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.apiSecret}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { message: string } } & Record<string, unknown>;
}

async function call(app: FastifyInstance, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${baseUrl(app)}${path}`, init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

const ping = (app: FastifyInstance, credentials: ApiCredentials = demo) =>
  call(app, `/v1_1/${credentials.cloudName}/ping`, { headers: { authorization: basic(credentials) } });

/** An upload that carries no file: weighed by the limits, then refused by the route (400). */
function emptyUpload(app: FastifyInstance, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return call(app, '/v1_1/demo/image/upload', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

function signedFields(credentials: ApiCredentials, fields: Record<string, string> = {}): Record<string, string> {
  const params = { timestamp: String(Math.floor(Date.now() / 1000)), ...fields };
  return { ...params, api_key: credentials.apiKey, signature: signParams(params, credentials.apiSecret, { algorithm: 'sha1', version: 2 }) };
}

function rateHeaders(answer: Answer, feature = '') {
  return {
    limit: answer.headers.get(`x-feature${feature}ratelimit-limit`),
    remaining: answer.headers.get(`x-feature${feature}ratelimit-remaining`),
    reset: answer.headers.get(`x-feature${feature}ratelimit-reset`),
  };
}

const HOUR_RESET = { header: 'Tue, 01 Jan 2030 11:00:00 GMT', text: '2030-01-01 11:00:00' };

describe('Admin API: calls per key per hour', () => {
  it('every answer carries the X-FeatureRateLimit headers, Remaining going down; the (N+1)th call is a 420 in Cloudinary words', async () => {
    const app = await startServer({ limits: { adminPerHour: 3 } });
    const answers = [
      await ping(app),
      await call(app, '/v1_1/demo/resources/image/upload/missing', { headers: { authorization: basic(demo) } }),
      await ping(app),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 200]);
    expect(answers.map((answer) => rateHeaders(answer))).toEqual([
      { limit: '3', remaining: '2', reset: HOUR_RESET.header },
      { limit: '3', remaining: '1', reset: HOUR_RESET.header },
      { limit: '3', remaining: '0', reset: HOUR_RESET.header },
    ]);

    const refused = await ping(app);
    expect(refused.status).toBe(420);
    expect(refused.body).toEqual({ error: { message: `Rate Limit Exceeded. Limit of 3 api operations reached. Try again on ${HOUR_RESET.text} UTC` } });
    expect(rateHeaders(refused)).toEqual({ limit: '3', remaining: '0', reset: HOUR_RESET.header });
    expect(refused.headers.get('x-cld-error')).toBe(refused.body.error?.message);
    // Refused calls stay refused until the hour ends; a POST with a body is refused before it is read.
    const created = await call(app, '/v1_1/demo/folders/new-folder', { method: 'POST', headers: { authorization: basic(demo) } });
    expect(created.status).toBe(420);
  });

  it('keeps the header names’ case on the wire', async () => {
    const app = await startServer({ limits: { adminPerHour: 10 } });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const request = httpRequest(`${baseUrl(app)}/v1_1/demo/ping`, { headers: { authorization: basic(demo) } }, resolve);
      request.on('error', reject);
      request.end();
    });
    response.resume();
    const names = response.rawHeaders.filter((_, index) => index % 2 === 0);
    expect(names).toEqual(expect.arrayContaining(['X-FeatureRateLimit-Limit', 'X-FeatureRateLimit-Remaining', 'X-FeatureRateLimit-Reset']));
  });

  it('counts calls with credentials only: a wrong secret is the usual 401, uncounted and without the headers', async () => {
    const app = await startServer({ limits: { adminPerHour: 2 } });
    const wrong = await ping(app, { ...demo, apiSecret: 'not-the-secret' });
    expect(wrong.status).toBe(401);
    expect(rateHeaders(wrong)).toEqual({ limit: null, remaining: null, reset: null });
    const missing = await call(app, '/v1_1/demo/ping');
    expect(missing.status).toBe(401);
    expect(rateHeaders(await ping(app)).remaining).toBe('1');
  });

  it('counts each key on its own, and never the Upload API', async () => {
    const app = await startServer({ limits: { adminPerHour: 1 } });
    const second = await createApiKey(db, 'demo');
    expect((await ping(app)).status).toBe(200);
    expect((await ping(app)).status).toBe(420);
    expect(rateHeaders(await ping(app, second))).toEqual({ limit: '1', remaining: '0', reset: HOUR_RESET.header });
    const upload = await emptyUpload(app, {}, { authorization: basic(demo) });
    expect(upload.status).toBe(400);
    expect(rateHeaders(upload)).toEqual({ limit: null, remaining: null, reset: null });
  });

  it('is one limit across replicas: two API servers on the same Redis share the count', async () => {
    const prefix = newPrefix();
    const [one, two] = [await startServer({ limits: { adminPerHour: 3 }, prefix }), await startServer({ limits: { adminPerHour: 3 }, prefix })];
    const remaining = [];
    for (const app of [one, two, one]) remaining.push(rateHeaders(await ping(app)).remaining);
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await ping(two);
    expect(refused.status).toBe(420);
    expect(refused.body.error?.message).toBe(`Rate Limit Exceeded. Limit of 3 api operations reached. Try again on ${HOUR_RESET.text} UTC`);
  });

  it("applies a cloud's own limit over the global one, and 0 as no limit", async () => {
    const acme = await createApiKey(db, 'acme');
    const open = await createApiKey(db, 'open');
    await setCloudRateLimits(db, 'acme', { adminPerHour: 1 });
    await setCloudRateLimits(db, 'open', { adminPerHour: 0 });
    const app = await startServer({ limits: { adminPerHour: 50 } });
    expect(rateHeaders(await ping(app, acme))).toEqual({ limit: '1', remaining: '0', reset: HOUR_RESET.header });
    expect((await ping(app, acme)).status).toBe(420);
    expect(rateHeaders(await ping(app))).toEqual({ limit: '50', remaining: '49', reset: HOUR_RESET.header });
    const unlimited = await ping(app, open);
    expect(unlimited.status).toBe(200);
    expect(rateHeaders(unlimited)).toEqual({ limit: null, remaining: null, reset: null });
    // Back to the global limit.
    await setCloudRateLimits(db, 'acme', { adminPerHour: null });
    expect(rateHeaders(await ping(app, acme))).toMatchObject({ limit: '50' });
  });
});

describe('uploads: per key per minute and per hour', () => {
  it('counts Basic and signed uploads of one key together and answers 420 past the minute’s limit', async () => {
    const app = await startServer({ limits: { uploadsPerMinute: 2, uploadsPerHour: 100 } });
    const first = await emptyUpload(app, {}, { authorization: basic(demo) });
    expect(first.status).toBe(400);
    expect(rateHeaders(first, 'upload')).toEqual({ limit: '2', remaining: '1', reset: 'Tue, 01 Jan 2030 10:16:00 GMT' });
    const second = await emptyUpload(app, signedFields(demo));
    expect(second.status).toBe(400);
    expect(rateHeaders(second, 'upload')).toEqual({ limit: '2', remaining: '0', reset: 'Tue, 01 Jan 2030 10:16:00 GMT' });

    const refused = await emptyUpload(app, signedFields(demo));
    expect(refused.status).toBe(420);
    expect(refused.body).toEqual({
      error: { message: 'Rate Limit Exceeded. Limit of 2 uploads per minute reached. Try again on 2030-01-01 10:16:00 UTC' },
    });
    expect(refused.headers.get('retry-after')).toBe('30');
    const basicRefused = await emptyUpload(app, {}, { authorization: basic(demo) });
    expect(basicRefused.status).toBe(420);
  });

  it('answers 420 past the hour’s limit, with the tighter window in the headers', async () => {
    const app = await startServer({ limits: { uploadsPerMinute: 10, uploadsPerHour: 1 } });
    const first = await emptyUpload(app, {}, { authorization: basic(demo) });
    expect(rateHeaders(first, 'upload')).toEqual({ limit: '1', remaining: '0', reset: HOUR_RESET.header });
    const refused = await emptyUpload(app, {}, { authorization: basic(demo) });
    expect(refused.status).toBe(420);
    expect(refused.body.error?.message).toBe(`Rate Limit Exceeded. Limit of 1 uploads per hour reached. Try again on ${HOUR_RESET.text} UTC`);
  });

  it('counts unsigned uploads per cloud, apart from the keys', async () => {
    const app = await startServer({ limits: { uploadsPerMinute: 1 } });
    expect((await emptyUpload(app, { upload_preset: 'none' })).status).not.toBe(420);
    const refused = await emptyUpload(app, { upload_preset: 'none' });
    expect(refused.status).toBe(420);
    expect((await emptyUpload(app, {}, { authorization: basic(demo) })).status).toBe(400);
  });

  it('counts a chunked upload once: its later chunks are not counted', async () => {
    const app = await startServer({ limits: { uploadsPerMinute: 1 } });
    const chunk = (range: string) =>
      emptyUpload(app, {}, { authorization: basic(demo), 'x-unique-upload-id': 'rate-limited-upload', 'content-range': range });
    expect((await chunk('bytes 0-9/30')).status).not.toBe(420);
    expect((await chunk('bytes 10-19/30')).status).not.toBe(420);
    expect((await chunk('bytes 20-29/30')).status).not.toBe(420);
    expect((await chunk('bytes 0-9/30')).status).toBe(420);
  });

  it("applies a cloud's own upload limits", async () => {
    const app = await startServer({ limits: { uploadsPerMinute: 100 } });
    await setCloudRateLimits(db, 'demo', { uploadsPerMinute: 1 });
    try {
      expect((await emptyUpload(app, {}, { authorization: basic(demo) })).status).toBe(400);
      expect((await emptyUpload(app, {}, { authorization: basic(demo) })).status).toBe(420);
    } finally {
      await setCloudRateLimits(db, 'demo', { uploadsPerMinute: null });
    }
  });
});

describe('uploads: requests in progress per key', () => {
  const slotsKey = (prefix: string, subject: string) => `${prefix}:ratelimit:upload-slots:${subject}`;

  /** A Basic upload whose body never ends: it holds its slot until the client goes away. */
  function hangingUpload(app: FastifyInstance): { close(): void } {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(baseUrl(app)).port) });
    socket.on('error', () => undefined);
    socket.write(
      'POST /v1_1/demo/image/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: ${basic(demo)}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\npublic_id=slow&`,
    );
    return { close: () => socket.destroy() };
  }

  async function heldSlots(prefix: string, subject: string): Promise<number> {
    const redis = createRedisConnection(REDIS_URL, 'worker');
    try {
      return await redis.zcard(slotsKey(prefix, subject));
    } finally {
      redis.disconnect();
    }
  }

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('refuses one more than the limit with a 420, and gives the slot back when a client goes away', async () => {
    const prefix = newPrefix();
    const app = await startServer({ limits: { uploadConcurrency: 1 }, prefix });
    const subject = `key-${demo.apiKey}`;
    const hanging = hangingUpload(app);
    await until(async () => (await heldSlots(prefix, subject)) === 1, 'the hanging upload to take its slot');

    const refused = await emptyUpload(app, signedFields(demo));
    expect(refused.status).toBe(420);
    expect(refused.body).toEqual({
      error: { message: 'Rate Limit Exceeded. Limit of 1 concurrent uploads reached. Try again once an upload in progress has finished' },
    });
    expect(refused.headers.get('x-featureuploadconcurrency-limit')).toBe('1');
    expect(refused.headers.get('x-featureuploadconcurrency-remaining')).toBe('0');
    expect(refused.headers.get('retry-after')).toBe('1');
    // Another key, and unsigned uploads of the cloud, have slots of their own.
    expect((await emptyUpload(app, { upload_preset: 'none' })).status).not.toBe(420);

    hanging.close();
    await until(async () => (await heldSlots(prefix, subject)) === 0, 'the aborted upload to give its slot back');
    const next = await emptyUpload(app, signedFields(demo));
    expect(next.status).toBe(400);
    expect(next.headers.get('x-featureuploadconcurrency-remaining')).toBe('0');
  });

  it('gives slots back after every answer, refusals and errors included', async () => {
    const prefix = newPrefix();
    const app = await startServer({ limits: { uploadConcurrency: 2, uploadsPerMinute: 3 }, prefix });
    const subject = `key-${demo.apiKey}`;
    const statuses = [];
    for (let index = 0; index < 5; index += 1) statuses.push((await emptyUpload(app, {}, { authorization: basic(demo) })).status);
    expect(statuses).toEqual([400, 400, 400, 420, 420]);
    await until(async () => (await heldSlots(prefix, subject)) === 0, 'every slot to be given back');
  });

  it('lets a crashed replica’s slots lapse: a slot not renewed is not counted after its time', async () => {
    const prefix = newPrefix();
    const app = await startServer({ limits: { uploadConcurrency: 1 }, prefix });
    const redis = createRedisConnection(REDIS_URL, 'worker');
    try {
      // What a replica that died mid-upload leaves: a slot whose time has passed.
      await redis.zadd(slotsKey(prefix, `key-${demo.apiKey}`), Date.now() - 1, 'dead-replica-slot');
      expect((await emptyUpload(app, {}, { authorization: basic(demo) })).status).toBe(400);
      expect(await redis.zscore(slotsKey(prefix, `key-${demo.apiKey}`), 'dead-replica-slot')).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});

describe('Redis away', () => {
  it('lets every call through without limits or headers, and logs a warning (fail open)', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const logger = createLogger({ level: 'silent' });
    const warn = vi.spyOn(logger, 'warn');
    const app = await startServer({
      limits: { adminPerHour: 1, uploadsPerMinute: 1, uploadConcurrency: 1 },
      redisUrl: `redis://127.0.0.1:${port}`,
      logger,
    });
    const started = performance.now();
    for (let index = 0; index < 3; index += 1) {
      const answer = await ping(app);
      expect(answer.status).toBe(200);
      expect(rateHeaders(answer)).toEqual({ limit: null, remaining: null, reset: null });
      expect((await emptyUpload(app, {}, { authorization: basic(demo) })).status).toBe(400);
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(warn).toHaveBeenCalledWith(expect.anything(), expect.stringContaining('rate limits: Redis did not answer'));
  });
});

describe('which routes are the Admin API', () => {
  /** First words after `/v1_1/<cloud>/` that are not the Admin API. */
  const NOT_ADMIN = new Set(['batches', 'download_backup', 'delete_by_token']);

  it('knows every `/v1_1/<cloud>/<word>` route the server has as Admin API or not', async () => {
    const app = await startServer({ limits: {} });
    const words = new Set([...app.printRoutes({ commonPrefix: false }).matchAll(/\/v1_1\/:cloud\/([a-z_]+)/g)].map((match) => match[1] ?? ''));
    expect(words.size).toBeGreaterThan(5);
    const unknown = [...words].filter((word) => !ADMIN_API_WORDS.has(word) && !NOT_ADMIN.has(word));
    expect(unknown, 'a new route: add its first word to ADMIN_API_WORDS (install-rate-limits.ts) or to NOT_ADMIN here').toEqual([]);
  });

  it.each([
    ['/v1_1/:cloud/ping', true],
    ['/v1_1/:cloud/resources/search', true],
    ['/v1_1/:cloud/resources/:resource_type/:type/*', true],
    ['/v1_1/:cloud/folders/*', true],
    ['/v1_1/:cloud/metadata_fields/:externalId/datasource', true],
    ['/v1_1/:cloud/upload_presets', true],
    ['/v1_1/:cloud/:resourceType/upload', false],
    ['/v1_1/:cloud/:resourceType/metadata', false],
    ['/v1_1/:cloud/:resourceType/generate_archive', false],
    ['/v1_1/:cloud/batches/:batchId', false],
    ['/v1_1/:cloud/download_backup', false],
    ['/v1_1/*', false],
    ['/:cloud/:resourceType/:type/*', false],
  ])('%s: %s', (route, admin) => {
    expect(isAdminApiRoute(route)).toBe(admin);
  });

  it('applies the upload limits to the upload routes only', () => {
    const routes = ['/v1_1/:cloud/:resourceType/upload', '/v1_1/:cloud/:resourceType/:type/upload', '/v1_1/:cloud/:resourceType/upload_chunked'];
    for (const route of routes) expect(UPLOAD_ROUTE.test(route)).toBe(true);
    expect(UPLOAD_ROUTE.test('/v1_1/:cloud/:resourceType/explicit')).toBe(false);
  });
});

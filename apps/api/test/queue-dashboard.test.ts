import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES, type JobQueues } from '@rendition/jobs';
import { startDomainTestServices, TEST_REDIS_URL, type DomainTestServices } from '@rendition/testing';
import { buildApiServer, type ApiServerOptions } from '../src/api-server.ts';
import { credentialsMatch, QUEUE_DASHBOARD_REALM, type QueueDashboardSettings } from '../src/queue-dashboard.ts';

// The queue dashboard (bull-board at /admin/queues) in the whole API server, against the real Redis
// and PostgreSQL: never there without operator credentials, every route of it behind them, read-only
// unless configured otherwise, and the counts it shows are Redis's.

const OPERATOR = { user: 'operator', password: 'a-long-operator-password' };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const AUTHORIZED = { authorization: basic(OPERATOR.user, OPERATOR.password) };

// One of the files bull-board's page loads, as the installed @bull-board/ui names it.
const uiDist = join(dirname(createRequire(import.meta.resolve('@bull-board/api')).resolve('@bull-board/ui/package.json')), 'dist', 'static', 'js');
const SCRIPT = `/admin/queues/static/js/${readdirSync(uiDist).find((name) => /^main\..*\.js$/.test(name))}`;

let services: DomainTestServices;
/** A second, independent look at Redis: BullMQ's own counts under the test's prefix. */
let redisQueues: Map<string, Queue>;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  services = await startDomainTestServices('queue-dashboard');
  redisQueues = new Map(QUEUE_NAMES.map((name) => [name, new Queue(name, { connection: { url: TEST_REDIS_URL }, prefix: services.prefix })]));
  // Jobs waiting and delayed in two queues; no worker runs, so they stay as they are.
  for (let index = 0; index < 3; index += 1) await services.queues.enqueue('notify', { v: 1, deliveryId: `msg_waiting${index}` }, `notify-${index}`);
  await services.queues.enqueue('notify', { v: 1, deliveryId: 'msg_later' }, 'notify-later', { delayMs: 3_600_000 });
  await services.queues.enqueue(
    'purge',
    { v: 1, jobId: randomUUID(), cloudName: 'demo', assets: [{ assetId: 'a1', keys: ['demo/a1'], sweep: false }] },
    'purge-1',
  );
}, 60_000);

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  await Promise.all([...(redisQueues?.values() ?? [])].map((queue) => queue.close()));
  await services?.stop();
});

const MB = 1024 * 1024;

/** The configuration's defaults (packages/config), as the api role passes them. */
const LIMITS: ApiServerOptions['limits'] = {
  maxUploadBytes: 100 * MB,
  maxLargeUploadBytes: 20 * 1024 * MB,
  maxDataUriBytes: 60 * MB,
  syncUploadTimeoutMs: 120_000,
  maxOutputDimension: 10_000,
  maxOutputPixels: 50_000_000,
  deriveWaitTimeoutMs: 60_000,
  video: { maxSyncBytes: 100 * MB, maxPixels: 35_389_440, maxFrameRate: 240, maxBitRate: 100_000_000 },
  parameters: {
    contextMaxKeyLength: 128,
    contextMaxValueLength: 1024,
    contextMaxBytes: 8192,
    tagMaxLength: 255,
    tagsMaxPerAsset: 1000,
    metadataMaxValueLength: 1024,
    eagerMaxItems: 20,
    eagerMaxOutputPixels: 200_000_000,
  },
  unavailableRetryAfterSeconds: 7,
};

/** The API server as the api role builds it (apps/cli/src/api-role.ts), on the test's services. */
async function apiServer(queueDashboard?: QueueDashboardSettings, queues: JobQueues = services.queues): Promise<FastifyInstance> {
  const app = await buildApiServer({
    logger: services.logger,
    db: services.db,
    store: services.store,
    queues,
    outcomes: services.outcomes,
    // Nothing here fetches a remote source.
    addressPolicy: {} as ApiServerOptions['addressPolicy'],
    s3SourceBuckets: [],
    publicBaseUrl: 'http://127.0.0.1:8080',
    secureBaseUrl: 'http://127.0.0.1:8080',
    ...(queueDashboard ? { queueDashboard } : {}),
    limits: LIMITS,
  });
  apps.push(app);
  await app.ready();
  return app;
}

interface BoardQueue {
  name: string;
  readOnlyMode: boolean;
  counts: Record<string, number>;
}

async function boardQueues(app: FastifyInstance): Promise<BoardQueue[]> {
  const response = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: AUTHORIZED });
  expect(response.statusCode).toBe(200);
  return (response.json() as { queues: BoardQueue[] }).queues;
}

const DASHBOARD_PATHS = [
  '/admin/queues',
  '/admin/queues/',
  '/admin/queues/queue/notify',
  SCRIPT,
  '/admin/queues/api/queues',
  '/admin/queues/api/redis/stats',
];

describe('queue dashboard without credentials configured', () => {
  it.each([undefined, { readOnly: true }, { readOnly: false }])('answers 404 on every path under /admin/queues (%j)', async (settings) => {
    const app = await apiServer(settings);
    for (const url of [...DASHBOARD_PATHS, '/admin/queues/anything/else/here']) {
      for (const headers of [{}, AUTHORIZED]) {
        const response = await app.inject({ method: 'GET', url, headers });
        expect(response.statusCode, url).toBe(404);
        expect(response.json()).toEqual({ error: { message: `Not found - GET ${url.split('?')[0]}` } });
        expect(response.headers['www-authenticate']).toBeUndefined();
      }
    }
    const put = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/notify/pause', headers: AUTHORIZED });
    expect(put.statusCode).toBe(404);
  });
});

describe('queue dashboard behind the operator credentials', () => {
  const settings: QueueDashboardSettings = { credentials: OPERATOR, readOnly: true };

  it.each([
    ['no Authorization', undefined],
    ['a wrong password', basic(OPERATOR.user, 'a-long-operator-passwore')],
    ['a wrong user', basic('operators', OPERATOR.password)],
    ['the password alone', basic('', OPERATOR.password)],
    ['no colon', `Basic ${Buffer.from(OPERATOR.user + OPERATOR.password).toString('base64')}`],
    ['another scheme', `Bearer ${OPERATOR.password}`],
    ['a cloud API key', basic('111122223333444', 'demo-secret')],
  ])('refuses %s with a 401 and a Basic challenge, on the page, its files and its API', async (_label, authorization) => {
    const app = await apiServer(settings);
    const headers = authorization === undefined ? {} : { authorization };
    for (const [method, url] of [
      ...DASHBOARD_PATHS.map((path) => ['GET', path] as const),
      ['HEAD', '/admin/queues'],
      ['PUT', '/admin/queues/api/queues/notify/pause'],
      ['PUT', '/admin/queues/api/queues/notify/retry/failed'],
      ['GET', '/admin/queues/anything/else/here'],
    ] as const) {
      const response = await app.inject({ method, url, headers });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      expect(response.headers['www-authenticate']).toBe(QUEUE_DASHBOARD_REALM);
      expect(response.body, 'nothing of the dashboard').not.toMatch(/bull|notify|<html/i);
    }
  });

  it('serves the page, its static files and its JSON to the operator', async () => {
    const app = await apiServer(settings);
    for (const url of ['/admin/queues', '/admin/queues/', '/admin/queues/queue/notify']) {
      const page = await app.inject({ method: 'GET', url, headers: AUTHORIZED });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('<base href="/admin/queues/" />');
      expect(page.body).toContain('Rendition queues');
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['cache-control']).toBe('no-store');
    }
    const script = await app.inject({ method: 'GET', url: SCRIPT, headers: AUTHORIZED });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    const stats = await app.inject({ method: 'GET', url: '/admin/queues/api/redis/stats', headers: AUTHORIZED });
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toHaveProperty('version');
    // Lower-case scheme, as RFC 7617 allows.
    const lower = await app.inject({
      method: 'GET',
      url: '/admin/queues',
      headers: { authorization: AUTHORIZED.authorization.replace('Basic', 'basic') },
    });
    expect(lower.statusCode).toBe(200);
  });

  it('lists every queue with the counts Redis holds', async () => {
    const app = await apiServer(settings);
    const queues = await boardQueues(app);
    expect(queues.map((queue) => queue.name).sort()).toEqual([...QUEUE_NAMES].sort());
    for (const queue of queues) {
      const fromRedis = await redisQueues.get(queue.name)!.getJobCounts();
      expect(queue.counts, queue.name).toEqual(fromRedis);
      expect(queue.readOnlyMode).toBe(true);
    }
    const byName = new Map(queues.map((queue) => [queue.name, queue.counts]));
    expect(byName.get('notify')).toMatchObject({ waiting: 3, delayed: 1, active: 0, failed: 0 });
    expect(byName.get('purge')).toMatchObject({ waiting: 1 });
    expect(byName.get('ingest')).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('shows a job of a queue', async () => {
    const app = await apiServer(settings);
    const response = await app.inject({ method: 'GET', url: '/admin/queues/api/queues/notify/notify-1', headers: AUTHORIZED });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ job: { id: 'notify-1', name: 'notify', data: { v: 1, deliveryId: 'msg_waiting1' } }, status: 'waiting' });
  });

  it('refuses every action while read-only, before bull-board runs it', async () => {
    const app = await apiServer(settings);
    for (const [method, url] of [
      ['PUT', '/admin/queues/api/queues/notify/pause'],
      ['PUT', '/admin/queues/api/queues/pause'],
      ['PUT', '/admin/queues/api/queues/notify/clean/delayed'],
      ['PUT', '/admin/queues/api/queues/notify/notify-later/promote'],
      ['POST', '/admin/queues/api/queues/notify/add'],
      ['PATCH', '/admin/queues/api/queues/notify/notify-1/update-data'],
      ['DELETE', '/admin/queues/api/queues/notify/notify-1'],
    ] as const) {
      const response = await app.inject({ method, url, headers: { ...AUTHORIZED, 'content-type': 'application/json' }, payload: '{}' });
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
    }
    expect(await redisQueues.get('notify')!.isPaused()).toBe(false);
    expect(await redisQueues.get('notify')!.getJobCounts('delayed')).toEqual({ delayed: 1 });
  });

  it('lets the operator act with QUEUE_DASHBOARD_READ_ONLY=false', async () => {
    const app = await apiServer({ credentials: OPERATOR, readOnly: false });
    expect((await boardQueues(app)).every((queue) => !queue.readOnlyMode)).toBe(true);
    const pause = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/archive/pause', headers: AUTHORIZED });
    expect(pause.statusCode).toBe(200);
    expect(await redisQueues.get('archive')!.isPaused()).toBe(true);
    const resume = await app.inject({ method: 'PUT', url: '/admin/queues/api/queues/archive/resume', headers: AUTHORIZED });
    expect(resume.statusCode).toBe(200);
    expect(await redisQueues.get('archive')!.isPaused()).toBe(false);
  });

  it('leaves other paths to their routes: unknown dashboard paths are its 404, delivery and health answer as before', async () => {
    const app = await apiServer(settings);
    const unknown = await app.inject({ method: 'GET', url: '/admin/queues/anything/else/here', headers: AUTHORIZED });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: { message: 'Not found - GET /admin/queues/anything/else/here' } });
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    // Delivery still owns /<cloud>/<resource_type>/<type>/…, a cloud named `admin` included.
    const delivery = await app.inject({ method: 'GET', url: '/demo/image/upload/missing.jpg' });
    expect(delivery.statusCode).toBe(404);
    expect(delivery.headers['x-cld-error']).toBeDefined();
    const adminCloud = await app.inject({ method: 'GET', url: '/admin/image/upload/missing.jpg' });
    expect(adminCloud.headers['www-authenticate']).toBeUndefined();
    expect(adminCloud.statusCode).not.toBe(401);
    const adminApi = await app.inject({ method: 'GET', url: '/v1_1/demo/resources/image', headers: AUTHORIZED });
    expect(adminApi.headers['www-authenticate']).toBeUndefined();
  });

  it('answers its API 503 while Redis has never been reached, and serves the queues once it is', async () => {
    let connected = false;
    const queues: JobQueues = { ...services.queues, isConnected: () => connected, allQueues: () => services.queues.allQueues!() };
    const app = await apiServer(settings, queues);
    const away = await app.inject({ method: 'GET', url: '/admin/queues/api/queues', headers: AUTHORIZED });
    expect(away.statusCode).toBe(503);
    expect(away.headers['retry-after']).toBe('7');
    const page = await app.inject({ method: 'GET', url: '/admin/queues', headers: AUTHORIZED });
    expect(page.statusCode).toBe(200);
    connected = true;
    expect((await boardQueues(app)).map((queue) => queue.name).sort()).toEqual([...QUEUE_NAMES].sort());
  });
});

describe('credentialsMatch', () => {
  it.each([
    [basic('operator', 'a-long-operator-password'), true],
    [`basic   ${Buffer.from('operator:a-long-operator-password').toString('base64')}  `, true],
    [basic('operator', 'a-long-operator-password '), false],
    [basic('Operator', 'a-long-operator-password'), false],
    ['Basic', false],
    ['Basic !!!', false],
    ['', false],
    [undefined, false],
  ])('%j → %j', (header, want) => {
    expect(credentialsMatch(header, OPERATOR)).toBe(want);
  });

  it('takes a password holding colons (only the first separates the user)', () => {
    expect(credentialsMatch(basic('ops', 'a:b:c-long-enough'), { user: 'ops', password: 'a:b:c-long-enough' })).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startRedisServer, startWebhookReceiver, type RedisServer, type WebhookReceiver } from '@rendition/testing';
import { startSlowSource, waitUntil, type SlowSource } from './support/resilience-harness.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Every request path that needs Redis answers within a bound while Redis is away: 503 in Cloudinary's
// error shape with Retry-After where it needs the queue, its usual answer where the outbox covers it
// (destroy, rename, tags). Whatever was recorded in the outbox completes once Redis is back. A Redis
// that accepts connections but does not answer is bounded by REDIS_COMMAND_TIMEOUT_MS. During shutdown
// the API's own 503 has Cloudinary's shape too.

const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));
const RETRY_AFTER = 7;
const COMMAND_TIMEOUT_MS = 1_500;
/** What "at once" means here: far below any wait a request could fall into. */
const AT_ONCE_MS = 1_000;

let redis: RedisServer;
let receiver: WebhookReceiver;
let source: SlowSource;
let cluster: TestCluster;

beforeAll(async () => {
  [redis, receiver, source] = await Promise.all([startRedisServer(), startWebhookReceiver(), startSlowSource(PNG)]);
  cluster = await startTestCluster({
    REDIS_URL: redis.url,
    SSRF_ALLOW: '127.0.0.1/32',
    RELAY_INTERVAL_MS: '500',
    RELAY_GRACE_MS: '500',
    WEBHOOK_SCHEDULE_SCALE: '0.001',
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    UNAVAILABLE_RETRY_AFTER_SECONDS: String(RETRY_AFTER),
  });
});

afterAll(async () => {
  // The cluster's own stop() needs Redis (its workers close their queues).
  if (redis) await redis.start().catch(() => undefined);
  await cluster?.stop();
  await Promise.all([redis?.close(), receiver?.close(), source?.close()]);
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { message: string } };
  ms: number;
}

async function call(method: 'GET' | 'POST', path: string, fields?: Record<string, string | string[]>): Promise<Answer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields ?? {})) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  const started = performance.now();
  const response = await fetch(`${cluster.baseUrl}${path}`, {
    method,
    headers: {
      authorization: basicAuthHeader(cluster.credentials),
      ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(method === 'POST' ? { body: body.toString() } : {}),
    // A request that would hang fails the test here rather than at the test's own timeout.
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let parsed: Answer['body'];
  try {
    parsed = JSON.parse(text) as Answer['body'];
  } catch {
    throw new Error(`${method} ${path} answered ${response.status} with a non-JSON body: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body: parsed, ms };
}

const api = (path: string) => `/v1_1/${cluster.cloud}${path}`;

async function uploaded(publicId: string): Promise<void> {
  const answer = await call('POST', api('/image/upload'), { file: `${source.url}/${publicId}.png`, public_id: publicId });
  if (answer.status !== 200) throw new Error(`upload ${publicId}: ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** A 503 in Cloudinary's shape, with Retry-After, answered within `boundMs`. */
function expectUnavailable(answer: Answer, boundMs: number, retryAfter = String(RETRY_AFTER)): void {
  expect({ status: answer.status, body: answer.body }).toEqual({ status: 503, body: { error: { message: expect.stringMatching(/\S/) } } });
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.headers.get('retry-after')).toBe(retryAfter);
  expect(answer.ms).toBeLessThan(boundMs);
}

const unfinished = async () => {
  const db = cluster.cluster.services.db;
  const jobs = await db.selectFrom('jobs').select(['id', 'kind', 'status']).where('finished_at', 'is', null).execute();
  const deliveries = await db.selectFrom('webhook_deliveries').select(['id', 'status']).where('finished_at', 'is', null).execute();
  return { jobs, deliveries };
};

const measured: string[] = [];

describe('Redis stopped', () => {
  let replayPath = '';
  let replayedId = '';

  beforeAll(async () => {
    await Promise.all(['down-explicit', 'down-explicit-async', 'down-destroy', 'down-rename', 'down-tags', 'down-delivery'].map(uploaded));
    // A finished notification, to replay while Redis is away.
    const accepted = await call('POST', api('/image/upload'), {
      file: `${source.url}/down-replayed.png`,
      public_id: 'down-replayed',
      async: 'true',
      notification_url: `${receiver.url}/replayed`,
    });
    await receiver.waitFor(1, { path: '/replayed', timeoutMs: 20_000 });
    const batchId = String(accepted.body.batch_id);
    let notificationId = '';
    await waitUntil(
      async () => {
        const batch = await call('GET', api(`/batches/${batchId}`));
        const [notification] = batch.body.notifications as Array<{ id: string; finished_at: string | null }>;
        notificationId = notification?.finished_at ? notification.id : '';
        return notificationId !== '';
      },
      10_000,
      'the notification to be recorded as delivered',
    );
    replayPath = api(`/batches/${batchId}/notifications/${notificationId}/replay`);
    replayedId = notificationId;

    await redis.stop();
    // The producer connection has noticed (what every test below starts from).
    await waitUntil(() => !cluster.cluster.services.queues.isConnected(), 5_000, 'the API to notice Redis is gone');
  }, 60_000);

  it('upload, async and sync: 503 + Retry-After at once', async () => {
    const asyncAnswer = await call('POST', api('/image/upload'), { file: `${source.url}/refused.png`, async: 'true' });
    expectUnavailable(asyncAnswer, AT_ONCE_MS);
    const syncAnswer = await call('POST', api('/image/upload'), { file: `data:image/png;base64,${PNG.toString('base64')}` });
    expectUnavailable(syncAnswer, AT_ONCE_MS);
    expect(source.hits.get('/refused.png')).toBeUndefined();
    measured.push(`upload async ${Math.round(asyncAnswer.ms)} ms, sync ${Math.round(syncAnswer.ms)} ms`);
  });

  it('explicit with eager, synchronous and eager_async: 503 + Retry-After at once, and the asset is left as it was', async () => {
    const sync = await call('POST', api('/image/explicit'), { public_id: 'down-explicit', type: 'upload', eager: 'w_40', tags: 'changed' });
    expectUnavailable(sync, AT_ONCE_MS);
    const eagerAsync = await call('POST', api('/image/explicit'), {
      public_id: 'down-explicit-async',
      type: 'upload',
      eager: 'w_41',
      eager_async: 'true',
    });
    expectUnavailable(eagerAsync, AT_ONCE_MS);
    const tags = await cluster.cluster.services.db
      .selectFrom('assets')
      .select('tags')
      .where('public_id', '=', 'down-explicit')
      .executeTakeFirstOrThrow();
    expect(tags.tags).toEqual([]);
    measured.push(`explicit sync ${Math.round(sync.ms)} ms, eager_async ${Math.round(eagerAsync.ms)} ms`);
  });

  it('destroy, rename and tags need no queue: answered at once, their notifications recorded', async () => {
    const destroyed = await call('POST', api('/image/destroy'), { public_id: 'down-destroy', notification_url: `${receiver.url}/destroyed` });
    expect({ status: destroyed.status, body: destroyed.body }).toEqual({ status: 200, body: { result: 'ok' } });
    const renamed = await call('POST', api('/image/rename'), {
      from_public_id: 'down-rename',
      to_public_id: 'down-renamed',
      notification_url: `${receiver.url}/renamed`,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.public_id).toBe('down-renamed');
    const tagged = await call('POST', api('/image/tags'), { command: 'add', tag: 'outage', 'public_ids[]': ['down-tags'] });
    expect({ status: tagged.status, body: tagged.body }).toEqual({ status: 200, body: { public_ids: ['down-tags'] } });
    for (const answer of [destroyed, renamed, tagged]) expect(answer.ms).toBeLessThan(AT_ONCE_MS);
    measured.push(`destroy ${Math.round(destroyed.ms)} ms, rename ${Math.round(renamed.ms)} ms, tags ${Math.round(tagged.ms)} ms`);
  });

  it('a first delivery of a derivative: 503 + Retry-After at once', async () => {
    const started = performance.now();
    const response = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/w_33/down-delivery.png`, { signal: AbortSignal.timeout(15_000) });
    const answer: Answer = {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Answer['body'],
      ms: performance.now() - started,
    };
    expectUnavailable(answer, AT_ONCE_MS);
    measured.push(`delivery first hit ${Math.round(answer.ms)} ms`);
  });

  it('a notification replay: 503 + Retry-After at once, nothing reopened', async () => {
    const answer = await call('POST', replayPath);
    expectUnavailable(answer, AT_ONCE_MS);
    const replayed = await cluster.cluster.services.db
      .selectFrom('webhook_deliveries')
      .select(['status', 'finished_at'])
      .where('id', '=', replayedId)
      .executeTakeFirstOrThrow();
    expect(replayed).toMatchObject({ status: 'delivered', finished_at: expect.any(Date) });
    measured.push(`replay ${Math.round(answer.ms)} ms`);
  });

  it('once Redis is back, everything recorded in the outbox completes', async () => {
    await redis.start();
    const [destroyed] = await receiver.waitFor(1, { path: '/destroyed', timeoutMs: 20_000 });
    expect(JSON.parse(destroyed!.body)).toMatchObject({ notification_type: 'delete' });
    const [renamed] = await receiver.waitFor(1, { path: '/renamed', timeoutMs: 20_000 });
    expect(JSON.parse(renamed!.body)).toMatchObject({ notification_type: 'rename', to_public_id: 'down-renamed' });
    await waitUntil(
      async () => {
        const left = await unfinished();
        return left.jobs.length === 0 && left.deliveries.length === 0;
      },
      20_000,
      'no unfinished job or delivery',
    );
    // The derivative refused during the outage is recorded; asked again, it is served.
    const delivered = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/w_33/down-delivery.png`);
    expect(delivered.status).toBe(200);
    console.log(`[redis stopped] ${measured.join('; ')}`);
  }, 60_000);
});

describe('Redis that accepts connections but does not answer', () => {
  it('requests that need it answer within REDIS_COMMAND_TIMEOUT_MS', async () => {
    await waitUntil(() => cluster.cluster.services.queues.isConnected(), 10_000, 'the API to reconnect');
    await uploaded('paused-explicit');
    await uploaded('paused-delivery');
    // Every client of this Redis stalls for longer than any bound below.
    expect(await redis.command('CLIENT', 'PAUSE', '8000', 'ALL')).toBe('OK');
    try {
      const bound = COMMAND_TIMEOUT_MS + 1_500;
      const explicit = await call('POST', api('/image/explicit'), { public_id: 'paused-explicit', type: 'upload', eager: 'w_42' });
      expectUnavailable(explicit, bound);
      const started = performance.now();
      const response = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/w_34/paused-delivery.png`, {
        signal: AbortSignal.timeout(15_000),
      });
      const delivery: Answer = {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as Answer['body'],
        ms: performance.now() - started,
      };
      expectUnavailable(delivery, bound);
      // An async upload is recorded before it is queued: the outbox covers it, so it is accepted.
      const accepted = await call('POST', api('/image/upload'), { file: `${source.url}/paused-async.png`, public_id: 'paused-async', async: 'true' });
      expect(accepted.status).toBe(200);
      expect(accepted.ms).toBeLessThan(bound);
      console.log(
        `[redis paused] explicit ${Math.round(explicit.ms)} ms, delivery ${Math.round(delivery.ms)} ms, async upload ${Math.round(accepted.ms)} ms ` +
          `(REDIS_COMMAND_TIMEOUT_MS=${COMMAND_TIMEOUT_MS})`,
      );
    } finally {
      await redis.command('CLIENT', 'UNPAUSE').catch(() => undefined);
    }
    await waitUntil(async () => (await unfinished()).jobs.length === 0, 20_000, 'the paused-time work to complete');
  }, 60_000);
});

describe('shutdown', () => {
  // Needs `return503OnClosing: false` in api-server.ts's Fastify options (error-handler.ts answers instead).
  it("a request that arrives while the API closes is answered 503 in Cloudinary's shape", async () => {
    // A keep-alive connection busy with a synchronous upload of a slow source when the API starts
    // closing; the next request on it arrives while the API closes.
    const form = new URLSearchParams({ file: `${source.url}/closing.png?delay=1500`, public_id: 'closing' }).toString();
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(cluster.baseUrl).port) });
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `POST /v1_1/${cluster.cloud}/image/upload HTTP/1.1\r\nHost: x\r\nAuthorization: ${basicAuthHeader(cluster.credentials)}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(form)}\r\n\r\n${form}`,
    );
    await source.waitForHit('/closing.png');
    // The API closes first, then the workers: this is the suite's last test, and afterAll's stop() finds it stopped.
    const stopping = cluster.cluster.stop();
    const complete = () => {
      const [head = '', body = ''] = raw.split('\r\n\r\n');
      const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
      return Buffer.byteLength(body) >= length;
    };
    await waitUntil(complete, 15_000, 'the upload to be answered');
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    raw = '';
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => raw.includes('\r\n\r\n') && complete(), 5_000, 'the answer to the request sent while closing');
    socket.destroy();
    await stopping;
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head.toLowerCase()).toContain('\r\ncontent-type: application/json');
    expect(head.toLowerCase()).toMatch(/\r\nretry-after: \d+/);
    expect(JSON.parse(body)).toEqual({ error: { message: expect.stringMatching(/shutting down/) } });
  }, 30_000);
});

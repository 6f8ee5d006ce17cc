import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWebhookSettings, type CatalogDb } from '@rendition/catalog';
import { createRedisConnection, masterConnections } from '@rendition/jobs';
import {
  fixturePath,
  startRedisCluster,
  startWebhookReceiver,
  verifyStandardWebhook,
  type CloudinarySdk,
  type RedisClusterServer,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '@rendition/testing';
import { generateWebhookSecret } from '@rendition/webhooks';
import { acceptUploads, startSlowSource, storedOriginals, tallyNotifications, waitUntil, type SlowSource } from './support/resilience-harness.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';
import { spawnWorker, workerEnvironment, type WorkerProcess } from './support/worker-process.ts';

// Issue 16 item 6: the whole async flow (upload → ingest → derive → signed webhooks) and the chaos test
// (SIGKILL a worker in the middle of its job) against a 3-master Redis Cluster this file starts itself.
// REDIS_URL is redis+cluster://127.0.0.1:P1,…; the API runs in this process, the workers as child
// processes (`rendition worker`, as deployed), so every Redis client of both sides is an ioredis Cluster.

const png = readFileSync(fixturePath('images/embedgravitybird.png'));

let redis: RedisClusterServer;
let receiver: WebhookReceiver;
let source: SlowSource;
let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let webhookSecret: string;
const workers: WorkerProcess[] = [];

const db = (): CatalogDb => cluster.cluster.services.db;
const startWorker = () => {
  const worker = spawnWorker(workerEnvironment(cluster, redis.url));
  workers.push(worker);
  return worker;
};

beforeAll(async () => {
  [redis, receiver, source] = await Promise.all([startRedisCluster(), startWebhookReceiver(), startSlowSource(png)]);
  cluster = await startTestCluster(
    {
      REDIS_URL: redis.url,
      SSRF_ALLOW: '127.0.0.1/32',
      RELAY_INTERVAL_MS: '1000',
      RELAY_GRACE_MS: '1000',
      WEBHOOK_SCHEDULE_SCALE: '0.001',
      SHUTDOWN_TIMEOUT_MS: '5000',
    },
    ['api'],
  );
  webhookSecret = (await cloudWebhookSettings(db(), 'demo', generateWebhookSecret)).webhookSecret;
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
  await cluster?.stop();
  await Promise.all([receiver?.close(), source?.close()]);
  await redis?.close();
});

function verifySigned(webhook: ReceivedWebhook): void {
  const timestamp = Number(webhook.headers['x-cld-timestamp']);
  expect(cloudinary.utils.verifyNotificationSignature(webhook.body, timestamp, String(webhook.headers['x-cld-signature']))).toBe(true);
  expect(verifyStandardWebhook(webhook.body, webhook.headers, webhookSecret)).toBe(true);
}

const jobsOf = (batchIds: string[]) =>
  db().selectFrom('jobs').select(['kind', 'status', 'attempts']).where('batch_id', 'in', batchIds).orderBy('kind').execute();

/** Every key of the test's queues, from every master: [node port, key]. */
async function queueKeys(): Promise<Array<{ port: number; key: string }>> {
  const connection = createRedisConnection(redis.url, 'worker');
  try {
    const found: Array<{ port: number; key: string }> = [];
    for (const node of await masterConnections(connection)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `*${cluster.queuePrefix}*`, 'COUNT', 1000);
        cursor = next;
        found.push(...keys.map((key) => ({ port: Number(node.options.port), key })));
      } while (cursor !== '0');
    }
    return found;
  } finally {
    connection.disconnect();
  }
}

describe('Rendition on a 3-master Redis Cluster', () => {
  it('is ready: the readiness check reaches the cluster', async () => {
    expect(redis.ports).toHaveLength(3);
    const ready = await fetch(`${cluster.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ database: true, redis: true });
  });

  it("needs the hash tag: BullMQ's scripts on a plain prefix are refused (CROSSSLOT)", async () => {
    // What the hash tag prevents: a queue's keys spread over the slots, and every script that touches
    // several of them refused by the cluster.
    const connection = createRedisConnection(redis.url, 'worker');
    // Not under the test's prefix: what BullMQ leaves of it stays out of the key checks below.
    const queue = new Queue('ingest', { connection, prefix: 'crossslot-probe' });
    try {
      await expect(queue.add('probe', {})).rejects.toThrow(/CROSSSLOT/);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it("gives rate-limiter-flexible a client it counts with, under the prefix's hash tag", async () => {
    // What the API's rate limits do with the factory's producer connection (apps/api/src/rate-limits).
    const connection = createRedisConnection(redis.url, 'producer');
    try {
      await new Promise((resolve) => connection.once('ready', resolve));
      const limiter = new RateLimiterRedis({ storeClient: connection, keyPrefix: `{${cluster.queuePrefix}}:ratelimit:probe`, points: 2, duration: 60 });
      expect((await limiter.consume('key')).remainingPoints).toBe(1);
      expect((await limiter.consume('key')).remainingPoints).toBe(0);
      await expect(limiter.consume('key')).rejects.toBeInstanceOf(RateLimiterRes);
    } finally {
      connection.disconnect();
    }
  });

  it('runs an async upload with eager: ingest, derive, and signed upload and eager notifications', async () => {
    const worker = startWorker();
    await worker.ready;
    const form = new FormData();
    for (const [name, value] of Object.entries({
      public_id: 'cluster-bird',
      async: 'true',
      eager: 'w_100,c_scale|e_grayscale,w_50,c_scale/jpg',
      eager_async: 'true',
      notification_url: `${receiver.url}/upload`,
      eager_notification_url: `${receiver.url}/eager`,
    })) {
      form.append(name, value);
    }
    form.append('file', new Blob([png]));
    const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(cluster.credentials) },
      body: form,
    });
    expect(response.status).toBe(200);
    const accepted = (await response.json()) as { status: string; batch_id: string };
    expect(accepted).toMatchObject({ status: 'pending', public_id: 'cluster-bird' });

    const [uploaded] = await receiver.waitFor(1, { path: '/upload', timeoutMs: 20_000 });
    verifySigned(uploaded!);
    const upload = JSON.parse(uploaded!.body) as Record<string, unknown>;
    expect(upload).toMatchObject({ notification_type: 'upload', public_id: 'cluster-bird', width: 576, height: 384, format: 'png' });
    const original = await fetch(String(upload.secure_url));
    expect(Buffer.from(await original.arrayBuffer()).equals(png)).toBe(true);

    const [eagerHook] = await receiver.waitFor(1, { path: '/eager', timeoutMs: 20_000 });
    verifySigned(eagerHook!);
    const eager = JSON.parse(eagerHook!.body) as { notification_type: string; eager: Array<Record<string, unknown>> };
    expect(eager.notification_type).toBe('eager');
    expect(eager.eager.map((item) => [item.width, item.height, item.format])).toEqual([
      [100, 67, 'png'],
      [50, 33, 'jpg'],
    ]);
    for (const item of eager.eager) expect((await fetch(String(item.secure_url))).status).toBe(200);

    // The first item is derived by the ingest itself; the second went through the derive queue.
    const batchIds = [accepted.batch_id, ...new Set(eager.eager.map((item) => String(item.batch_id ?? accepted.batch_id)))];
    const jobs = await jobsOf([...new Set(batchIds)]);
    expect(jobs.map((job) => job.kind)).toEqual(expect.arrayContaining(['derive', 'ingest']));
    expect(jobs.every((job) => job.status === 'completed')).toBe(true);

    // A first delivery of a new transformation waits on a derive job through the cluster too.
    const derived = await fetch(`${cluster.baseUrl}/demo/image/upload/c_fill,w_64,h_64/cluster-bird.webp`);
    expect(derived.status).toBe(200);
    expect(derived.headers.get('content-type')).toBe('image/webp');

    // Every key of the queues is under the hash-tagged prefix, so all of them share one slot and one
    // master (BullMQ's Lua scripts touch several keys of a queue at once).
    const keys = await queueKeys();
    expect(keys.length).toBeGreaterThan(0);
    for (const { key } of keys) expect(key.startsWith(`{${cluster.queuePrefix}}:`), key).toBe(true);
    expect(new Set(keys.map(({ port }) => port)).size).toBe(1);
    const slots = await Promise.all(
      [...new Set(keys.map(({ key }) => key))].slice(0, 20).map(async (key) => (await redis.cli(redis.ports[0]!, 'CLUSTER', 'KEYSLOT', key)).trim()),
    );
    expect(new Set(slots).size).toBe(1);
    expect(keys.map(({ key }) => key)).toEqual(
      expect.arrayContaining([`{${cluster.queuePrefix}}:ingest:meta`, `{${cluster.queuePrefix}}:derive:meta`]),
    );

    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);

  it('SIGKILL of a worker in the middle of its jobs: another worker takes them over, and each completes exactly once', async () => {
    const N = 10;
    const victim = startWorker();
    await victim.ready;
    // The first request for this source hangs, so this job is surely in flight on the victim when it
    // dies; the second (the retry, on the rescuer) is answered at once.
    const held = await acceptUploads(cluster, {
      count: 1,
      prefix: 'cluster-held',
      source: () => `${source.url}/cluster-held.png?first=120000`,
      notificationUrl: `${receiver.url}/held`,
    });
    await source.waitForHit('/cluster-held.png');
    const rescuer = startWorker();
    await rescuer.ready;
    // More work for both, 300 to 1,500 ms per source, so the victim holds several jobs at the kill.
    const batches = await acceptUploads(cluster, {
      count: N,
      prefix: 'cluster-chaos',
      source: (index) => `${source.url}/cluster-chaos-${index}.png?delay=${300 + ((index * 397) % 1_200)}`,
      notificationUrl: `${receiver.url}/chaos`,
    });
    await receiver.waitFor(2, { path: '/chaos', timeoutMs: 20_000 });
    expect(await jobsOf([...held.values()])).toEqual([expect.objectContaining({ kind: 'ingest', status: 'active', attempts: 1 })]);

    const killedAt = Date.now();
    victim.kill('SIGKILL');
    // When the rescuer fetches the source again: it has taken the held job over.
    const retakenAt = source.waitForHit('/cluster-held.png', 2, 45_000).then(() => Date.now());
    expect(await victim.exited).toBeNull();
    const [heldHook] = await receiver.waitFor(1, { path: '/held', timeoutMs: 45_000 });
    const resumeMs = heldHook!.receivedAt - killedAt;
    console.log(
      `[redis-cluster] the killed worker's held job was taken over ${(await retakenAt) - killedAt} ms after the SIGKILL ` +
        `and notified by the other worker ${resumeMs} ms after it`,
    );
    // The lock (10 s) expires, then BullMQ's stalled checks (every 5 s) move the job back to wait: about
    // 10 to 20 s, more on a loaded machine. The other assertions, not this time, are the point here.
    expect(resumeMs).toBeLessThan(35_000);
    verifySigned(heldHook!);
    const onChaos = () => receiver.received.filter((webhook) => webhook.path === '/chaos');
    await waitUntil(() => tallyNotifications(onChaos()).distinctIds >= N, 30_000, `${N} distinct notifications on /chaos`);
    // Time for a late re-delivery (a notification the victim sent but could not record) to show.
    await new Promise((resolve) => setTimeout(resolve, 500));

    // The held job: fetched again only by the rescuer, and notified once.
    expect(source.hits.get('/cluster-held.png')).toBe(2);
    expect(await jobsOf([...held.values()])).toEqual([expect.objectContaining({ kind: 'ingest', status: 'completed', attempts: 2 })]);
    expect(tallyNotifications(receiver.received.filter((webhook) => webhook.path === '/held'))).toMatchObject({ total: 1, distinctIds: 1 });
    // Every upload: its job completed, one notification id, one catalog row, one version, one file.
    const tally = tallyNotifications(onChaos());
    expect(tally.distinctIds).toBe(N);
    expect(tally.publicIds).toEqual(new Set(batches.keys()));
    const jobs = await jobsOf([...held.values(), ...batches.values()]);
    expect(jobs.filter((job) => job.kind === 'ingest' && job.status === 'completed')).toHaveLength(N + 1);
    const assets = await db()
      .selectFrom('assets')
      .select(['asset_id', 'public_id', 'storage_key'])
      .where((where) => where.or([where('public_id', 'like', 'cluster-chaos-%'), where('public_id', 'like', 'cluster-held-%')]))
      .execute();
    expect(new Set(assets.map((asset) => asset.public_id))).toEqual(new Set([...held.keys(), ...batches.keys()]));
    expect(assets).toHaveLength(N + 1);
    const ids = assets.map((asset) => asset.asset_id);
    expect(await db().selectFrom('asset_versions').select('version_id').where('asset_id', 'in', ids).execute()).toHaveLength(N + 1);
    const files = (await storedOriginals(cluster.store)).filter((key) => ids.includes(key.split('/')[1]!));
    expect(files.sort()).toEqual(assets.map((asset) => asset.storage_key).sort());

    rescuer.kill('SIGTERM');
    expect(await rescuer.exited).toBe(0);
  }, 90_000);
});

import { describe, expect, it } from 'vitest';
import { acceptUploads, asyncUpload, tallyNotifications, useResilienceSuite, waitForDistinctNotifications } from './support/resilience-harness.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { storedKeys } from './support/stored-blobs.ts';

// PostgreSQL is the system of record and Redis only carries work in flight: wiping or stopping Redis
// loses no accepted batch (the workers' outbox relay queues it again), and while Redis is away the
// API answers 503 at once instead of hanging.

const suite = useResilienceSuite();

/** Every batch complete and notified once per id, every asset stored once: the counts of a clean run. */
async function expectAllDone(prefix: string, batches: Map<string, string>, path: string) {
  const batchIds = [...batches.values()];
  const N = batchIds.length;
  await waitForDistinctNotifications(suite.receiver.received, path, N, 40_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const tally = tallyNotifications(suite.receiver.received.filter((webhook) => webhook.path === path));
  expect(tally.distinctIds).toBe(N);
  expect(tally.publicIds).toEqual(new Set(batches.keys()));
  expect((await suite.batchesOf(batchIds)).filter((batch) => batch.status === 'complete')).toHaveLength(N);
  const jobs = await suite.jobsOf(batchIds);
  expect(jobs).toHaveLength(N);
  expect(jobs.filter((job) => job.status === 'completed' && job.finished_at !== null)).toHaveLength(N);
  const deliveries = await suite.deliveriesOf(batchIds);
  expect(deliveries).toHaveLength(N);
  expect(deliveries.filter((delivery) => delivery.status === 'delivered')).toHaveLength(N);
  const { assets, versions } = await suite.assetsNamed(prefix);
  expect(assets).toHaveLength(N);
  expect(versions).toBe(N);
  expect(await suite.filesOf(assets.map((asset) => asset.asset_id))).toEqual(assets.map((asset) => asset.storage_key).sort());
  return tally;
}

describe('Redis wiped or stopped', () => {
  it('FLUSHALL while jobs wait for a worker: the relay queues them again and every batch completes', async () => {
    const { cluster, receiver, source, redis } = suite;
    const path = '/flush-waiting';
    const batches = await acceptUploads(cluster, {
      count: 10,
      prefix: 'flush-waiting',
      source: (index) => `${source.url}/flush-waiting-${index}.png`,
      notificationUrl: `${receiver.url}${path}`,
    });
    // Answered once recorded, queued just after (async=true): all ten wait in Redis within moments.
    await expect.poll(() => redis.command('LLEN', `${cluster.queuePrefix}:ingest:wait`), { timeout: 5_000 }).toBe(10);
    await redis.flushAll();
    expect(await redis.command('DBSIZE')).toBe(0);

    const worker = suite.startWorker();
    await worker.ready;
    const tally = await expectAllDone('flush-waiting', batches, path);
    console.log(`[flushall, no worker yet] ${tally.distinctIds}/10 batches notified after the wipe, ${tally.duplicates} consumer-side duplicate(s)`);
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);

  it('FLUSHALL while jobs run and wait on a worker: every batch completes, each asset stored once', async () => {
    const { cluster, receiver, source, redis } = suite;
    const path = '/flush-running';
    const worker = suite.startWorker();
    await worker.ready;
    const batches = await acceptUploads(cluster, {
      count: 12,
      prefix: 'flush-running',
      source: (index) => `${source.url}/flush-running-${index}.png?delay=1500`,
      notificationUrl: `${receiver.url}${path}`,
    });
    // Four in flight on the worker (its concurrency), eight waiting in Redis.
    await Promise.all([0, 1].map((index) => source.waitForHit(`/flush-running-${index}.png`)));
    await redis.flushAll();
    const tally = await expectAllDone('flush-running', batches, path);
    console.log(`[flushall, jobs running] ${tally.distinctIds}/12 batches notified after the wipe, ${tally.duplicates} consumer-side duplicate(s)`);
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);

  it('Redis stopped: intake answers 503 JSON within 1 s, and batches accepted before complete once Redis is back', async () => {
    const { cluster, receiver, source, redis } = suite;
    const path = '/redis-down';
    const notificationUrl = `${receiver.url}${path}`;
    const worker = suite.startWorker();
    await worker.ready;
    const batches = await acceptUploads(cluster, {
      count: 6,
      prefix: 'redis-down',
      source: (index) => `${source.url}/redis-down-${index}.png?delay=2000`,
      notificationUrl,
    });
    await Promise.all([0, 1].map((index) => source.waitForHit(`/redis-down-${index}.png`)));
    await redis.stop();

    const latencies: number[] = [];
    const refuse = async (attempt: () => Promise<Response>) => {
      const started = performance.now();
      const response = await attempt();
      const body = (await response.json()) as unknown;
      latencies.push(performance.now() - started);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(body).toEqual({ error: { message: expect.stringMatching(/\S/) } });
    };
    const upload = (fields: Record<string, string | Blob>) => {
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      return fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, {
        method: 'POST',
        body: form,
        headers: { authorization: basicAuthHeader(cluster.credentials) },
      });
    };
    const remote = { file: `${source.url}/refused.png`, async: 'true', notification_url: notificationUrl };
    // At once, and again after Redis has been away a while (the client is then between reconnection attempts).
    await refuse(() => upload(remote));
    await refuse(() => upload({ file: new Blob([Buffer.from('not really a png')]), async: 'true' }));
    await refuse(() => upload({ file: `${source.url}/refused-sync.png` }));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await refuse(() => upload(remote));
    await refuse(() => upload({ file: `${source.url}/refused-sync.png` }));
    for (const latency of latencies) expect(latency).toBeLessThan(1_000);
    expect(source.hits.get('/refused.png')).toBeUndefined();
    // The refused multipart upload left nothing staged behind.
    expect(await storedKeys(cluster.store, 'staging/')).toEqual([]);

    await redis.start();
    // The API's producer connection comes back by itself; a new upload is accepted again.
    let afterBatch: string | undefined;
    await expect
      .poll(
        async () => {
          const answer = await asyncUpload(cluster, {
            file: `${source.url}/redis-down-after.png`,
            public_id: 'redis-down-after',
            notification_url: notificationUrl,
          });
          afterBatch = answer.body.batch_id;
          return answer.status;
        },
        { timeout: 10_000, interval: 250 },
      )
      .toBe(200);
    batches.set('redis-down-after', afterBatch!);
    const tally = await expectAllDone('redis-down', batches, path);
    console.log(
      `[redis stopped] 503 answered in ${latencies.map((latency) => Math.round(latency)).join(', ')} ms; ` +
        `${tally.distinctIds}/7 batches notified after the restart, ${tally.duplicates} consumer-side duplicate(s)`,
    );
    worker.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { startRedisServer } from '@rendition/testing';
import {
  acceptUploads,
  SHUTDOWN_TIMEOUT_MS,
  tallyNotifications,
  useResilienceSuite,
  waitForDistinctNotifications,
  waitUntil,
} from './support/resilience-harness.ts';
import { spawnWorker, workerEnvironment } from './support/worker-process.ts';

// A worker's life cycle: it refuses a Redis that may evict jobs, and on SIGTERM it stops taking work,
// lets its jobs finish or hands them back by the deadline, and exits 0.

const suite = useResilienceSuite();

describe('worker start-up and shutdown', () => {
  it('refuses to start against a Redis whose maxmemory-policy is not noeviction, unless REDIS_ALLOW_EVICTION=true', async () => {
    const evicting = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
    try {
      const refused = spawnWorker(workerEnvironment(suite.cluster, evicting.url));
      const code = await refused.exited;
      expect(code).not.toBeNull();
      expect(code).not.toBe(0);
      expect(refused.stderr()).toContain('maxmemory-policy is allkeys-lru');
      expect(refused.stdout()).not.toContain('"msg":"workers started"');

      const allowed = spawnWorker(workerEnvironment(suite.cluster, evicting.url, { REDIS_ALLOW_EVICTION: 'true' }));
      await allowed.ready;
      expect(allowed.stdout()).toContain('maxmemory-policy is allkeys-lru');
      // The private Redis runs without AOF: that is a warning, not a refusal.
      expect(allowed.stdout()).toContain('without AOF');
      allowed.kill('SIGTERM');
      expect(await allowed.exited).toBe(0);
    } finally {
      await evicting.close();
    }
  }, 30_000);

  it('SIGTERM during load: the worker exits 0 within its deadline, and no job is lost or left active', async () => {
    const { cluster, receiver, source } = suite;
    const path = '/sigterm';
    const notificationUrl = `${receiver.url}${path}`;
    const leaving = suite.startWorker();
    await leaving.ready;
    // Two jobs that outlast the deadline on the worker that will be stopped: their first fetch hangs.
    const long = await acceptUploads(cluster, {
      count: 2,
      prefix: 'sigterm-long',
      source: (index) => `${source.url}/sigterm-long-${index}.png?first=120000`,
      notificationUrl,
    });
    await Promise.all([0, 1].map((index) => source.waitForHit(`/sigterm-long-${index}.png`)));
    const staying = suite.startWorker();
    await staying.ready;
    const short = await acceptUploads(cluster, {
      count: 20,
      prefix: 'sigterm',
      source: (index) => `${source.url}/sigterm-${index}.png?delay=${400 + ((index * 131) % 800)}`,
      notificationUrl,
    });
    const batchIds = [...long.values(), ...short.values()];
    const N = batchIds.length;
    await waitUntil(() => receiver.received.filter((webhook) => webhook.path === path).length >= 4, 30_000, '4 notifications before SIGTERM');

    const signalledAt = Date.now();
    leaving.kill('SIGTERM');
    const code = await leaving.exited;
    const shutdownMs = Date.now() - signalledAt;
    expect(code).toBe(0);
    expect(leaving.stdout()).toContain('shutdown deadline reached');
    expect(shutdownMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_500);

    const webhooks = await waitForDistinctNotifications(receiver.received, path, N, 40_000);
    const notifiedAt = Math.max(...webhooks.map((webhook) => webhook.receivedAt));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tally = tallyNotifications(receiver.received.filter((webhook) => webhook.path === path));
    expect(tally.distinctIds).toBe(N);
    expect(tally.publicIds).toEqual(new Set([...long.keys(), ...short.keys()]));

    const jobs = await suite.jobsOf(batchIds);
    expect(jobs).toHaveLength(N);
    expect(jobs.filter((job) => job.status === 'active')).toEqual([]);
    expect(jobs.filter((job) => job.status === 'completed' && job.finished_at !== null)).toHaveLength(N);
    // The two long jobs were handed back at the deadline and ran again on the other worker.
    for (const index of [0, 1]) expect(source.hits.get(`/sigterm-long-${index}.png`)).toBe(2);
    expect((await suite.batchesOf(batchIds)).filter((batch) => batch.status === 'complete')).toHaveLength(N);
    expect((await suite.deliveriesOf(batchIds)).filter((delivery) => delivery.status === 'delivered')).toHaveLength(N);
    const { assets, versions } = await suite.assetsNamed('sigterm');
    expect(assets).toHaveLength(N);
    expect(versions).toBe(N);
    expect(await suite.filesOf(assets.map((asset) => asset.asset_id))).toEqual(assets.map((asset) => asset.storage_key).sort());
    console.log(
      `[sigterm] the worker exited 0 ${shutdownMs} ms after SIGTERM (deadline ${SHUTDOWN_TIMEOUT_MS} ms); ` +
        `all ${N} batches notified ${notifiedAt - signalledAt} ms after it; ${tally.duplicates} consumer-side duplicate(s)`,
    );

    staying.kill('SIGTERM');
    expect(await staying.exited).toBe(0);
  }, 90_000);
});

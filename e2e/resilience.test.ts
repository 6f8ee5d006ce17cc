import { describe, expect, it } from 'vitest';
import { startWebhookReceiver } from '@rendition/testing';
import { acceptUploads, tallyNotifications, useResilienceSuite, waitForDistinctNotifications, waitUntil } from './support/resilience-harness.ts';

// Worker processes are SIGKILLed here in the middle of their jobs (issue 3: "a job whose worker dies is
// taken over by another, and results are written idempotently"). Shutdown and Redis failures have
// their own files, so the suites run side by side.

const suite = useResilienceSuite();

describe('worker processes killed under load', () => {
  it('SIGKILL of one of two workers in the middle of 50 async uploads: every asset stored once, every notification delivered', async () => {
    const { cluster, receiver, source } = suite;
    const N = 50;
    const pair = [suite.startWorker(), suite.startWorker()];
    await Promise.all(pair.map((worker) => worker.ready));

    const path = '/chaos';
    const batches = await acceptUploads(cluster, {
      count: N,
      prefix: 'chaos',
      // 300 to 1,500 ms per source, so each worker holds several jobs at any moment.
      source: (index) => `${source.url}/chaos-${index}.png?delay=${300 + ((index * 397) % 1_200)}`,
      notificationUrl: `${receiver.url}${path}`,
    });
    expect(batches.size).toBe(N);
    const batchIds = [...batches.values()];

    await waitUntil(() => receiver.received.filter((webhook) => webhook.path === path).length >= 12, 30_000, '12 notifications before the kill');
    const victim = pair[0]!;
    const activeAtKill = (await suite.jobsOf(batchIds)).filter((job) => job.status === 'active').length;
    const killedAt = Date.now();
    victim.kill('SIGKILL');
    expect(await victim.exited).toBeNull();

    const webhooks = await waitForDistinctNotifications(receiver.received, path, N, 45_000);
    // Give late re-deliveries (a notification the victim sent but could not record) time to show in the tally.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const tally = tallyNotifications(receiver.received.filter((webhook) => webhook.path === path));
    expect(tally.distinctIds).toBe(N);
    expect(tally.publicIds).toEqual(new Set(batches.keys()));

    const jobs = await suite.jobsOf(batchIds);
    expect(jobs).toHaveLength(N);
    expect(jobs.filter((job) => job.status === 'completed' && job.finished_at !== null)).toHaveLength(N);
    // The victim's jobs ran again on the survivor: they were started more than once.
    const takenOver = jobs.filter((job) => job.attempts > 1);
    expect(takenOver.length).toBeGreaterThanOrEqual(1);

    expect((await suite.batchesOf(batchIds)).filter((batch) => batch.status === 'complete')).toHaveLength(N);
    const deliveries = await suite.deliveriesOf(batchIds);
    expect(deliveries).toHaveLength(N);
    expect(deliveries.filter((delivery) => delivery.status === 'delivered')).toHaveLength(N);

    // Stored once each: N catalog rows, N versions, and exactly their N files, nothing else.
    const { assets, versions } = await suite.assetsNamed('chaos');
    expect(assets).toHaveLength(N);
    expect(new Set(assets.map((asset) => asset.public_id))).toEqual(new Set(batches.keys()));
    expect(versions).toBe(N);
    expect(await suite.filesOf(assets.map((asset) => asset.asset_id))).toEqual(assets.map((asset) => asset.storage_key).sort());

    // When the last job the victim held reached its consumer, counted from the kill.
    const publicIdOfBatch = new Map([...batches].map(([publicId, batchId]) => [batchId, publicId]));
    const takenOverPublicIds = new Set(takenOver.map((job) => publicIdOfBatch.get(job.batch_id ?? '')));
    const resumedAt = Math.max(
      ...webhooks
        .filter((webhook) => takenOverPublicIds.has((JSON.parse(webhook.body) as { public_id: string }).public_id))
        .map((webhook) => webhook.receivedAt),
    );
    console.log(
      `[chaos] N=${N}: ${tally.total} notifications received, ${tally.distinctIds} distinct webhook-ids, ` +
        `${tally.duplicates} consumer-side duplicate(s); ${activeAtKill} job(s) active at the kill, ` +
        `${takenOver.length} taken over, the last of them notified ${resumedAt - killedAt} ms after the SIGKILL`,
    );

    const survivor = pair[1]!;
    survivor.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
  }, 90_000);

  it("takes over a killed worker's job on another worker within 25 s", async () => {
    const { cluster, receiver, source } = suite;
    const path = '/takeover';
    const victim = suite.startWorker();
    await victim.ready;
    // The first request for this source hangs, so the job is still in flight on the victim when it dies;
    // the second (the retry, on the other worker) is answered at once.
    const batches = await acceptUploads(cluster, {
      count: 1,
      prefix: 'takeover',
      source: () => `${source.url}/takeover.png?first=120000`,
      notificationUrl: `${receiver.url}${path}`,
    });
    const batchIds = [...batches.values()];
    await source.waitForHit('/takeover.png');
    const rescuer = suite.startWorker();
    await rescuer.ready;
    expect(await suite.jobsOf(batchIds)).toEqual([expect.objectContaining({ status: 'active', attempts: 1 })]);

    const killedAt = Date.now();
    victim.kill('SIGKILL');
    expect(await victim.exited).toBeNull();
    const [webhook] = await receiver.waitFor(1, { path, timeoutMs: 30_000 });
    const resumeMs = webhook!.receivedAt - killedAt;
    console.log(`[takeover] the killed worker's job was notified by the other worker ${resumeMs} ms after the SIGKILL`);
    expect(resumeMs).toBeLessThan(25_000);

    expect(source.hits.get('/takeover.png')).toBe(2);
    expect(await suite.jobsOf(batchIds)).toEqual([expect.objectContaining({ status: 'completed', attempts: 2 })]);
    const { assets, versions } = await suite.assetsNamed('takeover');
    expect(assets).toHaveLength(1);
    expect(versions).toBe(1);
    expect(await suite.filesOf([assets[0]!.asset_id])).toEqual([assets[0]!.storage_key]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(tallyNotifications(receiver.received.filter((item) => item.path === path))).toMatchObject({ total: 1, distinctIds: 1 });

    rescuer.kill('SIGTERM');
    expect(await rescuer.exited).toBe(0);
  }, 60_000);

  it('delivers a webhook whose direct attempt died with its worker from the queued fallback, a lease after the kill', async () => {
    const { cluster, source } = suite;
    const LEASE_MS = 2_000;
    // The first POST is never answered while its worker lives; the next is answered at once.
    const consumer = await startWebhookReceiver((_request, count) => (count === 1 ? { status: 200, delayMs: 60_000 } : { status: 200 }));
    try {
      const victim = suite.startWorker({ WEBHOOK_DIRECT_LEASE_MS: String(LEASE_MS) });
      await victim.ready;
      const batches = await acceptUploads(cluster, {
        count: 1,
        prefix: 'direct-kill',
        source: () => `${source.url}/direct-kill.png`,
        notificationUrl: `${consumer.url}/hang`,
      });
      // The victim ended the batch and is waiting on its direct attempt.
      const [first] = await consumer.waitFor(1, { path: '/hang', timeoutMs: 20_000 });
      const rescuer = suite.startWorker({ WEBHOOK_DIRECT_LEASE_MS: String(LEASE_MS) });
      await rescuer.ready;
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
      // Renewed while it waited: nobody else has attempted it yet.
      expect(consumer.received).toHaveLength(1);

      const killedAt = Date.now();
      victim.kill('SIGKILL');
      expect(await victim.exited).toBeNull();
      const [, second] = await consumer.waitFor(2, { path: '/hang', timeoutMs: 15_000 });
      const resumeMs = second!.receivedAt - killedAt;
      console.log(`[direct-kill] the fallback delivered ${resumeMs} ms after the SIGKILL (lease ${LEASE_MS} ms)`);
      expect(resumeMs).toBeLessThan(LEASE_MS + 3_000);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      expect(second!.body).toBe(first!.body);

      // Recorded by the rescuer once the consumer answered: the victim's attempt never was.
      const batchIds = [...batches.values()];
      await waitUntil(async () => (await suite.deliveriesOf(batchIds))[0]?.status === 'delivered', 5_000, 'the fallback to record its attempt');
      expect(await suite.deliveriesOf(batchIds)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);
      rescuer.kill('SIGTERM');
      expect(await rescuer.exited).toBe(0);
    } finally {
      await consumer.close();
    }
  }, 60_000);
});

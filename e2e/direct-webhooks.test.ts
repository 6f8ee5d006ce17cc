import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Queue } from 'bullmq';
import { findDelivery } from '@rendition/catalog';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@rendition/testing';
import { basicAuthHeader } from './support/signed-form.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// WEBHOOK_DIRECT_DELIVERY (on by default; docs/async-and-webhooks.md, "Direct first attempts"): the worker that ends a
// batch attempts its webhooks at once; the queued notify job waits WEBHOOK_DIRECT_LEASE_MS as the fallback, pushed
// back while the attempt runs. Scale 0.1: the schedule's second slot (5 s) is 500 ms ± 10 %, far below the fallback's 3 s.
const TIMEOUT_MS = 6_000;
const FALLBACK_MS = 3_000;
/** Answers after this long: longer than the lease, shorter than the attempt's time limit. */
const SLOW_MS = 4_500;

let cluster: TestCluster;
let receiver: WebhookReceiver;
let png: Buffer;

/** /once-500 fails its first attempt; /later asks for 60 s (6 s scaled) with Retry-After; the rest succeed. */
function respond(request: ReceivedWebhook, countOnPath: number) {
  if (request.path.startsWith('/once-500')) return { status: countOnPath === 1 ? 500 : 200 };
  if (request.path.startsWith('/later')) return { status: countOnPath === 1 ? 503 : 200, headers: { 'retry-after': '60' } };
  if (request.path.startsWith('/slow')) return { status: 200, delayMs: SLOW_MS };
  return { status: 200 };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver(respond);
  cluster = await startTestCluster({
    WEBHOOK_DIRECT_LEASE_MS: String(FALLBACK_MS),
    WEBHOOK_SCHEDULE_SCALE: '0.1',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    SSRF_ALLOW: '127.0.0.1/32',
  });
  png = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#884422' } })
    .png()
    .toBuffer();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
});

function notifyQueue(): Queue {
  const queue = cluster.cluster.services.queues.allQueues?.().find((each) => each.name === 'notify');
  if (!queue) throw new Error('no notify queue');
  return queue;
}

async function asyncUpload(path: string): Promise<void> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'small.png');
  form.set('async', 'true');
  form.set('notification_url', `${receiver.url}${path}`);
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, {
    method: 'POST',
    body: form,
    headers: { authorization: basicAuthHeader(cluster.credentials) },
  });
  expect(response.status).toBe(200);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The first webhook POSTed to `path`, and its delivery once recorded as delivered (within `timeoutMs`). */
async function deliveredWebhook(path: string, timeoutMs: number) {
  const [webhook] = await receiver.waitFor(1, { path, timeoutMs: 20_000 });
  const deliveryId = String(webhook!.headers['webhook-id']);
  const delivery = await until(
    () => findDelivery(cluster.cluster.services.db, deliveryId),
    (found) => found?.status === 'delivered',
    timeoutMs,
  );
  return { webhook: webhook!, deliveryId, delivery };
}

describe('direct first webhook attempts', () => {
  it('delivers from the worker that ended the batch, then withdraws its queued fallback: one POST, no job left', async () => {
    await asyncUpload('/direct');
    const { deliveryId, delivery } = await deliveredWebhook('/direct', 5_000);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });

    // The fallback was queued (delayed by the lease: direct-deliveries.test.ts) and, the attempt recorded,
    // removed from Redis: it would only have read the delivery and found it done
    // (webhook-attempts.test.ts, "sends nothing for an unknown or finished delivery").
    const left = await until(
      () => notifyQueue().getJob(deliveryId),
      (job) => job === undefined,
      5_000,
    );
    expect(left).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received.filter((each) => each.path === '/direct')).toHaveLength(1);
    expect(await findDelivery(cluster.cluster.services.db, deliveryId)).toMatchObject({ attempts: 1, status: 'delivered' });
  }, 40_000);

  it('a direct attempt slower than the lease pushes its fallback back: the consumer gets one POST', async () => {
    await asyncUpload('/slow');
    const { webhook, deliveryId, delivery } = await deliveredWebhook('/slow', SLOW_MS + 3_000);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    // Past the lease twice over from the first POST: no second one came while the first was answered slowly.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, webhook.receivedAt + 2 * FALLBACK_MS - Date.now())));
    expect(receiver.received.filter((each) => each.path === '/slow')).toHaveLength(1);
    const job = await notifyQueue().getJob(deliveryId);
    // Pushed back while the POST waited: still delayed, or run once and found the delivery finished.
    expect(['delayed', 'completed', 'unknown']).toContain(job ? await job.getState() : 'unknown');
    expect(await findDelivery(cluster.cluster.services.db, deliveryId)).toMatchObject({ attempts: 1, status: 'delivered' });
  }, 40_000);

  it('after a failed direct attempt, the queued job makes the next one at the schedule slot, not at the fallback', async () => {
    await asyncUpload('/once-500');
    const [first, second] = await receiver.waitFor(2, { path: '/once-500', timeoutMs: FALLBACK_MS - 500 });
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    const gap = second!.receivedAt - first!.receivedAt;
    // 5 s × 0.1 with ±10 % jitter, plus the queue's pick-up: well before the fallback's 3 s.
    expect(gap).toBeGreaterThanOrEqual(400);
    expect(gap).toBeLessThan(2_500);
    const delivery = await until(
      () => findDelivery(cluster.cluster.services.db, String(first!.headers['webhook-id'])),
      (found) => found?.status === 'delivered',
      5_000,
    );
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
  }, 40_000);

  it('a queued job that runs before the delivery is due waits for its slot instead of attempting early', async () => {
    await asyncUpload('/later');
    const [first] = await receiver.waitFor(1, { path: '/later', timeoutMs: 20_000 });
    const deliveryId = String(first!.headers['webhook-id']);
    const pending = await until(
      () => findDelivery(cluster.cluster.services.db, deliveryId),
      (found) => found?.attempts === 1,
      5_000,
    );
    // Retry-After 60 s, scaled: the next attempt is due in about 6 s.
    expect(pending?.status).toBe('pending');
    expect(pending!.nextAttemptAt.getTime() - Date.now()).toBeGreaterThan(3_000);

    const job = await until(
      () => notifyQueue().getJob(deliveryId),
      (found) => found !== undefined,
      5_000,
    );
    expect(await job!.getState()).toBe('delayed');
    await job!.promote();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.received.filter((each) => each.path === '/later')).toHaveLength(1);
    expect(await findDelivery(cluster.cluster.services.db, deliveryId)).toMatchObject({ attempts: 1, status: 'pending' });

    // And at its slot it is attempted.
    await receiver.waitFor(2, { path: '/later', timeoutMs: 15_000 });
    const delivered = await until(
      () => findDelivery(cluster.cluster.services.db, deliveryId),
      (found) => found?.status === 'delivered',
      5_000,
    );
    expect(delivered).toMatchObject({ attempts: 2, status: 'delivered' });
  }, 40_000);
});

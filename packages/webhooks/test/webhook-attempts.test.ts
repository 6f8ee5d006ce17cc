import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createApiKey,
  createBatchWithJobs,
  enableSettingsCache,
  findDeliveryToAttempt,
  listDeliveriesWithAttempts,
  runWithStatementTally,
  type ApiCredentials,
  type SettingsCacheHandle,
} from '@rendition/catalog';
import { createGuardedFetcher } from '@rendition/net';
import { startWebhookReceiver, useTestCatalog, type WebhookReceiver } from '@rendition/testing';
import { webhookFetcherOptions } from '../src/deliver-webhook.ts';
import { JITTER_FRACTION } from '../src/retry-schedule.ts';
import { attemptWebhookDelivery, type WebhookAttemptDependencies } from '../src/webhook-attempts.ts';
import { cloudinarySignatureHeaders } from '../src/signing.ts';

// attemptWebhookDelivery, the notify job's attempt, against a real catalog and a receiver on
// loopback: what it reads (the delivery with its batch's API key, one statement), sends (signed with
// that key's secret) and records (the attempt with the delivery's next state, one statement).

const catalog = useTestCatalog('webhook-attempts');
let receiver: WebhookReceiver;
let credentials: ApiCredentials;
let deps: WebhookAttemptDependencies;
let cache: SettingsCacheHandle;

beforeAll(async () => {
  const { db, databaseUrl } = catalog;
  credentials = await createApiKey(db, 'attempts');
  // As in a running worker: the key and the cloud's webhook settings come from the settings cache.
  cache = enableSettingsCache(db, databaseUrl, { ttlMs: 60_000, maxEntries: 100, onError: () => {} });
  receiver = await startWebhookReceiver((request) => ({ status: request.path === '/down' ? 503 : 200 }));
  deps = {
    db,
    fetcher: createGuardedFetcher(webhookFetcherOptions(['127.0.0.1/32'])),
    // Milliseconds after the attempts made so far: the first at once, the second a minute later (± jitter).
    schedule: [0, 60_000],
    scheduleScale: 1,
    timeoutMs: 5_000,
    signatureAlgorithm: 'sha1',
  };
});

afterAll(async () => {
  await receiver?.close();
  await cache?.close();
});

async function newDelivery(path: string, nextAttemptAt?: Date): Promise<{ batchId: string; deliveryId: string; body: string }> {
  const batchId = randomBytes(32).toString('hex');
  await createBatchWithJobs(catalog.db, { batchId, cloudName: 'attempts', apiKey: credentials.apiKey, kind: 'upload', notificationUrls: [] }, []);
  const deliveryId = randomUUID();
  const body = JSON.stringify({ notification_type: 'upload', public_id: deliveryId });
  await catalog.db
    .insertInto('webhook_deliveries')
    .values({
      id: deliveryId,
      batch_id: batchId,
      cloud_name: 'attempts',
      url: `${receiver.url}${path}`,
      body,
      status: 'pending',
      job_id: randomUUID(),
      ...(nextAttemptAt ? { next_attempt_at: nextAttemptAt } : {}),
    })
    .execute();
  return { batchId, deliveryId, body };
}

describe('attemptWebhookDelivery', () => {
  it("posts the body signed with its batch's key, records the answer, and ends the delivery, in two statements", async () => {
    // The first attempts make the cloud's webhook secret and fill the cache once it listens for changes.
    let measured: { batchId: string; deliveryId: string; body: string } | undefined;
    const tally = { statements: 0 };
    for (let warm = 0; warm < 50 && (measured === undefined || tally.statements > 2); warm += 1) {
      measured = await newDelivery('/up');
      tally.statements = 0;
      const attempt = measured.deliveryId;
      expect(await runWithStatementTally(tally, () => attemptWebhookDelivery(deps, attempt))).toEqual({ kind: 'finished' });
      if (tally.statements > 2) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(tally.statements).toBe(2);
    const { batchId, deliveryId, body } = measured!;
    const sent = receiver.received.find((webhook) => webhook.body === body);
    expect(sent?.path).toBe('/up');
    const timestamp = Number(sent?.headers['x-cld-timestamp']);
    expect(sent?.headers['x-cld-signature']).toBe(cloudinarySignatureHeaders(body, credentials.apiSecret, timestamp, 'sha1')['X-Cld-Signature']);
    expect(await findDeliveryToAttempt(catalog.db, deliveryId)).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    const [listed] = await listDeliveriesWithAttempts(catalog.db, batchId);
    expect(listed?.attemptLog).toMatchObject([{ statusCode: 200, outcome: 'delivered', error: null }]);
  });

  it("schedules the next attempt at the schedule's first slot when the receiver fails", async () => {
    const { deliveryId } = await newDelivery('/down');
    const before = Date.now();
    const verdict = await attemptWebhookDelivery(deps, deliveryId);
    expect(verdict.kind).toBe('retry');
    const delivery = await findDeliveryToAttempt(catalog.db, deliveryId);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503, finishedAt: null });
    // The second slot, a minute, within the schedule's jitter.
    expect(delivery!.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 60_000 * (1 - JITTER_FRACTION));
    expect(delivery!.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000 * (1 + JITTER_FRACTION));
  });

  it('sends nothing for an unknown or finished delivery, nor before its time', async () => {
    const count = receiver.received.length;
    expect(await attemptWebhookDelivery(deps, randomUUID())).toEqual({ kind: 'finished' });
    const { deliveryId } = await newDelivery('/up');
    await attemptWebhookDelivery(deps, deliveryId);
    expect(await attemptWebhookDelivery(deps, deliveryId)).toEqual({ kind: 'finished' });
    const later = await newDelivery('/up', new Date(Date.now() + 30_000));
    const early = await attemptWebhookDelivery(deps, later.deliveryId);
    expect(early.kind).toBe('retry');
    expect(early.kind === 'retry' && early.delayMs).toBeGreaterThan(25_000);
    expect(receiver.received.length).toBe(count + 1);
    expect(await findDeliveryToAttempt(catalog.db, later.deliveryId)).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

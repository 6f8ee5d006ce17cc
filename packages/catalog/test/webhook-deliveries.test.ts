import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchWithJobs, ensureCloud, findDeliveryToAttempt, listDeliveriesWithAttempts, recordDeliveryAttempt } from '@rendition/catalog';
import { useTestCatalog } from '@rendition/testing';

// What a webhook attempt reads (the delivery and its request's API key, one statement) and writes
// (the attempt and the delivery's new state, one statement).

const catalog = useTestCatalog('webhook-deliveries');
const db = () => catalog.db;

beforeAll(async () => {
  await ensureCloud(db(), 'hooks');
});

async function deliveryOfNewBatch(apiKey: string): Promise<{ batchId: string; deliveryId: string }> {
  const batchId = randomBytes(32).toString('hex');
  await createBatchWithJobs(db(), { batchId, cloudName: 'hooks', apiKey, kind: 'upload', notificationUrls: [] }, []);
  const deliveryId = randomUUID();
  await db()
    .insertInto('webhook_deliveries')
    .values({
      id: deliveryId,
      batch_id: batchId,
      cloud_name: 'hooks',
      url: 'https://hooks.example/a',
      body: '{"a":1}',
      status: 'pending',
      job_id: randomUUID(),
    })
    .execute();
  return { batchId, deliveryId };
}

describe('webhook deliveries', () => {
  it("reads a delivery with its batch's API key; an unknown id is undefined", async () => {
    const { batchId, deliveryId } = await deliveryOfNewBatch('key-1');
    expect(await findDeliveryToAttempt(db(), deliveryId)).toMatchObject({
      id: deliveryId,
      batchId,
      cloudName: 'hooks',
      url: 'https://hooks.example/a',
      body: '{"a":1}',
      status: 'pending',
      attempts: 0,
      finishedAt: null,
      apiKey: 'key-1',
    });
    expect(await findDeliveryToAttempt(db(), randomUUID())).toBeUndefined();
  });

  it('records an attempt and the next state together: pending with its next time, then finished', async () => {
    const { batchId, deliveryId } = await deliveryOfNewBatch('key-2');
    const next = new Date(Date.now() + 60_000);
    const failed = { attemptedAt: new Date(), statusCode: 503, latencyMs: 12, outcome: 'retry', error: 'Service Unavailable' };
    await recordDeliveryAttempt(db(), { deliveryId, attempt: failed, next: { status: 'pending', nextAttemptAt: next } });
    expect(await findDeliveryToAttempt(db(), deliveryId)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastStatus: 503,
      nextAttemptAt: next,
      finishedAt: null,
    });

    const answered = { attemptedAt: new Date(), statusCode: 200, latencyMs: 3, outcome: 'delivered', error: null };
    await recordDeliveryAttempt(db(), { deliveryId, attempt: answered, next: { status: 'delivered' } });
    const delivered = await findDeliveryToAttempt(db(), deliveryId);
    expect(delivered).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 200 });
    expect(delivered?.finishedAt).toBeInstanceOf(Date);
    const [listed] = await listDeliveriesWithAttempts(db(), batchId);
    expect(listed?.attemptLog).toEqual([failed, answered]);
  });

  it('records nothing of an attempt when the delivery does not exist', async () => {
    const attempts = async () =>
      Number(
        (
          await db()
            .selectFrom('webhook_attempts')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await attempts();
    const attempt = { attemptedAt: new Date(), statusCode: 200, latencyMs: 1, outcome: 'delivered', error: null };
    await expect(recordDeliveryAttempt(db(), { deliveryId: randomUUID(), attempt, next: { status: 'delivered' } })).rejects.toThrow();
    expect(await attempts()).toBe(before);
  });
});

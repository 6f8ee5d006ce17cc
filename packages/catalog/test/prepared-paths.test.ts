import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  commitAssetVersion,
  createBatchWithJobs,
  ensureCloud,
  findDeliveryToAttempt,
  findDerived,
  recordDeliveryAttempt,
  recordDerived,
} from '@rendition/catalog';
import { assetRecordFixture, useTestCatalog } from '@rendition/testing';

// The statements of an upload's commit, its eager items' records and every webhook attempt run as
// named prepared statements (runPreparedShape): each connection plans them once, where planning them
// cost more than running them. Their answers are covered by their own tests; here, that they are
// prepared, once per shape, and still answer the same on the statement's second run.

// One connection, so every statement below shows in its pg_prepared_statements.
const catalog = useTestCatalog('prepared-paths', { poolSize: 1 });
const CLOUD = 'prepared-paths';

beforeAll(async () => {
  await ensureCloud(catalog.db, CLOUD);
});

async function prepared(prefix: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements WHERE starts_with(name, ${prefix}) ORDER BY name`.execute(
    catalog.db,
  );
  return rows.map((row) => row.name);
}

describe('prepared on the paths of every upload and webhook', () => {
  it("commits a new asset (no folder) by one prepared statement, reused by the next asset's commit", async () => {
    for (const publicId of ['prepared/one', 'prepared/two']) {
      const committed = await commitAssetVersion(catalog.db, { asset: assetRecordFixture(publicId, { cloudName: CLOUD }), overwrite: false });
      expect(committed).toMatchObject({ kind: 'created', asset: { publicId, cloudName: CLOUD } });
    }
    expect(await prepared('rendition_insert_new_asset_')).toHaveLength(1);
  });

  it('records a derivative by one prepared statement; a second writer of the same key gets the first row', async () => {
    const committed = await commitAssetVersion(catalog.db, { asset: assetRecordFixture('prepared/derived', { cloudName: CLOUD }), overwrite: false });
    if (committed.kind !== 'created') throw new Error(`unexpected commit ${committed.kind}`);
    const { assetId, versionId } = committed.asset;
    const row = (etag: string) => ({
      assetId,
      versionId,
      transformationHash: 'h-prepared',
      format: 'jpg',
      transformation: 'w_10',
      storageKey: `assets/${assetId}/${versionId}/derived/h-prepared.jpg`,
      contentType: 'image/jpeg',
      bytes: 10,
      width: 10,
      height: 10,
      etag,
    });
    expect(await recordDerived(catalog.db, row('first'))).toMatchObject({ etag: 'first', transformation: 'w_10' });
    expect(await recordDerived(catalog.db, row('second'))).toMatchObject({ etag: 'first' });
    expect(await findDerived(catalog.db, row('x'))).toMatchObject({ etag: 'first' });
    expect(await prepared('rendition_record_derived_')).toHaveLength(1);
  });

  it("reads a delivery with its batch's key and records attempts (pending, then finished) by prepared statements", async () => {
    const batchId = randomBytes(32).toString('hex');
    await createBatchWithJobs(catalog.db, { batchId, cloudName: CLOUD, apiKey: 'key-p', kind: 'upload', notificationUrls: [] }, []);
    const deliveryId = randomUUID();
    await catalog.db
      .insertInto('webhook_deliveries')
      .values({
        id: deliveryId,
        batch_id: batchId,
        cloud_name: CLOUD,
        url: 'https://hooks.example/p',
        body: '{}',
        status: 'pending',
        job_id: randomUUID(),
      })
      .execute();
    expect(await findDeliveryToAttempt(catalog.db, deliveryId)).toMatchObject({ id: deliveryId, apiKey: 'key-p', attempts: 0 });
    const attempt = { attemptedAt: new Date(), statusCode: 503, latencyMs: 3, outcome: 'retry', error: 'Service Unavailable' };
    await recordDeliveryAttempt(catalog.db, { deliveryId, attempt, next: { status: 'pending', nextAttemptAt: new Date(Date.now() + 60_000) } });
    await recordDeliveryAttempt(catalog.db, {
      deliveryId,
      attempt: { ...attempt, statusCode: 200, outcome: 'delivered', error: null },
      next: { status: 'delivered' },
    });
    expect(await findDeliveryToAttempt(catalog.db, deliveryId)).toMatchObject({ attempts: 2, status: 'delivered', lastStatus: 200, apiKey: 'key-p' });
    expect(await findDeliveryToAttempt(catalog.db, randomUUID())).toBeUndefined();
    expect(await prepared('rendition_delivery_to_attempt_')).toHaveLength(1);
    // Pending and finished set different columns: two shapes.
    expect(await prepared('rendition_delivery_attempt_')).toHaveLength(2);
  });
});

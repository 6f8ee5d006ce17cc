import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitAssetVersion,
  connectCatalog,
  deleteDerivedOfVersion,
  deleteNamedTransformation,
  deliveryChangeOf,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  listenForDeliveryChanges,
  migrateToLatest,
  recordDerived,
  saveNamedTransformation,
  type AssetRecord,
  type CatalogDb,
  type DeliveryChange,
  type OutcomeListener,
} from '@rendition/catalog';
import { assetRecordFixture, createTestDatabaseUrl } from '@rendition/testing';

// Migration 0029's notices, which keep every API's delivery cache fresh (apps/api/src/delivery-cache.ts):
// what changes an asset or its derivatives names it; inserts name nothing.

let databaseUrl: string;
let db: CatalogDb;
let listener: OutcomeListener;
const heard: DeliveryChange[] = [];
const CLOUD = 'notices';

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('delivery-notices');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, CLOUD);
  let listening!: () => void;
  const ready = new Promise<void>((resolve) => (listening = resolve));
  listener = listenForDeliveryChanges(databaseUrl, {
    onChange: (change) => heard.push(change),
    onListening: listening,
    onLost: () => {},
    onError: () => {},
  });
  await ready;
});

afterAll(async () => {
  await listener?.close();
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const assetRecord = (publicId: string): AssetRecord => assetRecordFixture(publicId, { cloudName: CLOUD });

/** The notices a write sends: a marker notice after it tells when everything before it has arrived. */
async function noticesOf(write: () => Promise<unknown>): Promise<DeliveryChange[]> {
  heard.length = 0;
  await write();
  const marker = randomBytes(8).toString('hex');
  await sql`select pg_notify('rendition_delivery', ${`a:${marker}`})`.execute(db);
  const deadline = Date.now() + 5_000;
  while (!heard.some((change) => change.kind === 'asset' && change.assetId === marker)) {
    if (Date.now() > deadline) throw new Error('the marker notice never arrived');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return heard.filter((change) => !(change.kind === 'asset' && change.assetId === marker));
}

describe('delivery change notices (migration 0029)', () => {
  it('name the asset an update, an overwrite or a derivative deletion changes; an insert or a no-op update names nothing', async () => {
    const asset = assetRecord('notice/one');
    expect(await noticesOf(() => commitAssetVersion(db, { asset, overwrite: false }))).toEqual([]);
    expect(
      await noticesOf(() =>
        recordDerived(db, {
          assetId: asset.assetId,
          versionId: asset.versionId,
          transformationHash: 'h'.repeat(64),
          format: 'png',
          transformation: 'w_5',
          storageKey: `derived/${asset.assetId}/w5`,
          contentType: 'image/png',
          bytes: 10,
          width: 5,
          height: 2,
          etag: 'f'.repeat(32),
        }),
      ),
    ).toEqual([]);
    const named = { kind: 'asset', assetId: asset.assetId };
    expect(await noticesOf(() => sql`UPDATE assets SET tags = ${sql.val(['x'])} WHERE asset_id = ${asset.assetId}`.execute(db))).toEqual([named]);
    expect(await noticesOf(() => sql`UPDATE assets SET tags = tags WHERE asset_id = ${asset.assetId}`.execute(db))).toEqual([]);
    // Many derived rows deleted in one transaction: one notice.
    expect(await noticesOf(() => deleteDerivedOfVersion(db, asset.assetId, asset.versionId))).toEqual([named]);
    const replacement = { ...assetRecord('notice/one'), assetId: asset.assetId };
    expect(await noticesOf(() => commitAssetVersion(db, { asset: replacement, overwrite: true, replacesAssetId: asset.assetId }))).toContainEqual(
      named,
    );
    expect(await noticesOf(() => sql`DELETE FROM assets WHERE asset_id = ${asset.assetId}`.execute(db))).toContainEqual(named);
  });

  it('say "everything" when a named transformation changes', async () => {
    expect(await noticesOf(() => saveNamedTransformation(db, CLOUD, 'notice_t', 'w_10'))).toEqual([{ kind: 'all' }]);
    expect(await noticesOf(() => saveNamedTransformation(db, CLOUD, 'notice_t', 'w_20'))).toEqual([{ kind: 'all' }]);
    expect(await noticesOf(() => deleteNamedTransformation(db, CLOUD, 'notice_t'))).toEqual([{ kind: 'all' }]);
  });

  it('reads an unknown payload as "everything"', () => {
    expect(deliveryChangeOf('a:0123')).toEqual({ kind: 'asset', assetId: '0123' });
    expect(deliveryChangeOf('*')).toEqual({ kind: 'all' });
    expect(deliveryChangeOf('a:')).toEqual({ kind: 'all' });
    expect(deliveryChangeOf('x:1')).toEqual({ kind: 'all' });
  });
});

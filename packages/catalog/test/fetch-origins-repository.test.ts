import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimFetchLease,
  cloudFetchSettings,
  connectCatalog,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  findAsset,
  migrateToLatest,
  readFetchOrigin,
  recordFetchFailure,
  releaseFetchLease,
  renewFetchedVersion,
  setCloudAllowedFetchDomains,
  setStrictTransformations,
  storeFetchedVersion,
  type AssetRecord,
  type CatalogDb,
  type FetchOriginKey,
} from '@rendition/catalog';
import { assetRecordFixture, createTestDatabaseUrl } from '@rendition/testing';

let databaseUrl: string;
let db: CatalogDb;
const CLOUD = 'fetching';

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('fetch-origins');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  await ensureCloud(db, CLOUD);
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function keyFor(url: string): FetchOriginKey {
  return { fetchKey: randomBytes(32).toString('hex'), cloudName: CLOUD, url };
}

function version(key: FetchOriginKey, assetId: string, etag: string): AssetRecord {
  return assetRecordFixture(key.url, { cloudName: CLOUD, type: 'fetch', assetId, etag, displayName: 'a', originalFilename: 'a' });
}

/** Ends the lease now, as if its holder had died. */
async function expireLease(key: FetchOriginKey): Promise<void> {
  await sql`UPDATE fetch_origins SET lease_until = now() - interval '1 second' WHERE fetch_key = ${key.fetchKey}`.execute(db);
}

describe('fetch origins', () => {
  it('stores and reads a cloud’s allowed fetch domains and strictness', async () => {
    expect(await cloudFetchSettings(db, 'no-such-cloud')).toBeUndefined();
    expect(await cloudFetchSettings(db, CLOUD)).toEqual({ strictTransformations: false, allowedFetchDomains: [] });
    await setCloudAllowedFetchDomains(db, CLOUD, ['example.com', 'example.com', '127.0.0.2']);
    await setStrictTransformations(db, CLOUD, true);
    expect(await cloudFetchSettings(db, CLOUD)).toEqual({ strictTransformations: true, allowedFetchDomains: ['example.com', '127.0.0.2'] });
    await setCloudAllowedFetchDomains(db, CLOUD, []);
    await setStrictTransformations(db, CLOUD, false);
  });

  it('gives the lease to one caller at a time, and to the next once it is released or expired', async () => {
    const key = keyFor('https://example.com/lease.png');
    const [first, second] = [randomUUID(), randomUUID()];
    const claims = await Promise.all([
      claimFetchLease(db, key, { token: first, seconds: 60 }),
      claimFetchLease(db, key, { token: second, seconds: 60 }),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    const holder = claims[0] ? first : second;
    const other = holder === first ? second : first;
    expect((await readFetchOrigin(db, key)).leased).toBe(true);

    // Another token cannot release it; its holder can.
    await releaseFetchLease(db, key, other);
    expect((await readFetchOrigin(db, key)).leased).toBe(true);
    expect(await claimFetchLease(db, key, { token: other, seconds: 60 })).toBe(false);
    await releaseFetchLease(db, key, holder);
    expect((await readFetchOrigin(db, key)).leased).toBe(false);

    // A holder that died: its lease expires and the next caller takes over.
    expect(await claimFetchLease(db, key, { token: other, seconds: 60 })).toBe(true);
    await expireLease(key);
    const third = randomUUID();
    expect(await claimFetchLease(db, key, { token: third, seconds: 60 })).toBe(true);
    await releaseFetchLease(db, key, third);
  });

  it('stores a version fresh for its TTL, replaces it with the next one, and renews it', async () => {
    const key = keyFor('https://example.com/versions.png?x=1');
    const token = randomUUID();
    expect(await claimFetchLease(db, key, { token, seconds: 60 })).toBe(true);
    const assetId = randomBytes(16).toString('hex');
    const first = version(key, assetId, 'a'.repeat(32));
    const stored = await storeFetchedVersion(db, {
      key,
      token,
      asset: first,
      replaces: false,
      ttlSeconds: 3600,
      validators: { etag: '"v1"', lastModified: null },
    });
    expect(stored).toMatchObject({ kind: 'stored', obsoleteKeys: [] });
    let state = await readFetchOrigin(db, key);
    expect(state).toMatchObject({ fresh: true, leased: false, validators: { etag: '"v1"', lastModified: null }, failure: undefined });
    expect(state.asset).toMatchObject({ assetId, versionId: first.versionId, type: 'fetch', publicId: key.url, width: 10 });

    // A newer version under the same asset: the old original and its derivatives are the caller's to delete.
    await db
      .insertInto('derived')
      .values({
        asset_id: assetId,
        version_id: first.versionId,
        transformation_hash: 'h'.repeat(16),
        format: 'webp',
        transformation: 'w_10',
        storage_key: `assets/${assetId}/${first.versionId}/derived/x.webp`,
        content_type: 'image/webp',
        bytes: 10,
        width: 10,
        height: 5,
        etag: 'b'.repeat(32),
      })
      .execute();
    const token2 = randomUUID();
    await expireLease(key);
    expect(await claimFetchLease(db, key, { token: token2, seconds: 60 })).toBe(true);
    const second = version(key, assetId, 'c'.repeat(32));
    const replaced = await storeFetchedVersion(db, {
      key,
      token: token2,
      asset: second,
      replaces: true,
      ttlSeconds: 0,
      validators: { etag: null, lastModified: 'x' },
    });
    expect(replaced.kind).toBe('stored');
    if (replaced.kind !== 'stored') return;
    expect(replaced.obsoleteKeys.sort()).toEqual([first.storageKey, `assets/${assetId}/${first.versionId}/derived/x.webp`].sort());
    expect(replaced.asset.version).toBe(first.version + 1);
    state = await readFetchOrigin(db, key);
    expect(state.fresh).toBe(false);
    expect(state.asset?.versionId).toBe(second.versionId);
    const versions = await db.selectFrom('asset_versions').select('version_id').where('asset_id', '=', assetId).execute();
    expect(versions.map((row) => row.version_id)).toEqual([second.versionId]);

    await renewFetchedVersion(db, {
      key,
      token: token2,
      versionId: second.versionId,
      ttlSeconds: 60,
      validators: { etag: '"v2"', lastModified: null },
    });
    expect(await readFetchOrigin(db, key)).toMatchObject({ fresh: true, validators: { etag: '"v2"', lastModified: 'x' } });
  });

  it('answers conflict when the asset it replaces is gone, and records failures with their TTL', async () => {
    const key = keyFor('https://example.com/conflict.png');
    const token = randomUUID();
    expect(await claimFetchLease(db, key, { token, seconds: 60 })).toBe(true);
    const outcome = await storeFetchedVersion(db, {
      key,
      token,
      asset: version(key, randomBytes(16).toString('hex'), 'd'.repeat(32)),
      replaces: true,
      ttlSeconds: 60,
      validators: { etag: null, lastModified: null },
    });
    expect(outcome).toEqual({ kind: 'conflict' });
    expect(await findAsset(db, { cloudName: CLOUD, resourceType: 'image', type: 'fetch', publicId: key.url })).toBeUndefined();
    expect((await readFetchOrigin(db, key)).leased).toBe(false);

    expect(await claimFetchLease(db, key, { token, seconds: 60 })).toBe(true);
    await recordFetchFailure(db, { key, token, status: 404, message: 'Resource not found - x', ttlSeconds: 60 });
    const failed = await readFetchOrigin(db, key);
    expect(failed).toMatchObject({ fresh: false, leased: false, failure: { status: 404, message: 'Resource not found - x', fresh: true } });
    expect(await claimFetchLease(db, key, { token, seconds: 60 })).toBe(true);
    await recordFetchFailure(db, { key, token, status: 400, message: 'Invalid image file', ttlSeconds: 0 });
    expect((await readFetchOrigin(db, key)).failure).toMatchObject({ status: 400, fresh: false });
  });
});

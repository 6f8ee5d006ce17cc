import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitAssetVersion,
  connectCatalog,
  destroyAsset,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  listAssetVersions,
  migrateToLatest,
  recordDerived,
  type AssetRecord,
  type CatalogDb,
} from '@rendition/catalog';
import type { JobQueues } from '@rendition/jobs';
import { createLogger } from '@rendition/logging';
import { createAddressPolicy } from '@rendition/net';
import { DEFAULT_PARAMETER_LIMITS } from '@rendition/protocol';
import { FsBlobStore, type BlobStore } from '@rendition/storage';
import { createTestDatabaseUrl } from '@rendition/testing';
import { deleteBackedUpAssetsCommand, type ManagementDependencies } from '@rendition/assets';

// delete_backed_up_assets against a real PostgreSQL and a filesystem store: which versions go (rows,
// originals, derivatives), what stays (the current version), and the refusals.

let databaseUrl: string;
let db: CatalogDb;
let storeDir: string;
let store: BlobStore;
let deps: ManagementDependencies;

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('delete-backups');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, 'demo');
  await ensureCloud(db, 'other');
  storeDir = await mkdtemp(join(tmpdir(), 'rendition-delete-backups-'));
  store = new FsBlobStore(storeDir);
  deps = {
    db,
    store,
    queues: {} as JobQueues,
    logger: createLogger({ level: 'silent' }),
    addressPolicy: createAddressPolicy([]),
    publicBaseUrl: 'http://localhost',
    secureBaseUrl: 'https://localhost',
    limits: { parameters: DEFAULT_PARAMETER_LIMITS },
  };
}, 60_000);

afterAll(async () => {
  await store?.close();
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

const hex = () => randomBytes(16).toString('hex');

/** Uploads `count` versions of one public_id with backup=true; the last is current. */
async function assetWithVersions(publicId: string, count: number): Promise<{ assetId: string; versionIds: string[] }> {
  let assetId = hex();
  const versionIds: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const versionId = hex();
    const storageKey = `assets/${assetId}/${versionId}/original`;
    await store.put(storageKey, Buffer.from(`v${index}`));
    const asset: AssetRecord = {
      assetId,
      cloudName: 'demo',
      resourceType: 'image',
      type: 'upload',
      publicId,
      version: 1_700_000_000 + index,
      versionId,
      format: 'png',
      width: 4,
      height: 4,
      pages: null,
      bytes: 2,
      etag: '0'.repeat(32),
      contentType: 'image/png',
      storageKey,
      tags: [],
      context: {},
      metadata: {},
      assetFolder: '',
      displayName: publicId,
      originalFilename: null,
      accessMode: 'public',
      createdAt: new Date(),
    };
    const outcome = await commitAssetVersion(db, { asset, overwrite: true, backup: true });
    if (outcome.kind === 'asset-gone') throw new Error('the asset went while being overwritten');
    assetId = outcome.asset.assetId;
    versionIds.push(versionId);
  }
  return { assetId, versionIds };
}

async function addDerivative(assetId: string, versionId: string): Promise<string> {
  const storageKey = `assets/${assetId}/${versionId}/derived/small.webp`;
  await store.put(storageKey, Buffer.from('webp'));
  await recordDerived(db, {
    assetId,
    versionId,
    transformationHash: 'small',
    format: 'webp',
    transformation: 'w_1',
    storageKey,
    contentType: 'image/webp',
    bytes: 4,
    width: 1,
    height: 1,
    etag: '1'.repeat(32),
  });
  return storageKey;
}

async function exists(key: string): Promise<boolean> {
  for await (const blob of store.list(key)) if (blob.key === key) return true;
  return false;
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { status, message } = error as { status: number; message: string };
    return { status, message };
  }
  throw new Error('expected a refusal');
}

const call = (assetId: string, versionIds: string | string[], cloudName = 'demo') =>
  deleteBackedUpAssetsCommand(deps, { cloudName, assetId, params: { version_ids: versionIds } });

describe('delete_backed_up_assets', () => {
  it('deletes backed-up versions with their originals and derivatives, one or several at a time', async () => {
    const { assetId, versionIds } = await assetWithVersions('three', 3);
    const [first, second, third] = versionIds as [string, string, string];
    const derived = await addDerivative(assetId, first);

    expect(await call(assetId, first)).toEqual({ asset_id: assetId, deleted_version_ids: [first] });
    expect(await exists(`assets/${assetId}/${first}/original`)).toBe(false);
    expect(await exists(derived)).toBe(false);
    expect((await listAssetVersions(db, assetId)).map((version) => version.versionId)).toEqual([second, third]);

    // The current version is the asset: reported, not deleted.
    expect(await call(assetId, [second, third])).toEqual({
      asset_id: assetId,
      deleted_version_ids: [second],
      failures: [{ version_id: third, error: `${third} is the asset's current version, not a backup` }],
    });
    expect((await listAssetVersions(db, assetId)).map((version) => version.versionId)).toEqual([third]);
    expect(await exists(`assets/${assetId}/${third}/original`)).toBe(true);
  });

  it("deletes a destroyed asset's kept versions, and forgets the asset with the last one", async () => {
    const { assetId, versionIds } = await assetWithVersions('destroyed', 2);
    await destroyAsset(db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: 'destroyed' });
    expect(await db.selectFrom('deleted_assets').select('asset_id').where('asset_id', '=', assetId).executeTakeFirst()).toBeDefined();
    expect(await call(assetId, versionIds)).toEqual({ asset_id: assetId, deleted_version_ids: versionIds });
    expect(await listAssetVersions(db, assetId)).toEqual([]);
    expect(await db.selectFrom('deleted_assets').select('asset_id').where('asset_id', '=', assetId).executeTakeFirst()).toBeUndefined();
  });

  it('refuses unknown assets and versions with a 404, deleting nothing', async () => {
    const { assetId, versionIds } = await assetWithVersions('refusals', 2);
    const [first] = versionIds as [string];
    const unknown = hex();
    expect(await refusal(call(unknown, first))).toEqual({ status: 404, message: `Resource not found - ${unknown}` });
    expect(await refusal(call('not-an-id', first))).toEqual({ status: 404, message: 'Resource not found - not-an-id' });
    // Another cloud's asset is unknown here.
    expect(await refusal(call(assetId, first, 'other'))).toEqual({ status: 404, message: `Resource not found - ${assetId}` });
    expect(await refusal(call(assetId, [first, unknown]))).toEqual({
      status: 404,
      message: `Backup not found - asset_id ${assetId}, version_id ${unknown}`,
    });
    expect(await refusal(call(assetId, 'xyz'))).toEqual({ status: 404, message: `Backup not found - asset_id ${assetId}, version_id xyz` });
    expect((await listAssetVersions(db, assetId)).map((version) => version.versionId)).toEqual(versionIds);
  });

  it('requires version_ids and bounds them', async () => {
    const { assetId } = await assetWithVersions('bounds', 1);
    expect(await refusal(call(assetId, []))).toEqual({ status: 400, message: 'Missing required parameter - version_ids' });
    const many = Array.from({ length: 101 }, hex);
    expect(await refusal(call(assetId, many))).toMatchObject({ status: 400, message: expect.stringContaining('Too many version_ids: 101') });
  });
});

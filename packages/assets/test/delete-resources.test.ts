import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  commitAssetVersion,
  connectCatalog,
  createApiKey,
  dropDatabase,
  ensureDatabaseExists,
  findJob,
  migrateToLatest,
  recordDerived,
  setCloudBackups,
  type AssetRecord,
  type CatalogDb,
  type DerivativeFilter,
} from '@rendition/catalog';
import type { JobQueues, PurgeJobV1 } from '@rendition/jobs';
import { createLogger } from '@rendition/logging';
import { createAddressPolicy } from '@rendition/net';
import { isApiError } from '@rendition/protocol';
import { FsBlobStore, type BlobStore } from '@rendition/storage';
import {
  createPurgeHandler,
  deleteDerivedResources,
  deleteResources,
  deleteResourcesByAssetIds,
  deleteResourcesByTag,
  type AdminDeleteDependencies,
} from '@rendition/assets';

// The catalog side of the Admin API's deletes and the purge job, against a real PostgreSQL and a
// filesystem store; the queue is a recorder (what gets queued, and when, is what is checked here).

const caller = { cloudName: 'demo', apiKey: 'key' };
const scope = { resourceType: 'image', type: 'upload' };

let db: CatalogDb;
let databaseUrl: string;
let storeDir: string;
let store: BlobStore;
let queued: Array<{ kind: string; payload: PurgeJobV1; jobId: string }>;
let deps: AdminDeleteDependencies;

const queues: JobQueues = {
  async enqueue(kind, payload, jobId) {
    queued.push({ kind, payload: payload as PurgeJobV1, jobId });
  },
  isQueued: async () => false,
  isConnected: () => true,
  assertAvailable: () => undefined,
  ping: async () => true,
  close: async () => undefined,
};

/** `transformations` as the API resolves them, here a fixed table: the service only matches what it is given. */
const FILTERS: Record<string, DerivativeFilter[]> = {
  small: [{ transformationHash: 'small', format: null }],
  'large-webp': [{ transformationHash: 'large', format: 'webp' }],
};

beforeAll(async () => {
  const server = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres');
  server.pathname = `/rendition_assets_deletes_${randomBytes(4).toString('hex')}`;
  databaseUrl = server.toString();
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  await createApiKey(db, 'demo');
  storeDir = await mkdtemp(join(tmpdir(), 'rendition-deletes-'));
  store = new FsBlobStore(storeDir);
  deps = {
    db,
    queues,
    logger: createLogger({ level: 'silent' }),
    addressPolicy: createAddressPolicy([]),
    resolveTransformations: async (_cloud, text) => FILTERS[text] ?? [],
    maxAssetsPerCall: 2,
  };
}, 60_000);

afterAll(async () => {
  await store?.close();
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

beforeEach(async () => {
  queued = [];
  await db.deleteFrom('assets').execute();
  await db.deleteFrom('asset_versions').execute();
  await db.deleteFrom('deleted_assets').execute();
  await db.deleteFrom('jobs').execute();
  await setCloudBackups(db, 'demo', false);
});

const hex = () => randomBytes(16).toString('hex');

/** An asset with its original stored and, for each [hash, format], a derivative. */
async function addAsset(publicId: string, options: { derived?: Array<[string, string]>; tags?: string[]; type?: 'upload' | 'private' } = {}) {
  const assetId = hex();
  const versionId = hex();
  const storageKey = `assets/${assetId}/${versionId}/original`;
  const asset: AssetRecord = {
    assetId,
    cloudName: 'demo',
    resourceType: 'image',
    type: options.type ?? 'upload',
    publicId,
    version: 1_700_000_000,
    versionId,
    format: 'png',
    width: 4,
    height: 4,
    pages: null,
    bytes: 3,
    etag: '0'.repeat(32),
    contentType: 'image/png',
    storageKey,
    tags: options.tags ?? [],
    context: {},
    metadata: {},
    assetFolder: '',
    displayName: publicId,
    originalFilename: null,
    accessMode: 'public',
    createdAt: new Date(),
  };
  await store.put(storageKey, Buffer.from('png'));
  await commitAssetVersion(db, { asset, overwrite: false });
  const derivedKeys: string[] = [];
  for (const [hash, format] of options.derived ?? []) derivedKeys.push(await addDerivative(assetId, versionId, hash, format));
  return { assetId, versionId, storageKey, derivedKeys };
}

async function addDerivative(assetId: string, versionId: string, hash: string, format: string): Promise<string> {
  const storageKey = `assets/${assetId}/${versionId}/derived/${hash}.${format}`;
  await store.put(storageKey, Buffer.from(format));
  await recordDerived(db, {
    assetId,
    versionId,
    transformationHash: hash,
    format,
    transformation: `t_${hash}`,
    storageKey,
    contentType: `image/${format}`,
    bytes: format.length,
    width: 1,
    height: 1,
    etag: '1'.repeat(32),
  });
  return storageKey;
}

async function storedUnder(assetId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of store.list(`assets/${assetId}/`)) keys.push(blob.key);
  return keys.sort();
}

/** Runs every queued purge job as the worker would. */
async function runPurges(): Promise<void> {
  const handler = createPurgeHandler({ db, queues, logger: deps.logger, store });
  for (const job of queued.splice(0)) await handler.handle(job.payload, { jobId: job.jobId, attempt: 1, signal: new AbortController().signal });
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isApiError(error)) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the delete transaction', () => {
  it('records the purge jobs in the outbox with the rows it removes, and queues them after', async () => {
    const a = await addAsset('a', { derived: [['small', 'jpg']] });
    const answer = await deleteResources(deps, caller, scope, { public_ids: ['a', 'gone'] });
    expect(answer).toEqual({ deleted: { a: 'deleted', gone: 'not_found' }, deleted_counts: { a: { original: 1, derived: 1 } }, partial: false });
    const rows = await db.selectFrom('jobs').select(['id', 'kind', 'queue', 'batch_id', 'status', 'payload']).execute();
    expect(rows).toEqual([
      {
        id: queued[0]!.jobId,
        kind: 'purge',
        queue: 'purge',
        batch_id: null,
        status: 'queued',
        payload: { v: 1, jobId: queued[0]!.jobId, cloudName: 'demo', assets: [{ assetId: a.assetId, keys: expect.any(Array), sweep: true }] },
      },
    ]);
    expect(queued[0]!.payload.assets[0]!.keys.sort()).toEqual([a.storageKey, ...a.derivedKeys].sort());
    expect(await storedUnder(a.assetId)).toHaveLength(2);
  });

  it('the purge deletes the keys and sweeps what else lies under a forgotten asset, then finishes its job; again, it does nothing', async () => {
    const a = await addAsset('a', { derived: [['small', 'jpg']] });
    await store.put(`assets/${a.assetId}/${a.versionId}/derived/unlisted.jpg`, Buffer.from('x'));
    await deleteResources(deps, caller, scope, { public_ids: ['a'] });
    const [job] = queued;
    await runPurges();
    expect(await storedUnder(a.assetId)).toEqual([]);
    expect(await findJob(db, job!.jobId)).toMatchObject({ status: 'completed', result: { deleted: 2, swept: 1 } });
    await store.put(`assets/${a.assetId}/late`, Buffer.from('x'));
    const handler = createPurgeHandler({ db, queues, logger: deps.logger, store });
    await handler.handle(job!.payload, { jobId: job!.jobId, attempt: 2, signal: new AbortController().signal });
    expect(await storedUnder(a.assetId)).toEqual([`assets/${a.assetId}/late`]);
  });

  it('the purge spares what the catalog names again: a derivative made anew, the prefix of an asset with kept backups', async () => {
    const made = await addAsset('made', { derived: [['small', 'jpg']] });
    await deleteResources(deps, caller, scope, { public_ids: ['made'], keep_original: 'true' });
    // A delivery derives it again before the purge runs: same key, a row again.
    await addDerivative(made.assetId, made.versionId, 'small', 'jpg');

    await setCloudBackups(db, 'demo', true);
    const kept = await addAsset('kept');
    await deleteResources(deps, caller, scope, { public_ids: ['kept'] });
    // What a restore writes before it commits: under the same prefix, named by no row yet.
    const restoring = `assets/${kept.assetId}/${hex()}/original`;
    await store.put(restoring, Buffer.from('png'));

    await runPurges();
    expect(await storedUnder(made.assetId)).toEqual([made.storageKey, ...made.derivedKeys].sort());
    expect(await storedUnder(kept.assetId)).toEqual([kept.storageKey, restoring].sort());
    expect(await db.selectFrom('deleted_assets').select('public_id').execute()).toEqual([{ public_id: 'kept' }]);
  });
});

describe('what a call deletes', () => {
  it('keep_original: walks with next_cursor in chunks, the assets and originals stay', async () => {
    const assets = [];
    for (const name of ['p/1', 'p/2', 'p/3', 'p/4', 'p/5']) assets.push(await addAsset(name, { derived: [['small', 'jpg']] }));
    await addAsset('q/1', { derived: [['small', 'jpg']] });
    const answers = [];
    let cursor: string | undefined;
    do {
      const answer = await deleteResources(deps, caller, scope, { prefix: 'p/', keep_original: '1', ...(cursor ? { next_cursor: cursor } : {}) });
      answers.push(answer);
      cursor = answer.next_cursor;
    } while (cursor !== undefined);
    expect(answers.map((answer) => [Object.keys(answer.deleted), answer.partial])).toEqual([
      [['p/1', 'p/2'], true],
      [['p/3', 'p/4'], true],
      [['p/5'], false],
    ]);
    expect(answers[0]!.deleted_counts['p/1']).toEqual({ original: 0, derived: 1 });
    expect(await db.selectFrom('derived').select('transformation_hash').execute()).toHaveLength(1);
    expect(await db.selectFrom('assets').select('public_id').execute()).toHaveLength(6);
    await runPurges();
    for (const asset of assets) expect(await storedUnder(asset.assetId)).toEqual([asset.storageKey]);
  });

  it('transformations: only the derivatives of those hashes, in the format given when one is', async () => {
    await addAsset('t', {
      derived: [
        ['small', 'jpg'],
        ['small', 'png'],
        ['large', 'jpg'],
        ['large', 'webp'],
      ],
    });
    const remaining = async () => (await db.selectFrom('derived').select(['transformation_hash', 'format']).orderBy('format').execute()).length;
    expect((await deleteResources(deps, caller, scope, { public_ids: ['t'], transformations: 'large-webp' })).deleted_counts).toEqual({
      t: { original: 0, derived: 1 },
    });
    expect(await remaining()).toBe(3);
    expect((await deleteResources(deps, caller, scope, { public_ids: ['t'], transformations: 'small' })).deleted_counts).toEqual({
      t: { original: 0, derived: 2 },
    });
    expect(await db.selectFrom('derived').select(['transformation_hash', 'format']).execute()).toEqual([
      { transformation_hash: 'large', format: 'jpg' },
    ]);
  });

  it('by tag across delivery types (or one), by asset_ids, by derived id', async () => {
    await addAsset('x', { tags: ['t'] });
    await addAsset('x', { tags: ['t'], type: 'private' });
    await addAsset('y', { tags: ['t'], type: 'private' });
    expect(await deleteResourcesByTag(deps, caller, { resourceType: 'image', tag: 't' }, { type: 'private' })).toMatchObject({
      deleted: { x: 'deleted', y: 'deleted' },
      partial: false,
    });
    expect(await deleteResourcesByTag(deps, caller, { resourceType: 'image', tag: 't' }, {})).toEqual({
      deleted: { x: 'deleted' },
      deleted_counts: { x: { original: 1, derived: 0 } },
      partial: false,
    });

    const z = await addAsset('z', { type: 'private' });
    expect((await deleteResourcesByAssetIds(deps, caller, { asset_ids: [z.assetId] })).deleted).toEqual({ [z.assetId]: 'deleted' });

    const d = await addAsset('d', { derived: [['small', 'jpg']] });
    const derivedId = createHash('md5').update(`${d.assetId}\n${d.versionId}\nsmall\njpg`).digest('hex');
    expect(await deleteDerivedResources(deps, caller, { derived_resource_ids: [derivedId, hex()] })).toMatchObject({
      deleted: { [derivedId]: 'deleted' },
    });
    await runPurges();
    expect(await storedUnder(d.assetId)).toEqual([d.storageKey]);
  });
});

describe('bad input', () => {
  it('is a 400 before anything changes', async () => {
    await addAsset('a');
    const many = Array.from({ length: 101 }, (_, index) => `id${index}`);
    expect(await refusal(deleteResources(deps, caller, scope, { public_ids: many }))).toEqual({
      status: 400,
      message: 'Too many public_ids: at most 100 in one request (got 101)',
    });
    expect((await refusal(deleteResources(deps, caller, { resourceType: 'banana', type: 'upload' }, { public_ids: ['a'] }))).status).toBe(400);
    expect((await refusal(deleteResources(deps, caller, { resourceType: 'image', type: 'nope' }, { public_ids: ['a'] }))).status).toBe(400);
    expect(await refusal(deleteResources(deps, caller, scope, {}))).toEqual({
      status: 400,
      message: 'Missing required parameter - public_ids, prefix or all',
    });
    expect((await refusal(deleteResources(deps, caller, scope, { all: 'true', next_cursor: 'garbage!' }))).status).toBe(400);
    expect((await refusal(deleteResources(deps, caller, scope, { public_ids: ['a'], keep_original: 'perhaps' }))).status).toBe(400);
    expect((await refusal(deleteResourcesByAssetIds(deps, caller, { asset_ids: many }))).message).toContain('Too many asset_ids');
    expect((await refusal(deleteDerivedResources(deps, caller, { derived_resource_ids: many }))).message).toContain('Too many derived_resource_ids');
    expect(await db.selectFrom('assets').select('public_id').execute()).toEqual([{ public_id: 'a' }]);
    expect(queued).toEqual([]);
  });
});

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAssetVersion, destroyAsset, findAsset, setCloudBackups, type AssetRecord } from '@rendition/catalog';
import { IngestJobV1Schema } from '@rendition/jobs';
import type { BlobStore } from '@rendition/storage';
import type { CloudinarySdk } from '@rendition/testing';
import { ingestDependencies } from '@rendition/worker';
import { ingest } from '@rendition/ingest';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS } from '@rendition/media';
import { isStored, storedBytes, storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Result = Record<string, unknown> & {
  public_id: string;
  asset_id: string;
  version: number;
  version_id: string;
  secure_url: string;
  etag: string;
  bytes: number;
};
type Version = { version_id: string; version: string; format: string; size: number; time: string; restorable: boolean };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const db = () => cluster.cluster.services.db;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const png = (width: number, height: number, background: string) =>
  sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
const dataUri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`;
const upload = async (bytes: Buffer, publicId: string, options: Record<string, unknown> = {}) =>
  (await cloudinary.uploader.upload(dataUri(bytes), { public_id: publicId, ...options })) as Result;
const stored = (publicId: string): Promise<AssetRecord | undefined> =>
  findAsset(db(), { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId });
const versionsOf = async (publicId: string): Promise<Version[]> =>
  ((await cloudinary.api.resource(publicId, { versions: true })) as { versions: Version[] }).versions;
const originalKey = (assetId: string, versionId: string) => `assets/${assetId}/${versionId}/original`;

async function download(url: string): Promise<{ status: number; contentType: string | null; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, contentType: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

async function withBackups<T>(enabled: boolean, work: () => Promise<T>): Promise<T> {
  await setCloudBackups(db(), 'demo', enabled);
  try {
    return await work();
  } finally {
    await setCloudBackups(db(), 'demo', true);
  }
}

/**
 * Catalog ⇔ storage: every asset's original and every version's original is stored, and every object
 * under assets/ is a version's original or a derivative the catalog knows (no orphan either way).
 */
async function expectCatalogMatchesStorage(): Promise<void> {
  const assets = await db().selectFrom('assets').select('storage_key').execute();
  const versions = await db().selectFrom('asset_versions').select('storage_key').execute();
  const derived = await db().selectFrom('derived').select('storage_key').execute();
  for (const row of [...assets, ...versions]) expect(await isStored(cluster.store, row.storage_key), `missing ${row.storage_key}`).toBe(true);
  const known = new Set([...assets, ...versions, ...derived].map((row) => row.storage_key));
  for (const key of await storedKeys(cluster.store, 'assets/')) expect(known, `orphaned ${key}`).toContain(key);
}

describe('overwrite with backups (the default)', () => {
  let red: Buffer;
  let blue: Buffer;
  let first: Result;
  let second: Result;

  beforeAll(async () => {
    red = await png(40, 30, '#ff0000');
    blue = await png(50, 20, '#0000ff');
    first = await upload(red, 'bk/photo');
    second = await upload(blue, 'bk/photo');
  });

  it('keeps the previous version: its row, listed by the Admin API, and its original', async () => {
    expect(second.asset_id).toBe(first.asset_id);
    expect(second.version).toBeGreaterThan(first.version);
    const versions = await versionsOf('bk/photo');
    expect(versions).toEqual([
      { version_id: first.version_id, version: String(first.version), format: 'png', size: red.length, time: first.created_at, restorable: true },
      { version_id: second.version_id, version: String(second.version), format: 'png', size: blue.length, time: second.created_at, restorable: true },
    ]);
    expect((await storedBytes(cluster.store, originalKey(first.asset_id, first.version_id))).equals(red)).toBe(true);
    expect((await storedBytes(cluster.store, originalKey(second.asset_id, second.version_id))).equals(blue)).toBe(true);
    // Delivery serves the current version.
    expect((await download(second.secure_url)).bytes.equals(blue)).toBe(true);
    await expectCatalogMatchesStorage();
  });

  it('download_backup serves the old version byte for byte with its content type', async () => {
    const url = cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id);
    expect(url).toMatch(new RegExp(`^${cluster.baseUrl}/v1_1/demo/download_backup\\?`));
    const old = await download(url);
    expect(old.status).toBe(200);
    expect(old.contentType).toBe('image/png');
    expect(old.bytes.equals(red)).toBe(true);
    const current = await download(cloudinary.utils.download_backedup_asset(second.asset_id, second.version_id));
    expect(current.bytes.equals(blue)).toBe(true);
  });

  it('download_backup: 401 for a bad or stale signature, 404 JSON for an unknown version', async () => {
    const url = new URL(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id));
    url.searchParams.set('signature', '0'.repeat(40));
    const tampered = await fetch(url);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ error: { message: expect.stringContaining('Invalid Signature') } });

    const stale = await fetch(
      cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id, { timestamp: Math.floor(Date.now() / 1000) - 7200 }),
    );
    expect(stale.status).toBe(401);

    const unsigned = new URL(url);
    unsigned.searchParams.delete('signature');
    expect((await fetch(unsigned)).status).toBe(401);

    const unknown = await fetch(cloudinary.utils.download_backedup_asset(first.asset_id, randomBytes(16).toString('hex')));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/json');
    expect(await unknown.json()).toMatchObject({ error: { message: expect.stringContaining('Backup not found') } });
    // Another asset's id with this version: still unknown.
    const other = await upload(red, 'bk/other');
    expect((await fetch(cloudinary.utils.download_backedup_asset(other.asset_id, first.version_id))).status).toBe(404);
  });

  it('restore makes the old bytes current again as a new version', async () => {
    const restored = (await cloudinary.api.restore(['bk/photo'], { versions: [first.version_id] })) as Record<string, Result>;
    const asset = restored['bk/photo']!;
    expect(asset).toMatchObject({
      public_id: 'bk/photo',
      asset_id: first.asset_id,
      etag: md5(red),
      bytes: red.length,
      width: 40,
      height: 30,
      format: 'png',
    });
    expect(asset.version).toBeGreaterThan(second.version);
    expect(asset.version_id).not.toBe(first.version_id);
    expect(asset.version_id).not.toBe(second.version_id);
    const served = await download(asset.secure_url);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(red)).toBe(true);
    expect((await download(`${cluster.baseUrl}/demo/image/upload/bk/photo.png`)).bytes.equals(red)).toBe(true);
    // History: both earlier versions are still there, and the restored one is current.
    const versions = await versionsOf('bk/photo');
    expect(versions.map((version) => version.version_id)).toEqual([first.version_id, second.version_id, asset.version_id]);
    expect((await stored('bk/photo'))?.versionId).toBe(asset.version_id);
    await expectCatalogMatchesStorage();
  });

  it('restore of an unknown version answers an error for that public_id and changes nothing', async () => {
    const before = await stored('bk/photo');
    const answer = await cloudinary.api.restore(['bk/photo'], { versions: [randomBytes(16).toString('hex')] });
    expect(answer['bk/photo']).toMatchObject({ error: expect.stringContaining('No backup of bk/photo') });
    expect((await stored('bk/photo'))?.versionId).toBe(before?.versionId);
  });
});

describe('backups off', () => {
  it('an overwrite keeps nothing of the previous version', async () => {
    await withBackups(false, async () => {
      const first = await upload(await png(10, 10, '#111111'), 'bk/off');
      const next = await png(12, 12, '#222222');
      const second = await upload(next, 'bk/off');
      expect((await versionsOf('bk/off')).map((version) => version.version_id)).toEqual([second.version_id]);
      expect(await isStored(cluster.store, originalKey(first.asset_id, first.version_id))).toBe(false);
      expect((await fetch(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id))).status).toBe(404);
      expect((await download(cloudinary.utils.download_backedup_asset(second.asset_id, second.version_id))).bytes.equals(next)).toBe(true);
    });
    await expectCatalogMatchesStorage();
  });

  it('backup=true on the upload forces a backup', async () => {
    await withBackups(false, async () => {
      const older = await png(10, 10, '#333333');
      const first = await upload(older, 'bk/forced', { backup: true });
      const second = await upload(await png(12, 12, '#444444'), 'bk/forced');
      expect((await versionsOf('bk/forced')).map((version) => version.version_id)).toEqual([first.version_id, second.version_id]);
      expect((await download(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id))).bytes.equals(older)).toBe(true);
      // An overwrite with backup=true keeps what it replaces too.
      const third = await upload(await png(14, 14, '#555555'), 'bk/forced', { backup: true });
      expect((await versionsOf('bk/forced')).map((version) => version.version_id)).toEqual([first.version_id, second.version_id, third.version_id]);
    });
    await expectCatalogMatchesStorage();
  });
});

describe('destroy with backups', () => {
  it('deletes the asset and its derivatives but keeps the backed-up versions downloadable and restorable', async () => {
    const v1 = await png(30, 20, '#00aa00');
    const v2 = await png(20, 30, '#aa00aa');
    const first = await upload(v1, 'bk/doomed');
    const second = await upload(v2, 'bk/doomed', { eager: [{ width: 8, crop: 'scale' }] });
    expect((await fetch(`${cluster.baseUrl}/demo/image/upload/w_12,c_scale/bk/doomed.png`)).status).toBe(200);
    expect(await cloudinary.uploader.destroy('bk/doomed')).toEqual({ result: 'ok' });
    expect(await stored('bk/doomed')).toBeUndefined();
    expect((await fetch(second.secure_url)).status).toBe(404);
    expect(await db().selectFrom('derived').select('asset_id').where('asset_id', '=', second.asset_id).execute()).toEqual([]);
    // Only the two originals remain under the asset's prefix.
    const assetPrefix = `assets/${second.asset_id}/`;
    expect((await storedKeys(cluster.store, assetPrefix)).map((key) => key.slice(assetPrefix.length))).toEqual(
      [`${first.version_id}/original`, `${second.version_id}/original`].sort(),
    );
    await expectCatalogMatchesStorage();

    const backup = await download(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id));
    expect([backup.status, backup.contentType]).toEqual([200, 'image/png']);
    expect(backup.bytes.equals(v1)).toBe(true);
    expect((await download(cloudinary.utils.download_backedup_asset(second.asset_id, second.version_id))).bytes.equals(v2)).toBe(true);
    expect(await cloudinary.uploader.destroy('bk/doomed')).toEqual({ result: 'not found' });

    // Without versions, restore brings back the newest backup, under the same asset_id.
    const restored = ((await cloudinary.api.restore(['bk/doomed'])) as Record<string, Result>)['bk/doomed']!;
    expect(restored).toMatchObject({ public_id: 'bk/doomed', asset_id: second.asset_id, etag: md5(v2) });
    // Never an earlier version number: versioned URLs are cached as immutable.
    expect(restored.version).toBeGreaterThan(second.version);
    expect((await download(restored.secure_url)).bytes.equals(v2)).toBe(true);
    expect((await versionsOf('bk/doomed')).map((version) => version.version_id)).toEqual([first.version_id, second.version_id, restored.version_id]);
    await expectCatalogMatchesStorage();
  });

  it('with backups off a destroy keeps nothing', async () => {
    const asset = await upload(await png(8, 8, '#abcdef'), 'bk/gone');
    await withBackups(false, async () => {
      expect(await cloudinary.uploader.destroy('bk/gone')).toEqual({ result: 'ok' });
    });
    expect(await storedKeys(cluster.store, `assets/${asset.asset_id}/`)).toEqual([]);
    expect((await fetch(cloudinary.utils.download_backedup_asset(asset.asset_id, asset.version_id))).status).toBe(404);
    expect(await cloudinary.api.restore(['bk/gone'])).toMatchObject({ 'bk/gone': { error: expect.any(String) } });
    await expectCatalogMatchesStorage();
  });
});

describe('overwrite racing destroy', () => {
  it('a commit that reuses the id of an asset destroyed meanwhile records nothing (asset-gone)', async () => {
    const asset = await upload(await png(9, 9, '#123456'), 'bk/race/direct');
    const seen = (await stored('bk/race/direct'))!;
    await destroyAsset(db(), { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: 'bk/race/direct' });
    const versionId = randomBytes(16).toString('hex');
    const outcome = await commitAssetVersion(db(), {
      asset: { ...seen, versionId, storageKey: `assets/${seen.assetId}/${versionId}/original` },
      overwrite: true,
      replacesAssetId: asset.asset_id,
    });
    expect(outcome).toEqual({ kind: 'asset-gone' });
    expect(await stored('bk/race/direct')).toBeUndefined();
  });

  for (const backups of [true, false]) {
    it(`a destroy landing between the overwrite's blob write and its commit: the upload makes a new asset (backups ${backups ? 'on' : 'off'})`, async () => {
      await withBackups(backups, async () => {
        const publicId = `bk/race/ingest-${backups ? 'on' : 'off'}`;
        const original = await upload(await png(10, 10, '#0a0a0a'), publicId);
        const replacement = await png(13, 13, '#0b0b0b');
        const services = cluster.cluster.services;
        const real = services.store;
        let destroyed = false;
        // The window made certain: the destroy (through the API, with its prefix sweep) runs right
        // after the overwrite stored its original under the old asset's id, before the commit.
        const destroyAfterFirstWriteUnderAsset = async (key: string) => {
          if (destroyed || !key.startsWith(`assets/${original.asset_id}/`)) return;
          destroyed = true;
          expect(await cloudinary.uploader.destroy(publicId)).toEqual({ result: 'ok' });
        };
        const store: BlobStore = {
          put: async (key, body, options) => {
            const written = await real.put(key, body, options);
            await destroyAfterFirstWriteUnderAsset(key);
            return written;
          },
          putFile: async (key, path, options) => {
            const written = await real.putFile(key, path, options);
            await destroyAfterFirstWriteUnderAsset(key);
            return written;
          },
          get: (key, range) => real.get(key, range),
          getFile: (key, path) => real.getFile(key, path),
          head: (key) => real.head(key),
          delete: (key) => real.delete(key),
          list: (prefix) => real.list(prefix),
          beginParts: (assemblyKey) => real.beginParts(assemblyKey),
          adoptPart: (assemblyKey, state, partNumber, sourceKey) => real.adoptPart(assemblyKey, state, partNumber, sourceKey),
          putPart: (assemblyKey, state, partNumber, body, size) => real.putPart(assemblyKey, state, partNumber, body, size),
          completeParts: (assemblyKey, state, key, parts) => real.completeParts(assemblyKey, state, key, parts),
          abortParts: (assemblyKey, state) => real.abortParts(assemblyKey, state),
          close: async () => {},
        };
        const stagingKey = `staging/${randomBytes(16).toString('hex')}`;
        await real.put(stagingKey, replacement);
        const job = IngestJobV1Schema.parse({
          v: 1,
          jobId: randomUUID(),
          batchId: randomBytes(32).toString('hex'),
          cloudName: 'demo',
          apiKey: cluster.credentials.apiKey,
          source: { kind: 'staged', key: stagingKey },
          newAssetId: randomBytes(16).toString('hex'),
          request: {
            resourceType: 'image',
            type: 'upload',
            publicId,
            publicIdGenerated: false,
            originalFilename: null,
            assetFolder: '',
            displayName: null,
            overwrite: true,
            tags: [],
            context: {},
            format: null,
            allowedFormats: [],
            accessMode: 'public',
          },
        });
        const documents = createDocumentEngine(DEFAULT_DOCUMENT_LIMITS);
        const outcome = await ingest({ ...ingestDependencies({ ...services, documents }), store }, job).finally(() => documents.close());
        expect(destroyed).toBe(true);
        expect(outcome.asset.assetId).toBe(job.newAssetId);
        const current = await stored(publicId);
        expect(current?.assetId).toBe(job.newAssetId);
        expect((await download(`${cluster.baseUrl}/demo/image/upload/${publicId}.png`)).bytes.equals(replacement)).toBe(true);
        await expectCatalogMatchesStorage();
      });
    });

    it(`an overwrite in flight while the asset is destroyed ends consistent (backups ${backups ? 'on' : 'off'})`, async () => {
      await withBackups(backups, async () => {
        const outcomes = new Set<string>();
        for (let round = 0; round < 8; round++) {
          const publicId = `bk/race/${backups ? 'on' : 'off'}/${round}`;
          const original = await upload(await png(10, 10, '#010101'), publicId);
          const replacement = await png(11, 11, `#0${round}0${round}0${round}`);
          const [overwritten, destroyed] = await Promise.allSettled([upload(replacement, publicId), cloudinary.uploader.destroy(publicId)]);
          expect(overwritten.status).toBe('fulfilled');
          expect(destroyed.status).toBe('fulfilled');
          const current = await stored(publicId);
          if (current) {
            // The destroy ran first: the upload made a new asset (a fresh asset_id), fully stored.
            expect(current.assetId).not.toBe(original.asset_id);
            expect(current.etag).toBe(md5(replacement));
            expect((await download(`${cluster.baseUrl}/demo/image/upload/${publicId}.png`)).bytes.equals(replacement)).toBe(true);
            outcomes.add('recreated');
          } else {
            outcomes.add('destroyed');
          }
          await expectCatalogMatchesStorage();
        }
        expect(outcomes.size).toBeGreaterThan(0);
      });
    });
  }
});

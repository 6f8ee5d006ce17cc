import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCloudBackups, setCloudNotificationUrls } from '@rendition/catalog';
import { startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { storedBytes, storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Result = Record<string, unknown> & { public_id: string; asset_id: string; version: number; version_id: string; secure_url: string };
type DeleteAnswer = {
  deleted: Record<string, string>;
  deleted_counts: Record<string, { original: number; derived: number }>;
  partial: boolean;
  next_cursor?: string;
};
type Described = Result & { derived: Array<{ id: string; transformation: string; format: string }> };
type Options = Record<string, unknown>;
/** The SDK's delete calls, which packages/testing's CloudinarySdk type does not list. */
type DeleteApi = {
  delete_resources(publicIds: string[], options?: Options): Promise<DeleteAnswer>;
  delete_resources_by_prefix(prefix: string, options?: Options): Promise<DeleteAnswer>;
  delete_resources_by_tag(tag: string, options?: Options): Promise<DeleteAnswer>;
  delete_all_resources(options?: Options): Promise<DeleteAnswer>;
  delete_resources_by_asset_ids(assetIds: string[], options?: Options): Promise<DeleteAnswer>;
  delete_derived_resources(derivedIds: string[], options?: Options): Promise<{ deleted: Record<string, string> }>;
  delete_derived_by_transformation(publicIds: string[], transformations: unknown, options?: Options): Promise<DeleteAnswer>;
};

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let api: CloudinarySdk['api'] & DeleteApi;
let receiver: WebhookReceiver;
let image: string;
let png: Buffer;

beforeAll(async () => {
  receiver = await startWebhookReceiver(() => ({ status: 200 }));
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' });
  cloudinary = sdkFor(cluster);
  api = cloudinary.api as CloudinarySdk['api'] & DeleteApi;
  // Everything a delete names goes unless a test turns backups on (the cloud's default is on).
  await setCloudBackups(db(), 'demo', false);
  png = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  image = `data:image/png;base64,${png.toString('base64')}`;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
});

const db = () => cluster.cluster.services.db;
const upload = async (publicId: string, options: Record<string, unknown> = {}) =>
  (await cloudinary.uploader.upload(image, { public_id: publicId, ...options })) as Result;
const keysOf = (assetId: string) => storedKeys(cluster.store, `assets/${assetId}/`);
const describeAsset = async (publicId: string) => (await cloudinary.api.resource(publicId)) as Described;

/** GET a URL and read its whole body; the status. */
async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

/** Makes a derivative by delivering it once. */
async function derive(publicId: string, transformation: string): Promise<void> {
  expect(await statusOf(`${cluster.baseUrl}/demo/image/upload/${transformation}/${publicId}.png`)).toBe(200);
}

/** Waits until every purge job has finished, and checks none failed: storage is then as the deletes left it. */
async function purgesDone(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const open = await db().selectFrom('jobs').select('id').where('kind', '=', 'purge').where('finished_at', 'is', null).execute();
    if (open.length === 0) break;
    if (Date.now() > deadline) throw new Error(`${open.length} purge jobs still unfinished`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const failed = await db().selectFrom('jobs').select('error').where('kind', '=', 'purge').where('status', '=', 'failed').execute();
  expect(failed).toEqual([]);
}

/** A plain Admin API DELETE with a urlencoded body, as the SDK sends it. */
async function adminDelete(path: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/${path}`, {
    method: 'DELETE',
    headers: { authorization: basicAuthHeader(cluster.credentials), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('delete_resources and its variants, through the SDK', () => {
  it('delete_resources: deleted / not_found per id, counts, then nothing left in storage or delivery', async () => {
    const a = await upload('del/a');
    const b = await upload('del/b');
    await derive('del/a', 'c_scale,w_10');
    await derive('del/a', 'c_scale,w_12');
    const answer = await api.delete_resources(['del/a', 'del/b', 'del/missing'], { invalidate: true });
    expect(answer).toEqual({
      deleted: { 'del/a': 'deleted', 'del/b': 'deleted', 'del/missing': 'not_found' },
      deleted_counts: { 'del/a': { original: 1, derived: 2 }, 'del/b': { original: 1, derived: 0 } },
      partial: false,
    });
    expect((await sdkRefusal(cloudinary.api.resource('del/a'))).http_code).toBe(404);
    expect(await statusOf(a.secure_url)).toBe(404);
    await purgesDone();
    expect(await keysOf(a.asset_id)).toEqual([]);
    expect(await keysOf(b.asset_id)).toEqual([]);
  });

  it('delete_resources_by_prefix, delete_resources_by_tag and delete_all_resources take only what they name', async () => {
    const kept = await upload('pre-x/kept', { tags: ['keepme'] });
    await upload('pre/one');
    await upload('pre/two', { tags: ['doomed'] });
    await upload('tagged/three', { tags: ['doomed', 'other'] });
    await upload('priv/four', { type: 'private' });

    expect(await api.delete_resources_by_prefix('pre/')).toEqual({
      deleted: { 'pre/one': 'deleted', 'pre/two': 'deleted' },
      deleted_counts: { 'pre/one': { original: 1, derived: 0 }, 'pre/two': { original: 1, derived: 0 } },
      partial: false,
    });
    expect(await api.delete_resources_by_tag('doomed')).toEqual({
      deleted: { 'tagged/three': 'deleted' },
      deleted_counts: { 'tagged/three': { original: 1, derived: 0 } },
      partial: false,
    });
    expect(await api.delete_all_resources({ type: 'private' })).toEqual({
      deleted: { 'priv/four': 'deleted' },
      deleted_counts: { 'priv/four': { original: 1, derived: 0 } },
      partial: false,
    });
    expect((await describeAsset('pre-x/kept')).asset_id).toBe(kept.asset_id);
    await purgesDone();
    expect(await keysOf(kept.asset_id)).toEqual([`assets/${kept.asset_id}/${kept.version_id}/original`]);
  });

  it('delete_resources_by_asset_ids answers by asset_id, whatever the resource and delivery type', async () => {
    const one = await upload('ids/one', { type: 'authenticated' });
    const unknown = randomBytes(16).toString('hex');
    expect(await api.delete_resources_by_asset_ids([one.asset_id, unknown])).toEqual({
      deleted: { [one.asset_id]: 'deleted', [unknown]: 'not_found' },
      deleted_counts: { [one.asset_id]: { original: 1, derived: 0 } },
      partial: false,
    });
    await purgesDone();
    expect(await keysOf(one.asset_id)).toEqual([]);
  });

  it('keep_original: the derivatives go, the original and its delivery stay, a derivative can be made again', async () => {
    const asset = await upload('keep/photo');
    await derive('keep/photo', 'c_scale,w_10');
    await derive('keep/photo', 'c_scale,w_14');
    expect(await api.delete_resources(['keep/photo'], { keep_original: true })).toEqual({
      deleted: { 'keep/photo': 'deleted' },
      deleted_counts: { 'keep/photo': { original: 0, derived: 2 } },
      partial: false,
    });
    expect((await describeAsset('keep/photo')).derived).toEqual([]);
    expect(await statusOf(asset.secure_url)).toBe(200);
    await purgesDone();
    const original = `assets/${asset.asset_id}/${asset.version_id}/original`;
    expect(await keysOf(asset.asset_id)).toEqual([original]);
    expect((await storedBytes(cluster.store, original)).equals(png)).toBe(true);
    await derive('keep/photo', 'c_scale,w_10');
    expect((await describeAsset('keep/photo')).derived).toHaveLength(1);
  });

  it('transformations (delete_derived_by_transformation, and the option): only those derivatives go', async () => {
    const asset = await upload('tr/photo');
    await derive('tr/photo', 'c_scale,w_10');
    await derive('tr/photo', 'c_scale,w_16');
    await derive('tr/photo', 'c_scale,w_18');
    // The SDK writes {width, crop} as c_scale,w_10; the server matches it canonically (as w_10,c_scale would).
    expect(await api.delete_derived_by_transformation(['tr/photo'], [{ width: 10, crop: 'scale' }])).toEqual({
      deleted: { 'tr/photo': 'deleted' },
      deleted_counts: { 'tr/photo': { original: 0, derived: 1 } },
      partial: false,
    });
    expect(await api.delete_resources(['tr/photo'], { transformations: 'w_16,c_scale' })).toMatchObject({
      deleted_counts: { 'tr/photo': { original: 0, derived: 1 } },
    });
    const left = (await describeAsset('tr/photo')).derived;
    expect(left.map((derived) => derived.transformation)).toEqual(['c_scale,w_18']);
    await purgesDone();
    expect(await keysOf(asset.asset_id)).toHaveLength(2);
    expect(await statusOf(asset.secure_url)).toBe(200);
  });

  it('delete_derived_resources takes the ids the resource call answers', async () => {
    const asset = await upload('dr/photo');
    await derive('dr/photo', 'c_scale,w_10');
    await derive('dr/photo', 'c_scale,w_20');
    const [first, second] = (await describeAsset('dr/photo')).derived;
    const unknown = randomBytes(16).toString('hex');
    expect(await api.delete_derived_resources([first!.id, unknown])).toEqual({
      deleted: { [first!.id]: 'deleted', [unknown]: 'not_found' },
    });
    expect((await describeAsset('dr/photo')).derived.map((derived) => derived.id)).toEqual([second!.id]);
    await purgesDone();
    expect(await keysOf(asset.asset_id)).toHaveLength(2);
  });

  it("notifies the cloud's notification URLs of a delete, as destroy does", async () => {
    const asset = await upload('note/photo');
    // Set after the upload, so that the first notification to arrive is the delete's.
    await setCloudNotificationUrls(db(), 'demo', [`${receiver.url}/deletes`]);
    try {
      await api.delete_resources(['note/photo']);
      const [hook] = await receiver.waitFor(1, { path: '/deletes' });
      expect(JSON.parse(hook!.body)).toMatchObject({
        notification_type: 'delete',
        resources: [{ resource_type: 'image', type: 'upload', asset_id: asset.asset_id, public_id: 'note/photo', version: asset.version }],
      });
    } finally {
      await setCloudNotificationUrls(db(), 'demo', []);
    }
  });
});

describe('backups', () => {
  it('kept when the cloud keeps backups: download_backup still serves the old version', async () => {
    await setCloudBackups(db(), 'demo', true);
    try {
      const first = await upload('bk/photo');
      const blue = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0000ff' } })
        .png()
        .toBuffer();
      const second = (await cloudinary.uploader.upload(`data:image/png;base64,${blue.toString('base64')}`, { public_id: 'bk/photo' })) as Result;
      await derive('bk/photo', 'c_scale,w_6');
      expect(await api.delete_resources(['bk/photo'])).toMatchObject({ deleted_counts: { 'bk/photo': { original: 1, derived: 1 } } });
      await purgesDone();
      const prefix = `assets/${first.asset_id}/`;
      expect(await keysOf(first.asset_id)).toEqual([`${prefix}${first.version_id}/original`, `${prefix}${second.version_id}/original`].sort());
      const old = await fetch(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id));
      expect(old.status).toBe(200);
      expect(Buffer.from(await old.arrayBuffer()).equals(png)).toBe(true);
    } finally {
      await setCloudBackups(db(), 'demo', false);
    }
  });

  it('gone when the cloud keeps none', async () => {
    const first = await upload('nobk/photo');
    await upload('nobk/photo', { overwrite: true });
    await api.delete_resources(['nobk/photo']);
    await purgesDone();
    expect(await keysOf(first.asset_id)).toEqual([]);
    expect(await statusOf(cloudinary.utils.download_backedup_asset(first.asset_id, first.version_id))).toBe(404);
  });
});

describe('a delete larger than one call', () => {
  /**
   * 2,500 assets, made fast: one real upload, whose catalog rows are cloned 2,500 times (new ids,
   * public_ids `bulk/0001`…) instead of 2,500 HTTP uploads. Every tenth clone also gets its blob: a
   * filesystem put syncs to disk (~2 ms each), and 250 of them are enough to see the purges reach
   * every chunk of the delete; the other clones exercise the catalog side alone.
   */
  async function cloneAssets(count: number): Promise<string[]> {
    const template = await upload('bulk/template');
    const row = await db().selectFrom('assets').selectAll().where('asset_id', '=', template.asset_id).executeTakeFirstOrThrow();
    const version = await db().selectFrom('asset_versions').selectAll().where('version_id', '=', template.version_id).executeTakeFirstOrThrow();
    const json = (value: unknown) =>
      value === null || value instanceof Date || Array.isArray(value) || typeof value !== 'object' ? value : JSON.stringify(value);
    const clones = Array.from({ length: count }, (_, index) => {
      const assetId = randomBytes(16).toString('hex');
      const versionId = randomBytes(16).toString('hex');
      return { assetId, versionId, publicId: `bulk/${String(index + 1).padStart(4, '0')}`, key: `assets/${assetId}/${versionId}/original` };
    });
    for (let start = 0; start < clones.length; start += 500) {
      const chunk = clones.slice(start, start + 500);
      await db()
        .insertInto('assets')
        .values(
          chunk.map(
            (clone) =>
              Object.fromEntries(
                Object.entries({ ...row, asset_id: clone.assetId, version_id: clone.versionId, public_id: clone.publicId, storage_key: clone.key }).map(
                  ([column, value]) => [column, json(value)],
                ),
              ) as never,
          ),
        )
        .execute();
      await db()
        .insertInto('asset_versions')
        .values(
          chunk.map(
            (clone) =>
              Object.fromEntries(
                Object.entries({ ...version, asset_id: clone.assetId, version_id: clone.versionId, storage_key: clone.key }).map(([column, value]) => [
                  column,
                  json(value),
                ]),
              ) as never,
          ),
        )
        .execute();
      await Promise.all(chunk.filter((_, index) => index % 10 === 0).map((clone) => cluster.store.put(clone.key, png)));
    }
    return [template.asset_id, ...clones.map((clone) => clone.assetId)];
  }

  it('answers partial with a next_cursor per 1,000 assets; continuing with it deletes them all, and the purges empty storage', async () => {
    const assetIds = await cloneAssets(2_500);
    const withBlobs = async () => {
      const stored = new Set((await storedKeys(cluster.store, 'assets/')).map((key) => key.split('/')[1]));
      return assetIds.filter((assetId) => stored.has(assetId)).length;
    };
    expect(await withBlobs()).toBe(251);
    const answers: DeleteAnswer[] = [];
    let cursor: string | undefined;
    do {
      const answer = await api.delete_resources_by_prefix('bulk/', cursor ? { next_cursor: cursor } : {});
      answers.push(answer);
      cursor = answer.next_cursor;
    } while (cursor !== undefined);
    expect(answers.map((answer) => [Object.keys(answer.deleted).length, answer.partial])).toEqual([
      [1000, true],
      [1000, true],
      [501, false],
    ]);
    expect(answers[2]!.next_cursor).toBeUndefined();
    const deleted = answers.flatMap((answer) => Object.keys(answer.deleted));
    expect(new Set(deleted).size).toBe(2_501);
    expect(await db().selectFrom('assets').select('asset_id').where('public_id', 'like', 'bulk/%').execute()).toEqual([]);
    await purgesDone();
    expect(await withBlobs()).toBe(0);
  }, 30_000);
});

describe('bad input', () => {
  it('more than 100 public_ids, an unknown resource type, no selector, a foreign cursor: 400 in Cloudinary shape', async () => {
    const many = Array.from({ length: 101 }, (_, index) => `x/${index}`);
    expect(await sdkRefusal(api.delete_resources(many))).toMatchObject({
      http_code: 400,
      message: 'Too many public_ids: at most 100 in one request (got 101)',
    });
    expect(await sdkRefusal(api.delete_resources(['x'], { resource_type: 'banana' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Invalid resource type banana'),
    });
    expect(await adminDelete('resources/image/upload', '')).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - public_ids, prefix or all' } },
    });
    expect(await adminDelete('resources/image/upload', 'prefix=a&next_cursor=nope')).toMatchObject({
      status: 400,
      body: { error: { message: expect.stringContaining('next_cursor') } },
    });
    expect(await adminDelete('resources/image/upload', 'public_ids%5B%5D=a&keep_original=maybe')).toMatchObject({ status: 400 });
    expect(await adminDelete('resources', '')).toEqual({ status: 400, body: { error: { message: 'Missing required parameter - asset_ids' } } });
    expect(await adminDelete('derived_resources', '')).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - derived_resource_ids' } },
    });
    expect(await adminDelete('resources/image/upload', 'public_ids%5B%5D=a&transformations=w_abc')).toMatchObject({ status: 400 });
  });
});

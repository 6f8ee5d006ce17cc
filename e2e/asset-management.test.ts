import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset, setCloudBackups, type AssetRecord } from '@rendition/catalog';
import type { CloudinarySdk } from '@rendition/testing';
import { isStored, storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Result = Record<string, unknown> & {
  public_id: string;
  asset_id: string;
  version: number;
  version_id: string;
  secure_url: string;
  signature: string;
};

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let image: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  // These tests pin destroy and overwrite without backups (everything goes); backups.test.ts covers them on.
  await setCloudBackups(cluster.cluster.services.db, 'demo', false);
  const png = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  image = `data:image/png;base64,${png.toString('base64')}`;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const db = () => cluster.cluster.services.db;
const upload = async (publicId: string, options: Record<string, unknown> = {}) =>
  (await cloudinary.uploader.upload(image, { public_id: publicId, ...options })) as Result;
const stored = (publicId: string, type = 'upload', resourceType = 'image'): Promise<AssetRecord | undefined> =>
  findAsset(db(), { cloudName: 'demo', resourceType, type, publicId });
const basic = () => `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;

/** A plain HTTP call of the Upload API with Basic credentials and a JSON body. */
async function post(path: string, body: Record<string, unknown>, authorized = true): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorized ? { authorization: basic() } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The keys of every object stored under one asset's prefix. */
const keysOfAsset = (assetId: string) => storedKeys(cluster.store, `assets/${assetId}/`);

/** No orphans either way: every asset with objects in storage has its row, every row its original. */
async function expectStorageMatchesCatalog(): Promise<void> {
  const rows = await db().selectFrom('assets').select(['asset_id', 'storage_key']).execute();
  const ids = new Set(rows.map((row) => row.asset_id.trim()));
  const storedAssetIds = new Set((await storedKeys(cluster.store, 'assets/')).map((key) => key.split('/')[1]!));
  for (const assetId of storedAssetIds) expect(ids, `orphaned objects under assets/${assetId}/`).toContain(assetId);
  for (const row of rows) expect(await isStored(cluster.store, row.storage_key), `missing original of ${row.asset_id}`).toBe(true);
}

describe('rename', () => {
  it('renames in the catalog only: same asset, same bytes, URLs follow the new name', async () => {
    const original = await upload('mgmt/before');
    const renamed = (await cloudinary.uploader.rename('mgmt/before', 'mgmt/after')) as Result;
    expect(renamed).toMatchObject({
      public_id: 'mgmt/after',
      asset_id: original.asset_id,
      version: original.version,
      version_id: original.version_id,
      folder: 'mgmt',
      type: 'upload',
      resource_type: 'image',
      tags: [],
    });
    expect(renamed.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${original.version}/mgmt/after.png`);
    expect(cloudinary.utils.verify_api_response_signature(renamed.public_id, renamed.version, renamed.signature)).toBe(true);
    const served = await fetch(renamed.secure_url);
    expect(served.status).toBe(200);
    expect(served.headers.get('etag')).toBe(`"${String(original.etag)}"`);
    expect((await fetch(original.secure_url)).status).toBe(404);
    // No byte moved: the original is where it was, under the asset id.
    expect((await stored('mgmt/after'))?.storageKey).toBe(`assets/${original.asset_id}/${original.version_id}/original`);
    expect(await stored('mgmt/before')).toBeUndefined();
  });

  it('keeps tags and context, and moves to another delivery type with to_type', async () => {
    await upload('mgmt/typed', { tags: ['keep'], context: 'alt=Kept' });
    const moved = (await cloudinary.uploader.rename('mgmt/typed', 'mgmt/typed-private', { to_type: 'private', context: true })) as Result;
    expect(moved).toMatchObject({ public_id: 'mgmt/typed-private', type: 'private', tags: ['keep'], context: { custom: { alt: 'Kept' } } });
    expect(moved.secure_url).toContain('/demo/image/private/');
    expect(await stored('mgmt/typed-private', 'private')).toBeDefined();
    expect(await stored('mgmt/typed')).toBeUndefined();
    const back = (await cloudinary.uploader.rename('mgmt/typed-private', 'mgmt/typed', { type: 'private', to_type: 'upload' })) as Result;
    expect(back).toMatchObject({ public_id: 'mgmt/typed', type: 'upload' });
  });

  it('refuses to rename onto an existing public_id without overwrite (400) and leaves both', async () => {
    const a = await upload('mgmt/taken-a');
    const b = await upload('mgmt/taken-b');
    await expect(cloudinary.uploader.rename('mgmt/taken-a', 'mgmt/taken-b')).rejects.toMatchObject({
      http_code: 400,
      message: 'to_public_id mgmt/taken-b already exists',
    });
    expect((await stored('mgmt/taken-a'))?.assetId).toBe(a.asset_id);
    expect((await stored('mgmt/taken-b'))?.assetId).toBe(b.asset_id);
  });

  it('with overwrite destroys the target and its bytes', async () => {
    const a = await upload('mgmt/over-a');
    const b = await upload('mgmt/over-b');
    // A derivative of the target, so there is more than the original to delete.
    expect((await fetch(`${cluster.baseUrl}/demo/image/upload/w_10,c_scale/mgmt/over-b.png`)).status).toBe(200);
    expect((await keysOfAsset(b.asset_id)).length).toBe(2);
    const renamed = (await cloudinary.uploader.rename('mgmt/over-a', 'mgmt/over-b', { overwrite: true, invalidate: true })) as Result;
    expect(renamed).toMatchObject({ public_id: 'mgmt/over-b', asset_id: a.asset_id });
    expect(await keysOfAsset(b.asset_id)).toEqual([]);
    expect((await stored('mgmt/over-b'))?.assetId).toBe(a.asset_id);
    expect(await stored('mgmt/over-a')).toBeUndefined();
    await expectStorageMatchesCatalog();
  });

  it('answers 404 for a missing source and 400 for bad parameters', async () => {
    await expect(cloudinary.uploader.rename('mgmt/no-such', 'mgmt/whatever')).rejects.toMatchObject({
      http_code: 404,
      message: 'Resource not found - mgmt/no-such',
    });
    await upload('mgmt/bad-target');
    await expect(cloudinary.uploader.rename('mgmt/bad-target', 'a/../b')).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Invalid public_id'),
    });
    await expect(cloudinary.uploader.rename('mgmt/bad-target', 'x', { to_type: 'fetch' })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Invalid type fetch'),
    });
    expect(await post('image/rename', { from_public_id: 'mgmt/bad-target' })).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - to_public_id' } },
    });
    expect(await post('image/rename', { to_public_id: 'x' })).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - from_public_id' } },
    });
    // Wrong resource type: nothing of that name there.
    expect((await post('raw/rename', { from_public_id: 'mgmt/bad-target', to_public_id: 'x' })).status).toBe(404);
    // Unauthenticated: 401, never 403.
    expect((await post('image/rename', { from_public_id: 'mgmt/bad-target', to_public_id: 'x' }, false)).status).toBe(401);
  });
});

describe('destroy', () => {
  it('deletes the rows, the original and every derivative; a second destroy is "not found"', async () => {
    const asset = await upload('mgmt/doomed', { eager: [{ width: 8, crop: 'scale' }] });
    expect((await fetch(`${cluster.baseUrl}/demo/image/upload/w_12,c_scale/mgmt/doomed.png`)).status).toBe(200);
    expect((await keysOfAsset(asset.asset_id)).length).toBe(3);

    expect(await cloudinary.uploader.destroy('mgmt/doomed', { invalidate: true })).toEqual({ result: 'ok' });
    expect(await keysOfAsset(asset.asset_id)).toEqual([]);
    expect(await stored('mgmt/doomed')).toBeUndefined();
    const leftovers = await db().selectFrom('derived').select('asset_id').where('asset_id', '=', asset.asset_id).execute();
    expect(leftovers).toEqual([]);
    expect((await fetch(asset.secure_url)).status).toBe(404);

    expect(await cloudinary.uploader.destroy('mgmt/doomed')).toEqual({ result: 'not found' });
    await expectStorageMatchesCatalog();
  });

  it('answers "not found" with HTTP 200 for another resource type or delivery type', async () => {
    await upload('mgmt/kept');
    expect(await cloudinary.uploader.destroy('mgmt/kept', { resource_type: 'raw' })).toEqual({ result: 'not found' });
    expect(await cloudinary.uploader.destroy('mgmt/kept', { type: 'private' })).toEqual({ result: 'not found' });
    const plain = await post('video/destroy', { public_id: 'mgmt/kept' });
    expect(plain).toEqual({ status: 200, body: { result: 'not found' } });
    expect(await stored('mgmt/kept')).toBeDefined();
    expect(await post('image/destroy', {})).toEqual({ status: 400, body: { error: { message: 'Missing required parameter - public_id' } } });
  });
});

describe('tags', () => {
  it('adds, removes, replaces and clears tags, answering the public_ids that exist', async () => {
    await upload('tags/a');
    await upload('tags/b', { tags: ['old'] });
    expect(await cloudinary.uploader.add_tag('red', ['tags/a', 'tags/b', 'tags/no-such'])).toEqual({ public_ids: ['tags/a', 'tags/b'] });
    expect(await cloudinary.uploader.add_tag('blue,red', ['tags/a'])).toEqual({ public_ids: ['tags/a'] });
    expect((await stored('tags/a'))?.tags).toEqual(['red', 'blue']);
    expect((await stored('tags/b'))?.tags).toEqual(['old', 'red']);

    expect(await cloudinary.uploader.remove_tag('red', ['tags/a', 'tags/b'])).toEqual({ public_ids: ['tags/a', 'tags/b'] });
    expect((await stored('tags/a'))?.tags).toEqual(['blue']);
    expect((await stored('tags/b'))?.tags).toEqual(['old']);

    await cloudinary.uploader.add_tag('tag1,tag2', ['tags/a']);
    expect(await cloudinary.uploader.replace_tag('tag3Å', ['tags/a'])).toEqual({ public_ids: ['tags/a'] });
    expect((await stored('tags/a'))?.tags).toEqual(['tag3Å']);

    expect(await cloudinary.uploader.remove_all_tags(['tags/a', 'tags/b', 'tags/no-such'])).toEqual({ public_ids: ['tags/a', 'tags/b'] });
    expect((await stored('tags/a'))?.tags).toEqual([]);
    expect((await stored('tags/b'))?.tags).toEqual([]);
  });

  it('set_exclusive: the tag stays only on the given assets', async () => {
    await upload('tags/x', { tags: ['featured', 'other'] });
    await upload('tags/y', { tags: ['featured'] });
    await upload('tags/z');
    // The Node SDK's add_tag(..., {exclusive: true}) calls option_consume with its arguments swapped
    // (cloudinary 2.11) and so sends command=add; the command itself is what Cloudinary documents.
    expect(await post('image/tags', { command: 'set_exclusive', tag: 'featured', public_ids: ['tags/z'] })).toEqual({
      status: 200,
      body: { public_ids: ['tags/z'] },
    });
    expect((await stored('tags/x'))?.tags).toEqual(['other']);
    expect((await stored('tags/y'))?.tags).toEqual([]);
    expect((await stored('tags/z'))?.tags).toEqual(['featured']);
  });

  it('takes up to 1000 public_ids and refuses more; refuses a missing tag or command', async () => {
    await upload('tags/many');
    const ids = ['tags/many', ...Array.from({ length: 999 }, (_, i) => `tags/absent-${i}`)];
    expect(await cloudinary.uploader.add_tag('bulk', ids)).toEqual({ public_ids: ['tags/many'] });
    await expect(cloudinary.uploader.add_tag('bulk', [...ids, 'tags/one-too-many'])).rejects.toMatchObject({
      http_code: 400,
      message: 'Too many public_ids: at most 1000 are allowed, got 1001',
    });
    expect(await post('image/tags', { command: 'add', public_ids: ['tags/many'] })).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - tag' } },
    });
    expect(await post('image/tags', { command: 'add', tag: 't' })).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - public_ids' } },
    });
    expect(await post('image/tags', { tag: 't', public_ids: ['tags/many'] })).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - command' } },
    });
    const bad = await post('image/tags', { command: 'explode', tag: 't', public_ids: ['tags/many'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ error: { message: expect.stringContaining("Invalid value 'explode' for parameter command") } });
  });
});

describe('context', () => {
  it("round-trips Cloudinary's escaping, merges on add and removes everything on remove_all", async () => {
    await upload('ctx/a', { context: 'keep=me' });
    const values = { key1: 'value1', key2: 'value2', key3: 'val=u|e3', key4: 'val=ue' };
    expect(await cloudinary.uploader.add_context(values, ['ctx/a', 'ctx/no-such'])).toEqual({ public_ids: ['ctx/a'] });
    expect((await stored('ctx/a'))?.context).toEqual({ keep: 'me', ...values });

    expect(await cloudinary.uploader.add_context('key1=changed|pipe=a\\|b', ['ctx/a'])).toEqual({ public_ids: ['ctx/a'] });
    const explicit = (await cloudinary.uploader.explicit('ctx/a', { type: 'upload' })) as Result;
    expect(explicit.context).toEqual({ custom: { keep: 'me', ...values, key1: 'changed', pipe: 'a|b' } });

    expect(await cloudinary.uploader.remove_all_context(['ctx/a'])).toEqual({ public_ids: ['ctx/a'] });
    const cleared = (await cloudinary.uploader.explicit('ctx/a', { type: 'upload' })) as Result;
    expect(cleared.context).toBeUndefined();
  });

  it('refuses a missing context or an unknown command', async () => {
    expect(await post('image/context', { command: 'add', public_ids: ['ctx/a'] })).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - context' } },
    });
    const bad = await post('image/context', { command: 'remove', context: 'a=b', public_ids: ['ctx/a'] });
    expect(bad).toEqual({ status: 400, body: { error: { message: expect.stringContaining("Invalid value 'remove' for parameter command") } } });
  });
});

describe('delete tokens', () => {
  const deleteByToken = (token: unknown, path = 'delete_by_token') => post(path, { token }, false);

  it('return_delete_token gives a token that deletes the asset once, unsigned', async () => {
    const asset = await upload('tokens/a', { return_delete_token: true });
    expect(asset.delete_token).toMatch(/^[0-9a-f]{64}$/);
    const plain = await upload('tokens/plain');
    expect(plain.delete_token).toBeUndefined();

    expect(await deleteByToken(asset.delete_token)).toEqual({ status: 200, body: { result: 'ok' } });
    expect(await stored('tokens/a')).toBeUndefined();
    expect(await keysOfAsset(asset.asset_id)).toEqual([]);
    expect(await deleteByToken(asset.delete_token)).toEqual({ status: 400, body: { error: { message: 'Invalid delete token' } } });
  });

  it('is accepted as a form post under a resource type too', async () => {
    const asset = await upload('tokens/form', { return_delete_token: true });
    const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/delete_by_token`, {
      method: 'POST',
      body: new URLSearchParams({ token: String(asset.delete_token) }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: 'ok' });
    expect(await stored('tokens/form')).toBeUndefined();
  });

  it('refuses an expired token (400) and keeps the asset', async () => {
    const asset = await upload('tokens/late', { return_delete_token: true });
    await sql`update delete_tokens set expires_at = now() - interval '1 second'`.execute(db());
    expect(await deleteByToken(asset.delete_token)).toEqual({
      status: 400,
      body: { error: { message: 'Delete token expired: a delete token is valid for 10 minutes after the upload' } },
    });
    expect(await stored('tokens/late')).toBeDefined();
  });

  it('refuses unknown, malformed and missing tokens, and gives none for an upload that found the asset there', async () => {
    expect(await deleteByToken('0'.repeat(64))).toEqual({ status: 400, body: { error: { message: 'Invalid delete token' } } });
    expect(await deleteByToken('not a token')).toEqual({ status: 400, body: { error: { message: 'Invalid delete token' } } });
    expect(await post('delete_by_token', {}, false)).toEqual({ status: 400, body: { error: { message: 'Missing required parameter - token' } } });
    await upload('tokens/existing');
    const again = await upload('tokens/existing', { overwrite: false, return_delete_token: true });
    expect(again.existing).toBe(true);
    expect(again.delete_token).toBeUndefined();
  });
});

describe('concurrent writes', () => {
  it('two renames onto one target: exactly one wins, the other gets a 400', async () => {
    for (let round = 0; round < 5; round++) {
      const a = await upload(`race/${round}/a`);
      const b = await upload(`race/${round}/b`);
      const target = `race/${round}/target`;
      const results = await Promise.allSettled([
        cloudinary.uploader.rename(`race/${round}/a`, target),
        cloudinary.uploader.rename(`race/${round}/b`, target),
      ]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ http_code: 400, message: `to_public_id ${target} already exists` });
      const winner = (won[0] as PromiseFulfilledResult<Record<string, unknown>>).value.asset_id;
      expect((await stored(target))?.assetId).toBe(winner);
      const loser = winner === a.asset_id ? `race/${round}/b` : `race/${round}/a`;
      expect((await stored(loser))?.assetId).toBe(winner === a.asset_id ? b.asset_id : a.asset_id);
    }
    await expectStorageMatchesCatalog();
  });

  it('two overwriting renames onto an existing target leave one asset there and no orphans', async () => {
    const a = await upload('race/over/a');
    const b = await upload('race/over/b');
    const t = await upload('race/over/t');
    const results = await Promise.allSettled([
      cloudinary.uploader.rename('race/over/a', 'race/over/t', { overwrite: true }),
      cloudinary.uploader.rename('race/over/b', 'race/over/t', { overwrite: true }),
    ]);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    const holder = (await stored('race/over/t'))?.assetId;
    expect([a.asset_id, b.asset_id]).toContain(holder);
    expect(await stored('race/over/a')).toBeUndefined();
    expect(await stored('race/over/b')).toBeUndefined();
    for (const gone of [a.asset_id, b.asset_id, t.asset_id].filter((id) => id !== holder)) {
      expect(await keysOfAsset(gone)).toEqual([]);
    }
    await expectStorageMatchesCatalog();
  });

  it('two renames swapping names neither deadlock nor half-apply: both get their 400', async () => {
    const a = await upload('race/swap/a');
    const b = await upload('race/swap/b');
    const results = await Promise.allSettled([
      cloudinary.uploader.rename('race/swap/a', 'race/swap/b'),
      cloudinary.uploader.rename('race/swap/b', 'race/swap/a'),
    ]);
    for (const result of results) expect(result).toMatchObject({ status: 'rejected', reason: { http_code: 400 } });
    expect((await stored('race/swap/a'))?.assetId).toBe(a.asset_id);
    expect((await stored('race/swap/b'))?.assetId).toBe(b.asset_id);
  });

  it('a rename racing a destroy: either renamed and "not found", or destroyed and 404', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      const source = `race/rd/${round}`;
      const asset = await upload(source);
      const [renamed, destroyed] = await Promise.allSettled([
        cloudinary.uploader.rename(source, `${source}-renamed`),
        cloudinary.uploader.destroy(source),
      ]);
      if (renamed.status === 'fulfilled') {
        expect(destroyed).toEqual({ status: 'fulfilled', value: { result: 'not found' } });
        expect((await stored(`${source}-renamed`))?.assetId).toBe(asset.asset_id);
        outcomes.add('renamed');
      } else {
        expect(renamed.reason).toMatchObject({ http_code: 404, message: `Resource not found - ${source}` });
        expect(destroyed).toEqual({ status: 'fulfilled', value: { result: 'ok' } });
        expect(await stored(`${source}-renamed`)).toBeUndefined();
        expect(await keysOfAsset(asset.asset_id)).toEqual([]);
        outcomes.add('destroyed');
      }
      expect(await stored(source)).toBeUndefined();
    }
    expect(outcomes.size).toBeGreaterThan(0);
    await expectStorageMatchesCatalog();
  });
});

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { jsonReply, type Json } from './support/json-reply.ts';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Resource = Json & { public_id: string; bytes: number; asset_folder?: string; eager?: Array<{ bytes: number }> };
type FolderListing = { folders: Array<{ name: string; path: string }>; next_cursor: string | null; total_count: number };
type TagListing = { tags: string[]; next_cursor?: string };
type Call = (options?: Json) => Promise<Json>;
/** The SDK's folder and cloud calls, which @rendition/testing's CloudinarySdk type does not list. */
interface FolderAndInfoApi {
  root_folders: Call;
  sub_folders(path: string, options?: Json): Promise<Json>;
  create_folder(path: string): Promise<Json>;
  delete_folder(path: string): Promise<Json>;
  rename_folder(from: string, to: string): Promise<Json>;
  tags: Call;
  ping(): Promise<Json>;
  resource_types(): Promise<Json>;
  usage: Call;
  config: Call;
}

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let api: FolderAndInfoApi;
/** Bytes of everything uploaded (originals and eager derivatives), for `usage`. */
let storedBytes = 0;
let originals = 0;
let derivatives = 0;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  api = cloudinary.api as unknown as FolderAndInfoApi;
  const png = async (shade: number) => {
    const bytes = await sharp({ create: { width: 8, height: 6, channels: 3, background: { r: shade, g: 90, b: 40 } } })
      .png()
      .toBuffer();
    return `data:image/png;base64,${bytes.toString('base64')}`;
  };
  const uploads: Array<[string, Record<string, unknown>]> = [
    [await png(10), { public_id: 'fd/one', asset_folder: 'alpha/beta', tags: ['t-banana', 't-apple'] }],
    [await png(20), { public_id: 'fd/two', asset_folder: 'alpha', tags: ['t-cherry', 't-apple', 'other'] }],
    [await png(30), { public_id: 'fd/three', asset_folder: 'gamma', eager: [{ width: 4, crop: 'scale' }] }],
    [await png(40), { public_id: 'loose' }],
    [
      `data:text/plain;base64,${Buffer.from('notes\n'.repeat(20)).toString('base64')}`,
      { public_id: 'notes.txt', resource_type: 'raw', tags: ['r-doc'] },
    ],
  ];
  for (const [file, options] of uploads) {
    const resource = (await cloudinary.uploader.upload(file, options)) as Resource;
    originals += 1;
    storedBytes += resource.bytes;
    for (const eager of resource.eager ?? []) {
      derivatives += 1;
      storedBytes += eager.bytes;
    }
  }
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function basicAuth(): string {
  return `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;
}

/** An Admin call sent as written (the installed SDK may not encode the way recent ones do); the body is read whole. */
async function admin(method: string, path: string, body?: Json) {
  const response = await fetch(`${cluster.baseUrl}${path}`, {
    method,
    headers: { authorization: basicAuth(), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return jsonReply(response);
}

const rootFolders = (options: Json = {}) => api.root_folders(options) as Promise<FolderListing>;
const subFolders = (path: string, options: Json = {}) => api.sub_folders(path, options) as Promise<FolderListing>;

describe('folders', () => {
  it('lists the root folders implied by the assets, with total_count and a cursor', async () => {
    expect(await rootFolders()).toEqual({
      folders: [
        { name: 'alpha', path: 'alpha' },
        { name: 'gamma', path: 'gamma' },
      ],
      next_cursor: null,
      total_count: 2,
    });
    const first = await rootFolders({ max_results: 1 });
    expect(first).toMatchObject({ folders: [{ name: 'alpha', path: 'alpha' }], total_count: 2 });
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await rootFolders({ max_results: 1, next_cursor: first.next_cursor });
    expect(second).toEqual({ folders: [{ name: 'gamma', path: 'gamma' }], next_cursor: null, total_count: 2 });
  });

  it('lists a folder’s subfolders; an unknown folder is a 404', async () => {
    expect(await subFolders('alpha')).toEqual({ folders: [{ name: 'beta', path: 'alpha/beta' }], next_cursor: null, total_count: 1 });
    expect(await subFolders('alpha/beta')).toEqual({ folders: [], next_cursor: null, total_count: 0 });
    expect(await sdkRefusal(subFolders('nope'))).toMatchObject({ http_code: 404, message: "Can't find folder with path nope" });
    expect(await sdkRefusal(rootFolders({ next_cursor: 'not-a-cursor' }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(rootFolders({ max_results: 501 }))).toMatchObject({ http_code: 400 });
  });

  it('creates empty folders with their ancestors, and deletes them when empty', async () => {
    expect(await api.create_folder('empty/inner')).toEqual({ success: true, path: 'empty/inner', name: 'inner' });
    expect(await api.create_folder('alpha/made')).toEqual({ success: true, path: 'alpha/made', name: 'made' });
    expect((await rootFolders()).folders.map((folder) => folder.path)).toEqual(['alpha', 'empty', 'gamma']);
    expect(await subFolders('empty')).toEqual({ folders: [{ name: 'inner', path: 'empty/inner' }], next_cursor: null, total_count: 1 });
    expect((await subFolders('alpha')).folders.map((folder) => folder.path)).toEqual(['alpha/beta', 'alpha/made']);

    expect(await sdkRefusal(api.delete_folder('alpha'))).toMatchObject({ http_code: 400, message: 'Folder is not empty' });
    expect(await sdkRefusal(api.delete_folder('alpha/beta'))).toMatchObject({ http_code: 400, message: 'Folder is not empty' });
    expect(await sdkRefusal(api.delete_folder('nowhere'))).toMatchObject({ http_code: 404 });
    expect(await sdkRefusal(api.create_folder('bad//path'))).toMatchObject({ http_code: 400 });

    expect(await api.delete_folder('empty')).toEqual({ deleted: ['empty', 'empty/inner'] });
    expect(await api.delete_folder('alpha/made')).toEqual({ deleted: ['alpha/made'] });
    expect((await rootFolders()).folders.map((folder) => folder.path)).toEqual(['alpha', 'gamma']);
  });

  it('renames a folder: its assets move with it, their public_ids and URLs stay', async () => {
    expect(await api.rename_folder('alpha', 'omega/alpha2')).toEqual({
      from: { name: 'alpha', path: 'alpha' },
      to: { name: 'alpha2', path: 'omega/alpha2' },
    });
    const one = (await cloudinary.api.resource('fd/one')) as Resource;
    const two = (await cloudinary.api.resource('fd/two')) as Resource;
    expect(one).toMatchObject({ public_id: 'fd/one', asset_folder: 'omega/alpha2/beta' });
    expect(two).toMatchObject({ public_id: 'fd/two', asset_folder: 'omega/alpha2' });
    const delivered = await fetch(`${cluster.baseUrl}/demo/image/upload/fd/one.png`);
    await delivered.arrayBuffer();
    expect(delivered.status).toBe(200);

    expect((await rootFolders()).folders.map((folder) => folder.path)).toEqual(['gamma', 'omega']);
    expect(await subFolders('omega/alpha2')).toEqual({
      folders: [{ name: 'beta', path: 'omega/alpha2/beta' }],
      next_cursor: null,
      total_count: 1,
    });
    expect(await sdkRefusal(subFolders('alpha'))).toMatchObject({ http_code: 404 });

    expect(await sdkRefusal(api.rename_folder('gamma', 'omega'))).toMatchObject({ http_code: 409 });
    expect(await sdkRefusal(api.rename_folder('omega', 'omega/inside'))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(api.rename_folder('missing', 'elsewhere'))).toMatchObject({ http_code: 404 });
  });
});

describe('tags', () => {
  it('lists the distinct tags of a resource type, sorted, with prefix and cursor', async () => {
    expect(await api.tags()).toEqual({ tags: ['other', 't-apple', 't-banana', 't-cherry'] });
    const first = (await api.tags({ prefix: 't-', max_results: 2 })) as TagListing;
    expect(first.tags).toEqual(['t-apple', 't-banana']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await api.tags({ prefix: 't-', max_results: 2, next_cursor: first.next_cursor })) as TagListing;
    expect(second).toEqual({ tags: ['t-cherry'] });
    expect(await api.tags({ resource_type: 'raw' })).toEqual({ tags: ['r-doc'] });
    expect(await api.tags({ resource_type: 'video' })).toEqual({ tags: [] });
    expect(await api.tags({ prefix: 't-_' })).toEqual({ tags: [] });
    expect(await sdkRefusal(api.tags({ resource_type: 'nope' }))).toMatchObject({ http_code: 400 });
  });
});

describe('ping, resource_types, usage, config', () => {
  it('answers ping', async () => {
    expect(await api.ping()).toEqual({ status: 'ok' });
  });

  it('lists the resource types the cloud has', async () => {
    expect(await api.resource_types()).toEqual({ resource_types: ['image', 'raw'] });
  });

  it('reports the counts and bytes of what was uploaded', async () => {
    const usage = (await api.usage()) as Json;
    expect(usage).toMatchObject({
      plan: expect.any(String),
      last_updated: new Date().toISOString().slice(0, 10),
      resources: originals,
      derived_resources: derivatives,
      objects: { usage: originals + derivatives },
      transformations: { usage: derivatives },
      storage: { usage: storedBytes },
      bandwidth: { usage: 0 },
      requests: { usage: 0 },
      media_limits: { image_max_size_bytes: expect.any(Number) },
    });
    expect(derivatives).toBe(1);
    expect(await api.usage({ date: new Date().toISOString().slice(0, 10) })).toMatchObject({ resources: originals });
    // The SDK's spec asks for two days ago as dd-MM-yyyy and expects Cloudinary's keys: no history is
    // kept, so a past day answers the current numbers; a day after today is refused.
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
    const [year, month, day] = twoDaysAgo.split('-');
    const past = (await api.usage({ date: `${day}-${month}-${year}` })) as Json;
    expect(Object.keys(past)).toEqual(
      expect.arrayContaining([
        'plan',
        'last_updated',
        'transformations',
        'objects',
        'bandwidth',
        'storage',
        'requests',
        'resources',
        'derived_resources',
        'media_limits',
      ]),
    );
    expect(past).toMatchObject({ resources: originals, bandwidth: { usage: 0 } });
    expect(await api.usage({ date: '2001-01-01' })).toMatchObject({ resources: originals });
    expect(await sdkRefusal(api.usage({ date: '2999-01-01' }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(api.usage({ date: '2001-02-30' }))).toMatchObject({ http_code: 400 });
  });

  it('answers config, with the folder mode when settings are asked for', async () => {
    const config = (await api.config()) as Json;
    expect(config).toEqual({ cloud_name: 'demo', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    expect(await api.config({ settings: true })).toMatchObject({ cloud_name: 'demo', settings: { folder_mode: 'dynamic' } });
  });
});

describe('routing', () => {
  it('routes Admin paths whose slashes the SDK percent-encoded', async () => {
    const folders = await admin('GET', '/v1_1/demo/folders%2Fomega');
    expect(folders).toMatchObject({ status: 200, body: { folders: [{ name: 'alpha2', path: 'omega/alpha2' }], total_count: 1 } });
    const nested = await admin('GET', '/v1_1/demo/folders/omega%2Falpha2');
    expect(nested).toMatchObject({ status: 200, body: { folders: [{ path: 'omega/alpha2/beta' }] } });
    const profile = await admin('GET', '/v1_1/demo/streaming_profiles%2Ffull_hd');
    expect(profile).toMatchObject({ status: 200, body: { data: { name: 'full_hd' } } });
    const listing = await admin('GET', '/v1_1/demo/resources%2Fimage%2Fupload?prefix=fd%2F');
    expect(listing.status).toBe(200);
    expect((listing.body.resources as Resource[]).map((resource) => resource.public_id).sort()).toEqual(['fd/one', 'fd/three', 'fd/two']);
    const tags = await admin('GET', '/v1_1/demo/tags%2Fraw');
    expect(tags).toEqual(expect.objectContaining({ status: 200, body: { tags: ['r-doc'] } }));
    const created = await admin('POST', '/v1_1/demo/folders%2Fencoded%2Fmade');
    expect(created).toMatchObject({ status: 200, body: { success: true, path: 'encoded/made', name: 'made' } });
    const deleted = await admin('DELETE', '/v1_1/demo/folders/encoded');
    expect(deleted).toMatchObject({ status: 200, body: { deleted: ['encoded', 'encoded/made'] } });
  });

  it("keeps a public_id's encoded slashes: the id stays one path element", async () => {
    const resource = await admin('GET', `/v1_1/demo/resources/image/upload/${encodeURIComponent('fd/one')}`);
    expect(resource).toMatchObject({ status: 200, body: { public_id: 'fd/one', asset_folder: 'omega/alpha2/beta' } });
    const missing = await admin('GET', `/v1_1/demo/resources/image/upload/${encodeURIComponent('fd/nope')}`);
    expect(missing).toMatchObject({ status: 404, body: { error: { message: 'Resource not found - fd/nope' } } });
  });

  it('answers a 404 naming the method and path for Admin paths no route serves', async () => {
    for (const [method, path] of [
      ['GET', '/v1_1/demo/no_such_thing'],
      ['GET', '/v1_1/demo/no_such_thing/image/upload/x'],
      ['GET', '/v1_1/demo/tags'],
      ['DELETE', '/v1_1/demo/usage'],
      ['POST', '/v1_1/demo/nope%2Fdeeper'],
    ] as const) {
      const reply = await admin(method, path, method === 'POST' ? { any: 'thing' } : undefined);
      expect(reply).toMatchObject({ status: 404, body: { error: { message: `Not found - ${method} ${path}` } } });
    }
    // Before, this fell into delivery (`/:cloud/:resource_type/:type/*`) and answered `Invalid resource type demo`.
    const head = await fetch(`${cluster.baseUrl}/v1_1/demo/nothing/here/at/all`, { method: 'HEAD' });
    await head.arrayBuffer();
    expect(head.status).toBe(404);
  });

  it('refuses unauthenticated folder and info calls', async () => {
    for (const path of ['/v1_1/demo/folders', '/v1_1/demo/tags/image', '/v1_1/demo/usage', '/v1_1/demo/ping', '/v1_1/demo/config']) {
      const response = await fetch(`${cluster.baseUrl}${path}`);
      const reply = await jsonReply(response);
      expect(reply.status).toBe(401);
    }
  });
});

describe("a public_id's path", () => {
  it('files the asset in that folder when no folder is named, as the SDK spec expects of a dynamic-folder cloud', async () => {
    const file = `data:image/png;base64,${(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123456' } })
        .png()
        .toBuffer()
    ).toString('base64')}`;
    for (const publicId of ['pathed/item', 'pathed/sub1/item', 'pathed/sub2/item']) {
      expect(await cloudinary.uploader.upload(file, { public_id: publicId })).toMatchObject({ public_id: publicId });
    }
    expect((await rootFolders()).folders.map((folder) => folder.name)).toContain('pathed');
    expect(await subFolders('pathed')).toEqual({
      folders: [
        { name: 'sub1', path: 'pathed/sub1' },
        { name: 'sub2', path: 'pathed/sub2' },
      ],
      next_cursor: null,
      total_count: 2,
    });
    expect(await cloudinary.api.resource('pathed/sub1/item')).toMatchObject({ asset_folder: 'pathed/sub1' });
  });
});

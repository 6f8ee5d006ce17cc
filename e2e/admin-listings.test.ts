import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Item = Record<string, unknown> & { asset_id: string; public_id: string; type: string; url: string; created_at: string };
type Listing = { resources: Item[]; next_cursor?: string };
type Options = Record<string, unknown>;
type Reply = Promise<Record<string, unknown>>;

/** The SDK calls this file exercises that the shared CloudinarySdk type does not name. */
type ListingApi = CloudinarySdk['api'] & {
  resources_by_context(key: string, value?: string, options?: Options): Reply;
  resources_by_asset_ids(assetIds: string[], options?: Options): Reply;
  resources_by_asset_folder(assetFolder: string, options?: Options): Reply;
  resource_by_asset_id(assetId: string, options?: Options): Reply;
  publish_by_ids(publicIds: string[], options?: Options): Reply;
  publish_by_prefix(prefix: string, options?: Options): Reply;
  publish_by_tag(tag: string, options?: Options): Reply;
  update_resources_access_mode_by_ids(accessMode: string, publicIds: string[], options?: Options): Reply;
  update_resources_access_mode_by_prefix(accessMode: string, prefix: string, options?: Options): Reply;
  update_resources_access_mode_by_tag(accessMode: string, tag: string, options?: Options): Reply;
};

const LISTING_ITEM_KEYS = [
  'asset_id',
  'public_id',
  'format',
  'version',
  'resource_type',
  'type',
  'created_at',
  'bytes',
  'width',
  'height',
  'folder',
  'asset_folder',
  'display_name',
  'url',
  'secure_url',
];

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let api: ListingApi;
let tiny: string;
/** ord/1 … ord/5, uploaded one after the other (oldest first). */
const ordered: Item[] = [];

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  api = cloudinary.api as ListingApi;
  const png = await sharp({ create: { width: 6, height: 4, channels: 3, background: '#cc6633' } })
    .png()
    .toBuffer();
  tiny = `data:image/png;base64,${png.toString('base64')}`;
  for (let index = 1; index <= 5; index += 1) ordered.push(await upload(`ord/${index}`, { tags: ['ordered'] }));
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const upload = (publicId: string, options: Options = {}) => cloudinary.uploader.upload(tiny, { public_id: publicId, ...options }) as Promise<Item>;
const ids = (listing: Record<string, unknown>) => (listing as Listing).resources.map((item) => item.public_id);
const only = (prefix: string, listing: Record<string, unknown>) => ids(listing).filter((id) => id.startsWith(prefix));

function basicAuth(): string {
  return `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;
}

/** A plain Admin API call; the body is always read. */
async function adminFetch(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/${path}`, {
    ...init,
    headers: { authorization: basicAuth(), ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

async function expect400(path: string, mentions: string, init: RequestInit = {}): Promise<void> {
  const { status, body } = await adminFetch(path, init);
  expect(status).toBe(400);
  expect(body).toEqual({ error: { message: expect.stringContaining(mentions) } });
}

/** Every page of a listing, following next_cursor. */
async function walk(list: (cursor?: string) => Reply, between?: (round: number, seen: readonly string[]) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  let round = 0;
  do {
    const page = (await list(cursor)) as Listing;
    seen.push(...page.resources.map((item) => item.public_id));
    cursor = page.next_cursor;
    round += 1;
    if (cursor && between) await between(round, seen);
  } while (cursor && round < 100);
  return seen;
}

describe('api.resources order', () => {
  it('lists newest first without a prefix, in the listing shape', async () => {
    const listing = (await api.resources({ type: 'upload', max_results: 500 })) as Listing;
    expect(Object.keys(listing)).toEqual(['resources']);
    expect(only('ord/', listing)).toEqual(['ord/5', 'ord/4', 'ord/3', 'ord/2', 'ord/1']);
    const newest = listing.resources.find((item) => item.public_id === 'ord/5')!;
    expect(Object.keys(newest)).toEqual(LISTING_ITEM_KEYS);
    expect(newest).toMatchObject({ asset_id: ordered[4]!.asset_id, folder: 'ord', type: 'upload', url: ordered[4]!.url });
    const times = listing.resources.map((item) => item.created_at);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('follows direction asc / 1 / desc / -1', async () => {
    for (const direction of ['asc', 1, '1']) {
      expect(only('ord/', await api.resources({ max_results: 500, direction }))).toEqual(['ord/1', 'ord/2', 'ord/3', 'ord/4', 'ord/5']);
    }
    for (const direction of ['desc', -1]) {
      expect(only('ord/', await api.resources({ max_results: 500, direction }))).toEqual(['ord/5', 'ord/4', 'ord/3', 'ord/2', 'ord/1']);
    }
  });

  it('lists by public_id with a prefix, whatever the direction', async () => {
    await upload('ord/0-late');
    for (const direction of [undefined, 'desc', -1]) {
      const listing = await api.resources({ type: 'upload', prefix: 'ord/', ...(direction === undefined ? {} : { direction }) });
      expect(ids(listing)).toEqual(['ord/0-late', 'ord/1', 'ord/2', 'ord/3', 'ord/4', 'ord/5']);
    }
  });

  it('starts at start_at (an ISO timestamp, or the Date the SDK sends as an HTTP date)', async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    const boundary = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await upload('since/a');
    await upload('since/b');
    const since = await api.resources({ max_results: 500, start_at: boundary.toISOString() });
    expect(ids(since)).toEqual(['since/b', 'since/a']);
    expect(ids(await api.resources({ max_results: 500, start_at: boundary.toISOString(), direction: 'asc' }))).toEqual(['since/a', 'since/b']);
    expect(ids(await api.resources({ start_at: new Date(Date.now() + 86_400_000) }))).toEqual([]);
    const originals = ordered.map((item) => item.public_id);
    expect(ids(await api.resources({ max_results: 500, start_at: new Date(Date.now() - 86_400_000) }))).toEqual(expect.arrayContaining(originals));
    expect(ids(await api.resources({ max_results: 500, start_at: '2000-01-01' }))).toEqual(expect.arrayContaining(originals));
    // The SDK's own spec sends `new Date().toString()`.
    expect(ids(await api.resources({ max_results: 500, start_at: new Date(Date.now() - 86_400_000).toString() }))).toEqual(
      expect.arrayContaining(originals),
    );
    expect(ids(await api.resources({ start_at: new Date(Date.now() + 86_400_000).toString() }))).toEqual([]);
  });

  it('walks every asset once with max_results pages, both ways', async () => {
    const everything = ids(await api.resources({ max_results: 500 }));
    const newestFirst = await walk((cursor) => api.resources({ max_results: 2, ...(cursor ? { next_cursor: cursor } : {}) }));
    expect(newestFirst).toEqual(everything);
    const oldestFirst = await walk((cursor) => api.resources({ max_results: 3, direction: 'asc', ...(cursor ? { next_cursor: cursor } : {}) }));
    expect(oldestFirst).toEqual([...everything].reverse());
  });

  it('keeps a newest-first walk stable while assets are added and destroyed between pages', async () => {
    const originals: string[] = [];
    for (let index = 0; index < 12; index += 1) originals.push((await upload(`walk/${String(index).padStart(2, '0')}`, { tags: ['walk'] })).public_id);
    const inserted: string[] = [];
    const destroyed = new Set<string>();
    const seen = await walk(
      (cursor) => api.resources_by_tag('walk', { max_results: 3, ...(cursor ? { next_cursor: cursor } : {}) }),
      async (round, seenSoFar) => {
        // Newer than everything: behind a newest-first cursor, so never seen.
        const added = await upload(`walk/new-${round}`, { tags: ['walk'] });
        inserted.push(added.public_id);
        // An original not seen yet goes; the walk must simply not show it.
        const victim = [...originals].reverse().find((id) => !seenSoFar.includes(id) && !destroyed.has(id));
        if (victim && round % 2 === 1) {
          await cloudinary.uploader.destroy(victim);
          destroyed.add(victim);
        }
      },
    );
    expect(inserted.length).toBeGreaterThanOrEqual(3);
    expect(destroyed.size).toBeGreaterThanOrEqual(1);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of inserted) expect(seen).not.toContain(id);
    for (const id of originals) expect(seen.filter((one) => one === id)).toHaveLength(destroyed.has(id) ? 0 : 1);
  });

  it('breaks creation-time ties by asset id and keeps microseconds in its cursors', async () => {
    const tied: Item[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) tied.push(await upload(`tie/${name}`, { tags: ['tie'] }));
    // Three rows at one instant, two a microsecond apart: a millisecond cursor would skip or repeat them.
    const at = ['2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z', '2030-01-01T00:00:00.000001Z', '2030-01-01T00:00:00.000002Z'];
    for (const [index, item] of tied.entries()) {
      await cluster.cluster.services.db
        .updateTable('assets')
        .set({ created_at: sql`${at[index]}::timestamptz` })
        .where('asset_id', '=', item.asset_id)
        .execute();
    }
    const page = (cursor?: string, direction = 'desc') =>
      api.resources_by_tag('tie', { max_results: 1, direction, ...(cursor ? { next_cursor: cursor } : {}) });
    const newestFirst = await walk((cursor) => page(cursor));
    expect(newestFirst.slice(0, 2)).toEqual(['tie/e', 'tie/d']);
    expect([...newestFirst].sort()).toEqual(tied.map((item) => item.public_id));
    expect(await walk((cursor) => page(cursor, 'asc'))).toEqual([...newestFirst].reverse());
  });

  it('finds assets added during an oldest-first walk at its end, once each', async () => {
    const before = ids(await api.resources_by_tag('ordered', { direction: 'asc' }));
    const inserted: string[] = [];
    const seen = await walk(
      (cursor) => api.resources_by_tag('ordered', { max_results: 2, direction: 'asc', ...(cursor ? { next_cursor: cursor } : {}) }),
      async (round) => {
        if (round <= 2) inserted.push((await upload(`ord/added-${round}`, { tags: ['ordered'] })).public_id);
      },
    );
    expect(seen).toEqual([...before, ...inserted]);
  });
});

describe('api.resources_by_context', () => {
  beforeAll(async () => {
    await upload('ctx/red', { context: { shade: 'red', note: 'a=b|c' } });
    await upload('ctx/blue', { context: { shade: 'blue' } });
    await upload('ctx/none');
  });

  it('lists the assets having a context key, newest first, with context when asked', async () => {
    const listing = (await api.resources_by_context('shade', undefined, { context: true })) as Listing;
    expect(ids(listing)).toEqual(['ctx/blue', 'ctx/red']);
    expect(listing.resources[1]!.context).toEqual({ custom: { shade: 'red', note: 'a=b|c' } });
    expect(Object.keys((await api.resources_by_context('shade')) as Listing).length).toBe(1);
  });

  it('narrows to a value, taken literally', async () => {
    expect(ids(await api.resources_by_context('shade', 'red'))).toEqual(['ctx/red']);
    expect(ids(await api.resources_by_context('note', 'a=b|c'))).toEqual(['ctx/red']);
    expect(ids(await api.resources_by_context('shade', 'green'))).toEqual([]);
    expect(ids(await api.resources_by_context('shade', undefined, { resource_type: 'video' }))).toEqual([]);
  });

  it('pages with max_results and next_cursor', async () => {
    const first = (await api.resources_by_context('shade', undefined, { max_results: 1 })) as Listing;
    expect(ids(first)).toEqual(['ctx/blue']);
    const second = (await api.resources_by_context('shade', undefined, { max_results: 1, next_cursor: first.next_cursor })) as Listing;
    expect(ids(second)).toEqual(['ctx/red']);
    expect(second).not.toHaveProperty('next_cursor');
  });

  it('needs a key', async () => {
    await expect(api.resources_by_context('')).rejects.toMatchObject({ error: { http_code: 400, message: 'Missing required parameter - key' } });
  });
});

describe('api.resources_by_asset_ids, resources_by_asset_folder, resource_by_asset_id', () => {
  let raw: Item;
  let inFolder: Item[];

  beforeAll(async () => {
    inFolder = [await upload('af/one', { asset_folder: 'shelf/top' }), await upload('af/two', { asset_folder: 'shelf/top', tags: ['x'] })];
    raw = (await cloudinary.uploader.upload(`data:text/plain;base64,${Buffer.from('notes').toString('base64')}`, {
      resource_type: 'raw',
      public_id: 'af/notes.txt',
      asset_folder: 'shelf/top',
    })) as Item;
    await upload('af/deeper', { asset_folder: 'shelf/top/inner' });
  });

  it('answers the asset ids asked for, of any resource type, in the order asked and once', async () => {
    const [one, two] = inFolder as [Item, Item];
    const listing = (await api.resources_by_asset_ids([raw.asset_id, 'f'.repeat(32), one.asset_id, raw.asset_id, two.asset_id], {
      tags: true,
    })) as Listing;
    expect(Object.keys(listing)).toEqual(['resources']);
    expect(ids(listing)).toEqual(['af/notes.txt', 'af/one', 'af/two']);
    expect(listing.resources[0]).toMatchObject({ resource_type: 'raw', asset_folder: 'shelf/top', tags: [] });
    expect(listing.resources[0]).not.toHaveProperty('width');
    expect(listing.resources[2]!.tags).toEqual(['x']);
    expect(Object.keys(listing.resources[1]!)).toEqual([...LISTING_ITEM_KEYS, 'tags']);
  });

  it('refuses none, or more than 100, asset ids', async () => {
    await expect(api.resources_by_asset_ids([])).rejects.toMatchObject({
      error: { http_code: 400, message: 'Missing required parameter - asset_ids' },
    });
    const many = Array.from({ length: 101 }, (_, index) => index.toString(16).padStart(32, '0'));
    await expect(api.resources_by_asset_ids(many)).rejects.toMatchObject({ error: { http_code: 400, message: expect.stringContaining('asset_ids') } });
  });

  it('lists an asset folder (not its subfolders), newest first, every resource type, paged', async () => {
    expect(ids(await api.resources_by_asset_folder('shelf/top'))).toEqual(['af/notes.txt', 'af/two', 'af/one']);
    const first = (await api.resources_by_asset_folder('shelf/top', { max_results: 2 })) as Listing;
    expect(ids(first)).toEqual(['af/notes.txt', 'af/two']);
    const second = (await api.resources_by_asset_folder('shelf/top', { max_results: 2, next_cursor: first.next_cursor })) as Listing;
    expect(ids(second)).toEqual(['af/one']);
    expect(ids(await api.resources_by_asset_folder('shelf/top/inner'))).toEqual(['af/deeper']);
    expect(ids(await api.resources_by_asset_folder('shelf'))).toEqual([]);
    await expect(api.resources_by_asset_folder('')).rejects.toMatchObject({
      error: { http_code: 400, message: 'Missing required parameter - asset_folder' },
    });
  });

  it('answers total_count: every asset in the folder, not just the page (the SDK spec "should list resources_by_asset_folder")', async () => {
    expect(await api.resources_by_asset_folder('shelf/top')).toMatchObject({ total_count: 3 });
    const first = (await api.resources_by_asset_folder('shelf/top', { max_results: 2 })) as Listing & { total_count: number };
    expect(first.total_count).toBe(3);
    expect(ids(first)).toHaveLength(2);
    expect(await api.resources_by_asset_folder('shelf/top/inner')).toMatchObject({ total_count: 1 });
    expect(await api.resources_by_asset_folder('shelf')).toEqual({ resources: [], total_count: 0 });
  });

  it('lists the derivatives from the start for a derived_next_cursor it did not issue (the SDK spec sends "aaa")', async () => {
    expect(await api.resource('af/one', { derived_next_cursor: 'aaa' })).toEqual(await api.resource('af/one'));
  });

  it('describes an asset by its asset id exactly as resource does', async () => {
    const [one] = inFolder as [Item];
    expect(await api.resource_by_asset_id(one.asset_id)).toEqual(await api.resource('af/one'));
    expect(await api.resource_by_asset_id(raw.asset_id, { versions: true })).toEqual(
      await api.resource('af/notes.txt', { resource_type: 'raw', versions: true }),
    );
    const missing = 'e'.repeat(32);
    await expect(api.resource_by_asset_id(missing)).rejects.toMatchObject({ error: { http_code: 404, message: `Resource not found - ${missing}` } });
    // The same path shape with a resource type is the listing.
    expect((await adminFetch('resources/raw')).status).toBe(200);
    await expect400('resources/not-an-asset-id', 'Invalid resource type');
  });
});

describe('fields', () => {
  it('keeps every field asked for, folder included, sent as an array or a comma list, in every listing', async () => {
    const expected = (item: Item) => ({ asset_id: item.asset_id, public_id: item.public_id, folder: 'ord', bytes: expect.any(Number) });
    const asArray = (await api.resources({ prefix: 'ord/', fields: ['folder', 'bytes'] })) as Listing;
    expect(asArray.resources.find((item) => item.public_id === 'ord/1')).toEqual(expected(ordered[0]!));
    const asText = (await api.resources({ prefix: 'ord/1', fields: 'folder,bytes' })) as Listing;
    expect(asText.resources).toEqual([expected(ordered[0]!)]);
    const byTag = (await api.resources_by_tag('ordered', { fields: ['folder', 'bytes'], max_results: 500 })) as Listing;
    expect(byTag.resources.find((item) => item.public_id === 'ord/1')).toEqual(expected(ordered[0]!));
    const byIds = (await api.resources_by_ids(['ord/1'], { fields: ['folder', 'bytes'] })) as Listing;
    expect(byIds.resources).toEqual([expected(ordered[0]!)]);
    const byAssetIds = (await api.resources_by_asset_ids([ordered[0]!.asset_id], { fields: ['folder', 'bytes'] })) as Listing;
    expect(byAssetIds.resources).toEqual([expected(ordered[0]!)]);
  });

  it('answers the resource fields a listing leaves out by default, and takes precedence over tags=true', async () => {
    const listing = (await api.resources({
      prefix: 'ord/1',
      tags: true,
      fields: 'access_mode,etag,placeholder,pages,version_id,tags,type,created_at',
    })) as Listing;
    const resource = await api.resource('ord/1');
    expect(listing.resources).toEqual([
      {
        asset_id: ordered[0]!.asset_id,
        public_id: 'ord/1',
        folder: 'ord',
        type: 'upload',
        created_at: resource.created_at,
        access_mode: 'public',
        etag: resource.etag,
        placeholder: false,
        pages: 1,
        version_id: resource.version_id,
        tags: ['ordered'],
      },
    ]);
    const context = (await api.resources_by_context('shade', 'red', { fields: 'context' })) as Listing;
    expect(context.resources[0]!.context).toEqual({ custom: { shade: 'red', note: 'a=b|c' } });
  });
});

describe('publish and access mode', () => {
  it('publishes an authenticated asset: type upload, delivered unsigned', async () => {
    const secret = await upload('pub/one', { type: 'authenticated' });
    const unsigned = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/authenticated/pub/one.png`);
    expect(unsigned.status).toBe(401);
    await unsigned.arrayBuffer();
    const signed = await fetch(secret.url);
    expect(signed.status).toBe(200);
    await signed.arrayBuffer();
    const notYet = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/pub/one.png`);
    expect(notYet.status).toBe(404);
    await notYet.arrayBuffer();

    // The wrong source type publishes nothing.
    expect(await api.publish_by_ids(['pub/one'], { type: 'private' })).toEqual({
      published: [],
      failed: [{ public_id: 'pub/one', message: 'Resource not found - pub/one' }],
    });
    const result = (await api.publish_by_ids(['pub/one', 'pub/missing'])) as { published: Item[]; failed: unknown[] };
    expect(result.published).toHaveLength(1);
    expect(result.published[0]).toMatchObject({ asset_id: secret.asset_id, public_id: 'pub/one', type: 'upload', access_mode: 'public' });
    expect(result.published[0]!.url).toMatch(new RegExp(`/${cluster.cloud}/image/upload/v\\d+/pub/one\\.png$`));
    expect(result.failed).toEqual([{ public_id: 'pub/missing', message: 'Resource not found - pub/missing' }]);

    const delivered = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/pub/one.png`);
    expect(delivered.status).toBe(200);
    expect((await sharp(Buffer.from(await delivered.arrayBuffer())).metadata()).width).toBe(6);
    const formerlySigned = await fetch(secret.url);
    expect(formerlySigned.status).toBe(404);
    await formerlySigned.arrayBuffer();
    expect(await api.resource('pub/one')).toMatchObject({ asset_id: secret.asset_id, type: 'upload' });
    await expect(api.resource('pub/one', { type: 'authenticated' })).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('publishes by prefix and by tag (private and authenticated alike)', async () => {
    await upload('pub/prefixed-a', { type: 'authenticated' });
    await upload('pub/prefixed-b', { type: 'private' });
    await upload('pub/tagged', { type: 'private', tags: ['to-publish'] });
    const byPrefix = (await api.publish_by_prefix('pub/prefixed-')) as { published: Item[]; failed: unknown[] };
    expect(ids({ resources: byPrefix.published })).toEqual(['pub/prefixed-a', 'pub/prefixed-b']);
    expect(byPrefix.failed).toEqual([]);
    const byTag = (await api.publish_by_tag('to-publish')) as { published: Item[] };
    expect(ids({ resources: byTag.published })).toEqual(['pub/tagged']);
    expect(await api.publish_by_tag('to-publish')).toEqual({ published: [], failed: [] });
  });

  it('replaces an upload asset of the same public_id only with overwrite', async () => {
    const existing = await upload('pub/clash');
    const hidden = await upload('pub/clash', { type: 'authenticated' });
    const refused = (await api.publish_by_ids(['pub/clash'])) as { published: unknown[]; failed: Array<Record<string, unknown>> };
    expect(refused.published).toEqual([]);
    expect(refused.failed).toEqual([{ public_id: 'pub/clash', message: expect.stringContaining('already exists') }]);
    expect(await api.resource('pub/clash')).toMatchObject({ asset_id: existing.asset_id });
    const replaced = (await api.publish_by_ids(['pub/clash'], { overwrite: true })) as { published: Item[] };
    expect(replaced.published.map((item) => item.asset_id)).toEqual([hidden.asset_id]);
    expect(await api.resource('pub/clash')).toMatchObject({ asset_id: hidden.asset_id, type: 'upload' });
  });

  it('updates the access mode by ids, prefix and tag', async () => {
    await upload('am/one');
    await upload('am/two', { tags: ['am'] });
    const byIds = (await api.update_resources_access_mode_by_ids('authenticated', ['am/one', 'am/missing'])) as {
      updated: Item[];
      failed: unknown[];
    };
    expect(byIds.updated.map((item) => [item.public_id, item.access_mode])).toEqual([['am/one', 'authenticated']]);
    expect(byIds.failed).toEqual([{ public_id: 'am/missing', message: 'Resource not found - am/missing' }]);
    expect(await api.resource('am/one')).toMatchObject({ access_mode: 'authenticated' });
    expect(await api.update_resources_access_mode_by_ids('authenticated', ['am/one'])).toEqual({
      updated: [],
      failed: [{ public_id: 'am/one', message: 'Resource is already authenticated' }],
    });

    const byTag = (await api.update_resources_access_mode_by_tag('authenticated', 'am')) as { updated: Item[] };
    expect(byTag.updated.map((item) => [item.public_id, item.access_mode])).toEqual([['am/two', 'authenticated']]);
    const byPrefix = (await api.update_resources_access_mode_by_prefix('public', 'am/')) as { updated: Item[]; failed: unknown[] };
    expect(byPrefix).toEqual({
      updated: [expect.objectContaining({ public_id: 'am/one', access_mode: 'public' }), expect.objectContaining({ public_id: 'am/two' })],
      failed: [],
    });
    expect(await api.resource('am/two')).toMatchObject({ access_mode: 'public' });
    // Another type holds none of them.
    expect(await api.update_resources_access_mode_by_prefix('authenticated', 'am/', { type: 'private' })).toEqual({ updated: [], failed: [] });
  });

  it('refuses bad access modes, types and selections with a 400', async () => {
    await expect(api.update_resources_access_mode_by_ids('secret', ['am/one'])).rejects.toMatchObject({
      error: { http_code: 400, message: expect.stringContaining('access_mode') },
    });
    await expect(api.publish_by_ids(['pub/one'], { type: 'nope' })).rejects.toMatchObject({ error: { http_code: 400 } });
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } };
    await expect400('resources/image/upload/update_access_mode', 'public_ids, prefix or tag', { ...form, body: 'access_mode=public' });
    await expect400('resources/image/upload/update_access_mode', 'access_mode', { ...form, body: 'prefix=am/' });
    await expect400('resources/image/publish_resources', 'Only one of', { ...form, body: 'prefix=a&tag=b' });
    await expect400('resources/image/publish_resources', 'public_ids, prefix or tag', { ...form, body: '' });
  });
});

describe('bad input', () => {
  it("answers Cloudinary's 400 shape, naming the parameter", async () => {
    await expect400('resources/image?direction=sideways', 'direction');
    await expect400('resources/image?start_at=yesterday', 'start_at');
    await expect400('resources/image?start_at=2024-02-30', 'start_at');
    await expect400('resources/image?next_cursor=bm90LWEtY3Vyc29y', 'next_cursor');
    await expect400('resources/image?max_results=0', 'max_results');
    await expect400('resources/image/context', 'Missing required parameter - key');
    await expect400('resources/image/context?key=x&fields=a&next_cursor=%3F', 'next_cursor');
    await expect400('resources/by_asset_folder', 'Missing required parameter - asset_folder');
    await expect400('resources/by_asset_ids', 'Missing required parameter - asset_ids');
    await expect400('resources/pdf/context?key=x', 'Invalid resource type');
    await expect400('resources/image/tags/a%00b', 'tag');
    await expect400('resources/image/upload/a%00b', 'public_id');
  });

  it('refuses a cursor of the other order, and one holding a NUL', async () => {
    const byName = (await api.resources({ prefix: 'ord/', max_results: 1 })) as Listing;
    const byTime = (await api.resources({ max_results: 1 })) as Listing;
    await expect400(`resources/image?next_cursor=${byName.next_cursor}`, 'next_cursor');
    await expect400(`resources/image?prefix=ord/&next_cursor=${byTime.next_cursor}`, 'next_cursor');
    const withNul = Buffer.from(JSON.stringify(['c1', 'a\u0000', 'b']), 'utf8').toString('base64url');
    await expect400(`resources/image?prefix=ord/&next_cursor=${withNul}`, 'next_cursor');
    const badDay = Buffer.from(JSON.stringify(['c1', 't', '2024-02-30T00:00:00.000000Z', 'b']), 'utf8').toString('base64url');
    await expect400(`resources/image?next_cursor=${badDay}`, 'next_cursor');
  });
});

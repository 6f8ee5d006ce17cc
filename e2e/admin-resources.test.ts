import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const JPEG = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const PNG = fixturePath('images/embedgravitybird.png');

type Resource = Record<string, unknown> & {
  asset_id: string;
  public_id: string;
  version: number;
  version_id?: string;
  url: string;
  secure_url: string;
  tags?: string[];
  derived?: Array<Record<string, unknown>>;
};
type Listing = { resources: Resource[]; next_cursor?: string };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let tiny: string;
let photo: Resource;
let bird: Resource;
const FOLDER_ID = "folder/sub dir/it's a bird (1)";

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  tiny = `data:image/png;base64,${png.toString('base64')}`;
  photo = (await cloudinary.uploader.upload(JPEG, {
    public_id: 'photo',
    tags: ['shared', 'photos'],
    context: { alt: 'A photo', caption: 'x=1|y' },
  })) as Resource;
  bird = (await cloudinary.uploader.upload(PNG, { public_id: FOLDER_ID, tags: ['shared', 'a b/c'] })) as Resource;
  await cloudinary.uploader.upload(tiny, { public_id: 'private-one', type: 'private', tags: ['shared'] });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const upload = (publicId: string, options: Record<string, unknown> = {}) =>
  cloudinary.uploader.upload(tiny, { public_id: publicId, ...options }) as Promise<Resource>;

/** Deletes an asset's catalog rows (derivatives and versions cascade), as a destroy would. */
async function deleteFromCatalog(publicId: string): Promise<void> {
  const result = await cluster.cluster.services.db
    .deleteFrom('assets')
    .where('cloud_name', '=', cluster.cloud)
    .where('resource_type', '=', 'image')
    .where('type', '=', 'upload')
    .where('public_id', '=', publicId)
    .executeTakeFirst();
  expect(Number(result.numDeletedRows)).toBe(1);
}

function basicAuth(secret = cluster.credentials.apiSecret): string {
  return `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${secret}`).toString('base64')}`;
}

describe('api.resource', () => {
  it("returns the resource JSON with tags, context and the upload's URLs", async () => {
    const resource = (await cloudinary.api.resource('photo')) as Resource;
    expect(resource).toMatchObject({
      asset_id: photo.asset_id,
      public_id: 'photo',
      format: 'jpg',
      version: photo.version,
      version_id: photo.version_id,
      resource_type: 'image',
      type: 'upload',
      created_at: photo.created_at,
      bytes: photo.bytes,
      width: photo.width,
      height: photo.height,
      asset_folder: '',
      display_name: 'photo',
      url: photo.url,
      secure_url: photo.secure_url,
      tags: ['shared', 'photos'],
      context: { custom: { alt: 'A photo', caption: 'x=1|y' } },
      etag: photo.etag,
      pages: 1,
      derived: [],
    });
    expect(Object.keys(resource).slice(0, 8)).toEqual(['asset_id', 'public_id', 'format', 'version', 'resource_type', 'type', 'created_at', 'bytes']);
    expect(resource).not.toHaveProperty('next_cursor');
  });

  it('finds a public_id with folders, a space and an apostrophe (one %2F-encoded path segment)', async () => {
    const resource = (await cloudinary.api.resource(FOLDER_ID)) as Resource;
    expect(resource).toMatchObject({ public_id: FOLDER_ID, asset_id: bird.asset_id, folder: 'folder/sub dir', url: bird.url, format: 'png' });
    // What the SDK sent: the whole id as one segment.
    const encoded = encodeURIComponent(FOLDER_ID).replace("'", '%27');
    expect(encoded).toContain('%2F');
    const plain = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image/upload/${encoded}`, { headers: { authorization: basicAuth() } });
    expect(plain.status).toBe(200);
    // A plain HTTP client leaving the slashes unencoded gets the same resource.
    const unencoded = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image/upload/folder/sub%20dir/it's%20a%20bird%20(1)`, {
      headers: { authorization: basicAuth() },
    });
    expect(unencoded.status).toBe(200);
    expect(((await unencoded.json()) as Resource).asset_id).toBe(bird.asset_id);
  });

  it("answers a missing asset with Cloudinary's 404", async () => {
    await expect(cloudinary.api.resource('folder/no such thing')).rejects.toMatchObject({
      error: { http_code: 404, message: 'Resource not found - folder/no such thing' },
    });
    const response = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image/upload/nope`, { headers: { authorization: basicAuth() } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { message: 'Resource not found - nope' } });
    // Right id, wrong type: not found either.
    await expect(cloudinary.api.resource('photo', { type: 'private' })).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('needs valid Basic credentials', async () => {
    const none = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image/upload/photo`);
    expect(none.status).toBe(401);
    const wrong = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image/upload/photo`, { headers: { authorization: basicAuth('not-the-secret') } });
    expect(wrong.status).toBe(401);
    const listing = await fetch(`${cluster.baseUrl}/v1_1/demo/resources/image`);
    expect(listing.status).toBe(401);
  });

  it('lists the derivatives an on-the-fly delivery made, paginated by max_results / derived_next_cursor', async () => {
    const delivered = [];
    for (const transformation of ['c_scale,w_50', 'c_fill,h_40,w_40']) {
      const response = await fetch(`${cluster.baseUrl}/demo/image/upload/${transformation}/v${photo.version}/photo.jpg`);
      expect(response.status).toBe(200);
      delivered.push({ transformation, bytes: (await response.arrayBuffer()).byteLength });
    }
    const resource = (await cloudinary.api.resource('photo')) as Resource;
    expect(resource.derived).toHaveLength(2);
    for (const { transformation, bytes } of delivered) {
      const item = resource.derived!.find((derived) => derived.transformation === transformation);
      expect(item).toMatchObject({
        transformation,
        format: 'jpg',
        bytes,
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        url: `${cluster.baseUrl}/demo/image/upload/${transformation}/v${photo.version}/photo.jpg`,
      });
      expect(String(item!.secure_url)).toMatch(new RegExp(`/demo/image/upload/${transformation}/v${photo.version}/photo\\.jpg$`));
      const again = await fetch(String(item!.url));
      expect((await again.arrayBuffer()).byteLength).toBe(bytes);
    }
    const first = (await cloudinary.api.resource('photo', { max_results: 1 })) as Resource & { next_cursor?: string };
    expect(first.derived).toHaveLength(1);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await cloudinary.api.resource('photo', { max_results: 1, derived_next_cursor: first.next_cursor })) as Resource & {
      next_cursor?: string;
    };
    expect(second.derived).toHaveLength(1);
    expect(second.next_cursor).toBeUndefined();
    expect(new Set([first.derived![0]!.id, second.derived![0]!.id]).size).toBe(2);
  });

  it('lists versions when asked', async () => {
    const resource = (await cloudinary.api.resource('photo', { versions: true })) as Resource & { versions: Array<Record<string, unknown>> };
    expect(resource.versions).toEqual([
      { version_id: photo.version_id, version: String(photo.version), format: 'jpg', size: photo.bytes, time: photo.created_at, restorable: true },
    ]);
    expect(await cloudinary.api.resource('photo')).not.toHaveProperty('versions');
  });
});

describe('api.resources', () => {
  it('lists by type and prefix, with tags and context only when asked', async () => {
    const listing = (await cloudinary.api.resources({ type: 'upload', prefix: 'folder/' })) as Listing;
    expect(listing.resources.map((resource) => resource.public_id)).toEqual([FOLDER_ID]);
    expect(listing).not.toHaveProperty('next_cursor');
    const [item] = listing.resources;
    expect(item).toEqual({
      asset_id: bird.asset_id,
      public_id: FOLDER_ID,
      format: 'png',
      version: bird.version,
      resource_type: 'image',
      type: 'upload',
      created_at: bird.created_at,
      bytes: bird.bytes,
      width: bird.width,
      height: bird.height,
      folder: 'folder/sub dir',
      // The id's path files it there (no folder was named at upload).
      asset_folder: 'folder/sub dir',
      display_name: bird.display_name,
      url: bird.url,
      secure_url: bird.secure_url,
    });
    const withMeta = (await cloudinary.api.resources({ type: 'upload', prefix: 'pho', tags: true, context: true })) as Listing;
    expect(withMeta.resources).toEqual([
      expect.objectContaining({ public_id: 'photo', tags: ['shared', 'photos'], context: { custom: { alt: 'A photo', caption: 'x=1|y' } } }),
    ]);
    const fields = (await cloudinary.api.resources({ type: 'upload', prefix: 'pho', fields: 'tags,bytes' })) as Listing;
    // folder always comes with asset_id and public_id, as the SDK's own api_spec expects of `fields`.
    expect(fields.resources).toEqual([{ asset_id: photo.asset_id, public_id: 'photo', folder: '', bytes: photo.bytes, tags: ['shared', 'photos'] }]);
  });

  it('takes the prefix literally (no LIKE wildcards)', async () => {
    await upload('pct_x');
    await upload('pctAx');
    const listing = (await cloudinary.api.resources({ type: 'upload', prefix: 'pct_' })) as Listing;
    expect(listing.resources.map((resource) => resource.public_id)).toEqual(['pct_x']);
  });

  it('lists every delivery type without a type, and one type with it', async () => {
    const all = (await cloudinary.api.resources({ max_results: 500 })) as Listing;
    expect(all.resources.map((resource) => resource.public_id)).toEqual(expect.arrayContaining(['photo', 'private-one']));
    const privateOnly = (await cloudinary.api.resources({ type: 'private' })) as Listing;
    expect(privateOnly.resources.map((resource) => [resource.public_id, resource.type])).toEqual([['private-one', 'private']]);
    expect(privateOnly.resources[0]!.url).toContain('/demo/image/private/');
    const raw = (await cloudinary.api.resources({ resource_type: 'raw' })) as Listing;
    expect(raw.resources).toEqual([]);
  });

  it('refuses a bad max_results, cursor or resource type with a 400', async () => {
    for (const max_results of [0, 501, 'abc', -1]) {
      await expect(cloudinary.api.resources({ max_results })).rejects.toMatchObject({
        error: { http_code: 400, message: expect.stringContaining('max_results') },
      });
    }
    await expect(cloudinary.api.resources({ next_cursor: 'not-a-cursor' })).rejects.toMatchObject({
      error: { http_code: 400, message: expect.stringContaining('next_cursor') },
    });
    await expect(cloudinary.api.resources({ resource_type: 'pdf' })).rejects.toMatchObject({ error: { http_code: 400 } });
    await expect(cloudinary.api.resources({ max_results: 500 })).resolves.toHaveProperty('resources');
  });

  it('walks pages that stay correct while assets are added and deleted between fetches', async () => {
    // 20 originals page/a00, page/a02 … page/a38 (byte order = numeric order).
    const originals = Array.from({ length: 20 }, (_, index) => `page/a${String(index * 2).padStart(2, '0')}`);
    for (let start = 0; start < originals.length; start += 5) {
      await Promise.all(originals.slice(start, start + 5).map((publicId) => upload(publicId)));
    }

    const seen: string[] = [];
    const deletedUnseen = new Set<string>();
    const insertedBehind: string[] = [];
    const insertedAhead: string[] = [];
    let cursor: string | undefined;
    let round = 0;
    do {
      const page = (await cloudinary.api.resources({
        type: 'upload',
        prefix: 'page/',
        max_results: 3,
        ...(cursor ? { next_cursor: cursor } : {}),
      })) as Listing;
      expect(page.resources.length).toBeLessThanOrEqual(3);
      seen.push(...page.resources.map((resource) => resource.public_id));
      cursor = page.next_cursor;
      if (!cursor) break;
      expect(page.resources).toHaveLength(3);
      round += 1;

      // Between fetches (for the first rounds): one insert behind the cursor, one just after it,
      // one at the end; the row the cursor points at goes; and a not-yet-seen original goes (the
      // next one on odd rounds, a later one on even rounds).
      const last = seen.at(-1)!;
      if (round <= 8) {
        const inserts = [`page/_before-${round}`, `${last}-next-${round}`, `page/z-after-${String(round).padStart(2, '0')}`];
        for (const publicId of inserts) (Buffer.compare(Buffer.from(publicId), Buffer.from(last)) > 0 ? insertedAhead : insertedBehind).push(publicId);
        await Promise.all(inserts.map((publicId) => upload(publicId)));
      }
      const unseen = originals.filter((publicId) => !seen.includes(publicId) && !deletedUnseen.has(publicId));
      const victim = round % 2 === 1 ? unseen[0] : unseen[2];
      if (originals.includes(last)) await deleteFromCatalog(last);
      if (victim) {
        await deleteFromCatalog(victim);
        deletedUnseen.add(victim);
      }
    } while (round < 50);

    expect(round).toBeGreaterThan(4);
    expect(deletedUnseen.size).toBeGreaterThan(3);
    // No asset twice, and the walk is in byte order.
    expect(new Set(seen).size).toBe(seen.length);
    const sorted = [...seen].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(seen).toEqual(sorted);
    // Every original that was not deleted before its turn appears exactly once.
    for (const publicId of originals) {
      expect(seen.filter((id) => id === publicId)).toHaveLength(deletedUnseen.has(publicId) ? 0 : 1);
    }
    // Rows added behind the cursor are not revisited; rows added ahead of it are found.
    expect(insertedBehind.length).toBeGreaterThanOrEqual(8);
    expect(insertedAhead.length).toBeGreaterThanOrEqual(16);
    for (const publicId of insertedBehind) expect(seen).not.toContain(publicId);
    for (const publicId of insertedAhead) expect(seen.filter((id) => id === publicId)).toHaveLength(1);
  }, 120_000);

  it('walks a prefix in public_id order whatever the direction (Cloudinary ignores it with a prefix)', async () => {
    const forward = (await cloudinary.api.resources({ type: 'upload', prefix: 'pct', max_results: 500 })) as Listing;
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await cloudinary.api.resources({
        type: 'upload',
        prefix: 'pct',
        direction: 'desc',
        max_results: 1,
        ...(cursor ? { next_cursor: cursor } : {}),
      })) as Listing;
      pages.push(...page.resources.map((resource) => resource.public_id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages).toEqual(forward.resources.map((resource) => resource.public_id));
  });
});

describe('api.resources_by_tag', () => {
  it('lists the assets carrying a tag, paginated', async () => {
    const listing = (await cloudinary.api.resources_by_tag('shared', { tags: true })) as Listing;
    // Every type: the tag listing's path has no type. Newest first.
    expect(listing.resources.map((resource) => resource.public_id)).toEqual(['private-one', FOLDER_ID, 'photo']);
    expect(listing.resources[2]!.tags).toEqual(['shared', 'photos']);
    const first = (await cloudinary.api.resources_by_tag('shared', { max_results: 2 })) as Listing;
    expect(first.resources).toHaveLength(2);
    expect(first.resources[0]).not.toHaveProperty('tags');
    const second = (await cloudinary.api.resources_by_tag('shared', { max_results: 2, next_cursor: first.next_cursor })) as Listing;
    expect(second.resources.map((resource) => resource.public_id)).toEqual(['photo']);
    expect(second).not.toHaveProperty('next_cursor');
  });

  it('takes a tag with a space and a slash as one path segment, and finds nothing for an unknown tag', async () => {
    const listing = (await cloudinary.api.resources_by_tag('a b/c')) as Listing;
    expect(listing.resources.map((resource) => resource.public_id)).toEqual([FOLDER_ID]);
    expect(await cloudinary.api.resources_by_tag('no-such-tag')).toEqual({ resources: [] });
  });
});

describe('api.resources_by_ids', () => {
  it('returns the existing ones in the order asked', async () => {
    const listing = (await cloudinary.api.resources_by_ids([FOLDER_ID, 'missing', 'photo', 'photo'], { context: true })) as Listing;
    expect(listing.resources.map((resource) => resource.public_id)).toEqual([FOLDER_ID, 'photo']);
    expect(listing.resources[1]!.context).toEqual({ custom: { alt: 'A photo', caption: 'x=1|y' } });
    expect(listing).not.toHaveProperty('next_cursor');
    const single = (await cloudinary.api.resources_by_ids(['photo'])) as Listing;
    expect(single.resources.map((resource) => resource.asset_id)).toEqual([photo.asset_id]);
    const privateType = (await cloudinary.api.resources_by_ids(['private-one', 'photo'], { type: 'private' })) as Listing;
    expect(privateType.resources.map((resource) => resource.public_id)).toEqual(['private-one']);
  });

  it('refuses more than 100 public_ids', async () => {
    const ids = Array.from({ length: 101 }, (_, index) => `id-${index}`);
    await expect(cloudinary.api.resources_by_ids(ids)).rejects.toMatchObject({ error: { http_code: 400 } });
  });
});

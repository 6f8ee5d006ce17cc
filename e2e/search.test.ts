import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The Search API (docs/search.md) through the official Node SDK: cloudinary.v2.search (expressions,
// sort_by, max_results with next_cursor, with_field, fields, aggregate) and cloudinary.v2.search_folders,
// and its refusals as Cloudinary-shaped 400s.

type Item = Record<string, unknown> & { public_id: string; asset_id: string };
type SearchAnswer = {
  total_count: number;
  time: number;
  resources: Item[];
  next_cursor?: string;
  aggregations?: Record<string, Record<string, number>>;
};
type FolderAnswer = { total_count: number; time: number; folders: Array<Record<string, unknown>>; next_cursor?: string };

/** The SDK's Search builder (lib/v2/search.js): each call returns the builder, execute() posts the JSON. */
interface SearchBuilder<Answer> {
  expression(value: string): SearchBuilder<Answer>;
  sort_by(field: string, direction?: string): SearchBuilder<Answer>;
  max_results(value: number): SearchBuilder<Answer>;
  next_cursor(value: string): SearchBuilder<Answer>;
  with_field(value: string | string[]): SearchBuilder<Answer>;
  fields(value: string | string[]): SearchBuilder<Answer>;
  aggregate(value: unknown): SearchBuilder<Answer>;
  execute(): Promise<Answer>;
}
type SdkWithSearch = CloudinarySdk & { search: SearchBuilder<SearchAnswer>; search_folders: SearchBuilder<FolderAnswer> };

const TAG = 'e2e_search';

let cluster: TestCluster;
let cloudinary: SdkWithSearch;

async function image(width: number, height: number, format: 'png' | 'jpeg'): Promise<string> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#3366cc' } })
    .toFormat(format)
    .toBuffer();
  return `data:image/${format};base64,${bytes.toString('base64')}`;
}

const UPLOADS: Array<{ publicId: string; width: number; height: number; format?: 'jpeg'; options: Record<string, unknown> }> = [
  {
    publicId: 'shop/shirts/blue_shirt',
    width: 40,
    height: 30,
    options: { tags: [TAG, 'shirt', 'Blue Sky'], context: { alt: 'A blue shirt', photographer: 'alice' }, asset_folder: 'shop/shirts' },
  },
  {
    publicId: 'shop/shirts/red_shirt',
    width: 80,
    height: 40,
    options: { tags: [TAG, 'shirt'], context: { photographer: 'bob' }, asset_folder: 'shop/shirts' },
  },
  { publicId: 'shop/shoes/runner', width: 20, height: 20, options: { tags: [TAG, 'shoes'], asset_folder: 'shop/shoes' } },
  { publicId: 'cats/kitten', width: 10, height: 10, options: { tags: [TAG, 'cat'], context: { alt: 'Sleepy kitten' } } },
  { publicId: 'cats/tabby', width: 12, height: 16, format: 'jpeg', options: { tags: [TAG, 'cat'] } },
];

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster) as SdkWithSearch;
  for (const upload of UPLOADS) {
    await cloudinary.uploader.upload(await image(upload.width, upload.height, upload.format ?? 'png'), {
      public_id: upload.publicId,
      ...upload.options,
    });
  }
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

const ids = (answer: SearchAnswer) => answer.resources.map((item) => item.public_id);

describe('cloudinary.v2.search', () => {
  it('finds assets by expression, newest first by default, counted', async () => {
    const answer = await cloudinary.search.expression(`tags=${TAG} AND tags:shirt`).execute();
    expect(answer.total_count).toBe(2);
    expect(typeof answer.time).toBe('number');
    expect(ids(answer)).toEqual(['shop/shirts/red_shirt', 'shop/shirts/blue_shirt']);
    expect(answer.next_cursor).toBeUndefined();
    expect(answer.resources[1]).toMatchObject({
      public_id: 'shop/shirts/blue_shirt',
      resource_type: 'image',
      type: 'upload',
      format: 'png',
      width: 40,
      height: 30,
      aspect_ratio: 1.33333,
      pixels: 1200,
      folder: 'shop/shirts',
      asset_folder: 'shop/shirts',
      filename: 'blue_shirt',
      status: 'active',
      access_mode: 'public',
    });
    expect(answer.resources[1]!.secure_url).toMatch(new RegExp(`/${cluster.cloud}/image/upload/v\\d+/shop/shirts/blue_shirt\\.png$`));
    // Without with_field, neither tags nor context.
    expect(answer.resources[1]).not.toHaveProperty('tags');
    expect(answer.resources[1]).not.toHaveProperty('context');
  });

  it.each([
    ['public_id:shop/*', ['shop/shirts/blue_shirt', 'shop/shirts/red_shirt', 'shop/shoes/runner']],
    ['folder=cats', ['cats/kitten', 'cats/tabby']],
    ['asset_folder:shop/*', ['shop/shirts/blue_shirt', 'shop/shirts/red_shirt', 'shop/shoes/runner']],
    ['tags:sky', ['shop/shirts/blue_shirt']],
    ['tags:ca*', ['cats/kitten', 'cats/tabby']],
    ['context.photographer=bob', ['shop/shirts/red_shirt']],
    ['context.alt:kitten', ['cats/kitten']],
    ['format:jpg', ['cats/tabby']],
    ['width>=40', ['shop/shirts/blue_shirt', 'shop/shirts/red_shirt']],
    ['width:[10 TO 12]', ['cats/kitten', 'cats/tabby']],
    ['pixels<200 AND resource_type:image', ['cats/kitten', 'cats/tabby']],
    ['aspect_ratio>1.5', ['shop/shirts/red_shirt']],
    ['created_at>1d AND uploaded_at<1d', []],
    [`tags=${TAG} AND NOT tags=cat -tags:shoes`, ['shop/shirts/blue_shirt', 'shop/shirts/red_shirt']],
    ['tags=shoes OR tags=cat', ['cats/kitten', 'cats/tabby', 'shop/shoes/runner']],
    ['kitten', ['cats/kitten']],
    ['alice', ['shop/shirts/blue_shirt']],
  ])('%s', async (expression, expected) => {
    const answer = await cloudinary.search.expression(expression).sort_by('public_id', 'asc').execute();
    expect(ids(answer)).toEqual(expected);
    expect(answer.total_count).toBe(expected.length);
  });

  it('sorts by several keys and walks the pages with next_cursor, each asset once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      let search = cloudinary.search.expression(`tags=${TAG}`).sort_by('width', 'desc').sort_by('public_id', 'asc').max_results(2);
      if (cursor) search = search.next_cursor(cursor);
      const answer = await search.execute();
      expect(answer.total_count).toBe(UPLOADS.length);
      seen.push(...ids(answer));
      cursor = answer.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(['shop/shirts/red_shirt', 'shop/shirts/blue_shirt', 'shop/shoes/runner', 'cats/tabby', 'cats/kitten']);
  });

  it('adds tags and context with with_field', async () => {
    const answer = await cloudinary.search.expression('public_id=shop/shirts/blue_shirt').with_field('tags').with_field('context').execute();
    expect(answer.resources[0]).toMatchObject({ tags: [TAG, 'shirt', 'Blue Sky'], context: { alt: 'A blue shirt', photographer: 'alice' } });
  });

  it('keeps only the asked fields (and those Cloudinary always returns) with fields', async () => {
    const answer = await cloudinary.search.expression('public_id=cats/kitten').fields(['tags', 'width']).execute();
    expect(answer.resources[0]).toEqual({
      asset_id: expect.any(String),
      public_id: 'cats/kitten',
      folder: 'cats',
      resource_type: 'image',
      type: 'upload',
      created_at: expect.any(String),
      width: 10,
      status: 'active',
      tags: [TAG, 'cat'],
    });
  });

  it('counts formats, resource types and byte ranges with aggregate', async () => {
    const answer = await cloudinary.search
      .expression(`tags=${TAG}`)
      .aggregate('format')
      .aggregate('resource_type')
      .aggregate({
        type: 'bytes',
        ranges: [
          { key: 'small', to: 1_000_000 },
          { key: 'large', from: 1_000_000 },
        ],
      })
      .max_results(1)
      .execute();
    expect(answer.aggregations).toEqual({ format: { png: 4, jpg: 1 }, resource_type: { image: 5 }, bytes: { small: 5, large: 0 } });
    expect(answer.resources).toHaveLength(1);
  });

  it('refuses a bad expression with a 400 naming the problem', async () => {
    const refusal = await sdkRefusal(cloudinary.search.expression('tags:(cat OR dog').execute());
    expect(refusal).toMatchObject({ http_code: 400, message: "Invalid search expression: missing ')' for the '(' at character 6" });
    const unknown = await sdkRefusal(cloudinary.search.expression('colour:red').execute());
    expect(unknown).toMatchObject({ http_code: 400, message: "Invalid search expression: unknown field 'colour'" });
  });

  it('refuses bad parameters with a 400 naming the parameter', async () => {
    expect(await sdkRefusal(cloudinary.search.max_results(501).execute())).toMatchObject({
      http_code: 400,
      message: "Invalid value '501' for parameter max_results: expected an integer from 1 to 500",
    });
    expect(await sdkRefusal(cloudinary.search.sort_by('colour', 'asc').execute())).toMatchObject({
      http_code: 400,
      message: "Invalid value 'colour' for parameter sort_by: not a field search results can be sorted by",
    });
    expect(await sdkRefusal(cloudinary.search.aggregate('colour').execute())).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(cloudinary.search.next_cursor('not-a-cursor').execute())).toMatchObject({
      http_code: 400,
      message: "Invalid value 'not-a-cursor' for parameter next_cursor: not a cursor of a search with this sort_by",
    });
    // A cursor is bound to the sort it was made with.
    const first = await cloudinary.search.expression(`tags=${TAG}`).max_results(1).execute();
    const refusal = await sdkRefusal(cloudinary.search.expression(`tags=${TAG}`).sort_by('public_id', 'asc').next_cursor(first.next_cursor!).execute());
    expect(refusal).toMatchObject({ http_code: 400 });
  });
});

describe('cloudinary.v2.search_folders', () => {
  it('finds the asset folders and their parents by name and path', async () => {
    const all = await cloudinary.search_folders.expression('path:shop/*').execute();
    expect(all.total_count).toBe(3);
    expect(all.folders.map((folder) => folder.path)).toEqual(['shop', 'shop/shirts', 'shop/shoes']);
    expect(all.folders[1]).toEqual({
      name: 'shirts',
      path: 'shop/shirts',
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      external_id: expect.any(String),
    });
    const named = await cloudinary.search_folders.expression('name:sho*').execute();
    expect(named.folders.map((folder) => folder.path)).toEqual(['shop', 'shop/shoes']);
    // `cats` too: the cats' public_id path files them there (no folder was named at upload).
    const paged = await cloudinary.search_folders.max_results(3).execute();
    expect(paged.folders.map((folder) => folder.path)).toEqual(['cats', 'shop', 'shop/shirts']);
    const rest = await cloudinary.search_folders.max_results(3).next_cursor(paged.next_cursor!).execute();
    expect(rest.folders.map((folder) => folder.path)).toEqual(['shop/shoes']);
  });

  it('refuses an asset field in a folder expression', async () => {
    expect(await sdkRefusal(cloudinary.search_folders.expression('tags:cat').execute())).toMatchObject({
      http_code: 400,
      message: "Invalid search expression: unknown field 'tags'",
    });
  });
});

describe('resources/search over plain HTTP', () => {
  const url = () => `${cluster.baseUrl}/v1_1/${cluster.cloud}/resources/search`;
  const basic = () => `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;

  async function answer(response: Response): Promise<{ status: number; body: Record<string, unknown> }> {
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('takes the parameters from a GET query string', async () => {
    const query = new URLSearchParams({ expression: 'tags=cat', sort_by: 'public_id:desc', max_results: '1' });
    const { status, body } = await answer(await fetch(`${url()}?${query}`, { headers: { authorization: basic() } }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ total_count: 2, resources: [{ public_id: 'cats/tabby' }], next_cursor: expect.any(String) });
  });

  it('needs Basic credentials', async () => {
    const { status, body } = await answer(await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect(status).toBe(401);
    expect(body).toEqual({ error: { message: 'The Admin API needs Basic authentication' } });
  });

  it('answers a malformed body or a wrongly typed parameter with a 400', async () => {
    const post = (body: string) => fetch(url(), { method: 'POST', headers: { authorization: basic(), 'content-type': 'application/json' }, body });
    const broken = await answer(await post('{"expression": '));
    expect(broken.status).toBe(400);
    expect(broken.body).toHaveProperty('error.message');
    const typed = await answer(await post('{"expression": ["tags:cat"]}'));
    expect(typed).toEqual({ status: 400, body: { error: { message: `Invalid value '["tags:cat"]' for parameter expression: expected a string` } } });
    const array = await answer(await post('[1]'));
    expect(array.status).toBe(400);
  });
});

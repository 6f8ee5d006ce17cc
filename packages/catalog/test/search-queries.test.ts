import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectCatalog,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  explainAssetSearch,
  migrateToLatest,
  runSearchStatement,
  searchAssets,
  searchFolders,
  type AssetSearchQuery,
  type CatalogDb,
  type SearchSortKey,
} from '@rendition/catalog';
import { FOLDER_SEARCH_FIELDS, parseSearchExpression } from '@rendition/protocol';
import { createTestDatabaseUrl } from '@rendition/testing';

// The Search API's SQL (search-sql.ts, search-sort.ts, search-queries.ts) on a real PostgreSQL: which
// rows each kind of term matches, NOT over missing values, sort orders walked page by page through
// their keys, counts, aggregations, folders, and the indexes the plans use.

const CLOUD = 'searchcloud';
const NOW = new Date('2026-06-15T12:00:00.000Z');

let databaseUrl: string;
let db: CatalogDb;

interface Seed {
  publicId: string;
  resourceType?: 'image' | 'video' | 'raw';
  type?: string;
  format?: string | null;
  bytes?: number;
  width?: number | null;
  height?: number | null;
  pages?: number | null;
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Record<string, string | number | string[]>;
  assetFolder?: string;
  displayName?: string;
  createdAt?: string;
  duration?: number;
  moderationStatus?: string | null;
  cloud?: string;
}

const SEEDS: Seed[] = [
  {
    publicId: 'products/shirt_blue',
    format: 'jpg',
    bytes: 120_000,
    width: 800,
    height: 600,
    tags: ['shirt', 'Blue Sky'],
    context: { photographer: 'Alice Smith', alt: 'a blue shirt' },
    assetFolder: 'shop/shirts',
    createdAt: '2026-06-14T10:00:00Z',
    metadata: { priority: 5, color: ['red', 'blue'], launch: '2026-01-10' },
  },
  {
    publicId: 'products/shirt_red',
    format: 'png',
    bytes: 2_500_000,
    width: 1600,
    height: 900,
    tags: ['shirt', 'red'],
    context: { photographer: 'bob' },
    assetFolder: 'shop/shirts',
    createdAt: '2026-06-10T10:00:00Z',
    metadata: { priority: 2, color: ['red'] },
  },
  {
    publicId: 'products/shoes/runner',
    format: 'jpg',
    bytes: 45_000,
    width: 400,
    height: 400,
    tags: ['shoes', 'cat'],
    assetFolder: 'shop/shoes',
    createdAt: '2026-05-01T08:00:00Z',
    metadata: { launch: '2025-11-02' },
  },
  {
    publicId: 'products/shoes/boot',
    format: 'webp',
    bytes: 900_000,
    width: 1000,
    height: 1500,
    tags: ['shoes'],
    assetFolder: 'shop/shoes',
    createdAt: '2026-05-01T20:00:00Z',
    moderationStatus: 'approved',
  },
  {
    publicId: 'cats/kitten',
    format: 'jpg',
    bytes: 30_000,
    width: 100,
    height: 100,
    tags: ['cat', 'kitten'],
    context: { alt: 'Sleepy kitten' },
    createdAt: '2025-12-01T00:00:00Z',
    moderationStatus: 'rejected',
    displayName: 'Sleepy Kitten',
  },
  { publicId: 'cats/catalog_cover', format: 'png', bytes: 3_000_000, width: 3000, height: 2000, tags: ['catalog'], createdAt: '2024-02-29T12:00:00Z' },
  { publicId: 'root_image', format: 'gif', bytes: 10_000, width: 50, height: 50, tags: [], createdAt: '2026-06-15T11:00:00Z' },
  {
    publicId: 'clips/intro',
    resourceType: 'video',
    format: 'mp4',
    bytes: 12_000_000,
    width: 1920,
    height: 1080,
    pages: 0,
    duration: 95.5,
    tags: ['intro'],
    createdAt: '2026-06-01T00:00:00Z',
  },
  {
    publicId: 'clips/sound',
    resourceType: 'video',
    format: 'mp3',
    bytes: 800_000,
    width: null,
    height: null,
    duration: 12.25,
    tags: [],
    createdAt: '2026-03-01T00:00:00Z',
  },
  {
    publicId: 'docs/manual.pdf',
    resourceType: 'raw',
    format: null,
    bytes: 70_000,
    width: null,
    height: null,
    tags: ['manual'],
    createdAt: '2026-04-01T00:00:00Z',
  },
  {
    publicId: 'private/shirt_secret',
    type: 'authenticated',
    format: 'jpg',
    bytes: 5_000,
    width: 10,
    height: 20,
    tags: ['shirt'],
    createdAt: '2026-06-12T00:00:00Z',
  },
  {
    publicId: 'tricky/100%_pure',
    format: 'jpg',
    bytes: 1,
    width: 1,
    height: 1,
    tags: ["o'hara", '50%'],
    context: { 'odd key': "it's" },
    createdAt: '2026-01-01T00:00:00Z',
  },
  // Another cloud's assets never show.
  {
    publicId: 'products/shirt_blue',
    cloud: 'othercloud',
    format: 'jpg',
    bytes: 1,
    width: 1,
    height: 1,
    tags: ['shirt'],
    createdAt: '2026-06-14T00:00:00Z',
  },
];

function hex(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

async function insert(seed: Seed): Promise<void> {
  const cloud = seed.cloud ?? CLOUD;
  const assetId = hex(`${cloud}/${seed.publicId}`);
  const media = seed.duration === undefined ? null : JSON.stringify({ duration: seed.duration, bit_rate: 1000 });
  await sql`
    INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, width, height, pages,
      bytes, etag, content_type, storage_key, tags, context, metadata, asset_folder, display_name, created_at, media, moderation_status)
    VALUES (${assetId}, ${cloud}, ${seed.resourceType ?? 'image'}, ${seed.type ?? 'upload'}, ${seed.publicId}, 1, ${hex(`v/${assetId}`)},
      ${seed.format === undefined ? 'jpg' : seed.format}, ${seed.width === undefined ? 10 : seed.width}, ${seed.height === undefined ? 10 : seed.height},
      ${seed.pages ?? null}, ${seed.bytes ?? 1}, ${hex(`e/${assetId}`)}, 'application/octet-stream', ${`k/${assetId}`}, ${seed.tags ?? []},
      ${JSON.stringify(seed.context ?? {})}::jsonb, ${JSON.stringify(seed.metadata ?? {})}::jsonb, ${seed.assetFolder ?? ''},
      ${seed.displayName ?? seed.publicId.split('/').at(-1)}, ${seed.createdAt ?? '2026-01-01T00:00:00Z'}, ${media}::json, ${seed.moderationStatus ?? null})`.execute(
    db,
  );
}

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('search-queries');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  await ensureCloud(db, CLOUD);
  await ensureCloud(db, 'othercloud');
  for (const seed of SEEDS) await insert(seed);
  await sql`INSERT INTO folders (cloud_name, path, name, created_at) VALUES (${CLOUD}, 'archive', 'archive', '2023-01-01T00:00:00Z'),
    (${CLOUD}, 'archive/2019', '2019', '2023-01-02T00:00:00Z')`.execute(db);
}, 60_000);

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

function query(expression: string | undefined, extra: Partial<AssetSearchQuery> = {}): AssetSearchQuery {
  const parsed = expression === undefined ? undefined : parseSearchExpression(expression);
  return { cloudName: CLOUD, now: NOW, sort: [], maxResults: 100, ...(parsed ? { expression: parsed } : {}), ...extra };
}

async function ids(expression: string | undefined, extra: Partial<AssetSearchQuery> = {}): Promise<string[]> {
  const result = await searchAssets(db, query(expression, extra));
  expect(result.totalCount).toBe(result.assets.length);
  return result.assets.map((asset) => asset.publicId).sort();
}

describe('searchAssets: which assets each term matches', () => {
  const cases: Array<[expression: string, expected: string[]]> = [
    // tags: `=` a whole tag, case-sensitive; `:` its words, any case; a prefix of a whole tag
    ['tags=shirt', ['private/shirt_secret', 'products/shirt_blue', 'products/shirt_red']],
    ['tags=Shirt', []],
    ['tags:SHIRT', ['private/shirt_secret', 'products/shirt_blue', 'products/shirt_red']],
    ['tags:sky', ['products/shirt_blue']],
    ['tags:"blue sky"', ['products/shirt_blue']],
    ['tags:"sky red"', []],
    ['tags:cat*', ['cats/catalog_cover', 'cats/kitten', 'products/shoes/runner']],
    ['tags:*', SEEDS.filter((seed) => !seed.cloud && (seed.tags ?? []).length > 0).map((seed) => seed.publicId)],
    // public_id: exact, words, prefix (wildcard)
    ['public_id=products/shirt_red', ['products/shirt_red']],
    ['public_id:shirt', ['private/shirt_secret', 'products/shirt_blue', 'products/shirt_red']],
    ['public_id:products/*', ['products/shirt_blue', 'products/shirt_red', 'products/shoes/boot', 'products/shoes/runner']],
    ['public_id:products/shoes/*', ['products/shoes/boot', 'products/shoes/runner']],
    ['public_id:"tricky/100%*"', ['tricky/100%_pure']],
    ['public_id:"tricky/100_*"', []],
    ['filename=runner', ['products/shoes/runner']],
    ['filename:shirt', ['private/shirt_secret', 'products/shirt_blue', 'products/shirt_red']],
    ['filename:shoes', []],
    ['filename:sh*', ['private/shirt_secret', 'products/shirt_blue', 'products/shirt_red']],
    ['display_name:sleepy', ['cats/kitten']],
    // folders: the public_id's folder; a/* is a and everything under it
    ['folder=products', ['products/shirt_blue', 'products/shirt_red']],
    ['folder:products/*', ['products/shirt_blue', 'products/shirt_red', 'products/shoes/boot', 'products/shoes/runner']],
    ['folder:prod*', ['products/shirt_blue', 'products/shirt_red', 'products/shoes/boot', 'products/shoes/runner']],
    ['folder=""', ['root_image']],
    ['asset_folder=shop/shoes', ['products/shoes/boot', 'products/shoes/runner']],
    ['asset_folder:shop/*', ['products/shirt_blue', 'products/shirt_red', 'products/shoes/boot', 'products/shoes/runner']],
    // enumerations
    ['resource_type:video', ['clips/intro', 'clips/sound']],
    ['type:authenticated', ['private/shirt_secret']],
    ['format:JPG AND tags:shirt', ['private/shirt_secret', 'products/shirt_blue']],
    ['format:*', SEEDS.filter((seed) => !seed.cloud && seed.format !== null).map((seed) => seed.publicId)],
    ['moderation_status:approved', ['products/shoes/boot']],
    ['status:active AND tags=kitten', ['cats/kitten']],
    ['status:deleted', []],
    // numbers: comparisons, ranges, sizes, ratios
    ['bytes>1mb', ['cats/catalog_cover', 'clips/intro', 'products/shirt_red']],
    ['bytes>=2500000 AND bytes<3000000', ['products/shirt_red']],
    ['width:[100 TO 800]', ['cats/kitten', 'products/shirt_blue', 'products/shoes/runner']],
    ['width:{100 TO 800}', ['products/shoes/runner']],
    ['width:[1600 TO *]', ['cats/catalog_cover', 'clips/intro', 'products/shirt_red']],
    ['width=400', ['products/shoes/runner']],
    ['width>399.5 AND width<400.5', ['products/shoes/runner']],
    ['height<=20 AND height>=20', ['private/shirt_secret']],
    ['aspect_ratio>"16:10"', ['clips/intro', 'products/shirt_red']],
    ['aspect_ratio=1.5', ['cats/catalog_cover']],
    ['pixels>=3000000', ['cats/catalog_cover']],
    ['duration>60', ['clips/intro']],
    ['duration:[10 TO 20]', ['clips/sound']],
    ['duration:*', ['clips/intro', 'clips/sound']],
    ['pages=0', ['clips/intro']],
    // dates: relative (against NOW), a whole day, absolute ranges
    ['created_at>1w', ['private/shirt_secret', 'products/shirt_blue', 'products/shirt_red', 'root_image']],
    ['uploaded_at>2h', ['root_image']],
    ['created_at<1y', ['cats/catalog_cover']],
    ['created_at<2y AND created_at>1y', []],
    ['created_at:2026-05-01', ['products/shoes/boot', 'products/shoes/runner']],
    ['created_at:[2026-05-01T12:00:00Z TO 2026-06-01T00:00:00Z]', ['clips/intro', 'products/shoes/boot']],
    ['created_at<2024-03-01', ['cats/catalog_cover']],
    // context: exact value, words, presence; keys with odd characters
    ['context.photographer="Alice Smith"', ['products/shirt_blue']],
    ['context.photographer=alice', []],
    ['context.photographer:alice', ['products/shirt_blue']],
    ['context.photographer:bo*', ['products/shirt_red']],
    ['context.alt:*', ['cats/kitten', 'products/shirt_blue']],
    ['context.alt:kitten', ['cats/kitten']],
    ['context.odd\\ key="it\'s"', ['tricky/100%_pure']],
    // metadata: numbers, sets, dates as text
    ['metadata.priority>3', ['products/shirt_blue']],
    ['metadata.priority:[1 TO 5]', ['products/shirt_blue', 'products/shirt_red']],
    ['metadata.priority=2', ['products/shirt_red']],
    ['metadata.color=red', ['products/shirt_blue', 'products/shirt_red']],
    ['metadata.color=blue', ['products/shirt_blue']],
    ['metadata.launch>2026-01-01', ['products/shirt_blue']],
    ['metadata.launch:*', ['products/shirt_blue', 'products/shoes/runner']],
    // bare words: words of public_id, tags and context values; prefixes
    ['kitten', ['cats/kitten']],
    ['sleepy', ['cats/kitten']],
    ['alice', ['products/shirt_blue']],
    ['manual', ['docs/manual.pdf']],
    ['Catal*', []],
    ['catal*', ['cats/catalog_cover']],
    ['"50%"', ['tricky/100%_pure']],
    // boolean structure
    ['tags=shirt AND NOT format:png', ['private/shirt_secret', 'products/shirt_blue']],
    ['tags=shirt -type:upload', ['private/shirt_secret']],
    ['tags=kitten OR tags=intro || tags=manual', ['cats/kitten', 'clips/intro', 'docs/manual.pdf']],
    ['(tags=kitten OR tags=intro) AND bytes<1mb', ['cats/kitten']],
    ['tags:(kitten OR manual)', ['cats/kitten', 'docs/manual.pdf']],
    ['NOT NOT tags=manual', ['docs/manual.pdf']],
    // a missing value matches NOT: raw and audio have no width
    ['NOT width>10', ['clips/sound', 'docs/manual.pdf', 'private/shirt_secret', 'tricky/100%_pure']],
    ['NOT context.alt:*', SEEDS.filter((seed) => !seed.cloud && !seed.context?.alt).map((seed) => seed.publicId)],
    // parameters, never SQL: quotes and LIKE characters are plain text
    ['tags="o\'hara"', ['tricky/100%_pure']],
    ["tags:\"x' OR '1'='1\"", []],
    ['public_id:"%*"', []],
    ['context.photographer="\'; DROP TABLE assets; --"', []],
  ];

  it.each(cases)('%s', async (expression, expected) => {
    expect(await ids(expression)).toEqual([...expected].sort());
  });

  it('answers every asset of the cloud, and only them, without an expression', async () => {
    expect(await ids(undefined)).toEqual(
      SEEDS.filter((seed) => !seed.cloud)
        .map((seed) => seed.publicId)
        .sort(),
    );
  });
});

describe('searchAssets: sort orders and pages', () => {
  async function walk(sort: SearchSortKey[], expression?: string, maxResults = 2): Promise<string[]> {
    const seen: string[] = [];
    let after: AssetSearchQuery['after'];
    for (let page = 0; page < 50; page++) {
      const result = await searchAssets(db, query(expression, { sort, maxResults, ...(after ? { after } : {}) }));
      seen.push(...result.assets.map((asset) => asset.publicId));
      if (!result.next) return seen;
      expect(result.assets).toHaveLength(maxResults);
      after = result.next;
    }
    throw new Error('too many pages');
  }

  const mine = SEEDS.filter((seed) => !seed.cloud);
  const assetId = (seed: Seed) => hex(`${CLOUD}/${seed.publicId}`);
  const orderBy = (compare: (a: Seed, b: Seed) => number) => [...mine].sort(compare).map((seed) => seed.publicId);
  const byBytes = (a: Seed, b: Seed) => (a.bytes ?? 1) - (b.bytes ?? 1);
  const byId = (a: Seed, b: Seed) => (assetId(a) < assetId(b) ? -1 : 1);

  it('defaults to newest first, each asset once', async () => {
    expect(await walk([])).toEqual(orderBy((a, b) => (a.createdAt! < b.createdAt! ? 1 : a.createdAt! > b.createdAt! ? -1 : byId(b, a))));
  });

  it('sorts by bytes ascending and descending', async () => {
    expect(await walk([{ field: 'bytes', direction: 'asc' }], undefined, 3)).toEqual(orderBy((a, b) => byBytes(a, b) || byId(a, b)));
    expect(await walk([{ field: 'bytes', direction: 'desc' }], undefined, 4)).toEqual(orderBy((a, b) => byBytes(b, a) || byId(b, a)));
  });

  it('sorts by public_id byte-wise', async () => {
    expect(await walk([{ field: 'public_id', direction: 'asc' }])).toEqual(mine.map((seed) => seed.publicId).sort());
  });

  it('sorts by mixed directions (format asc, width desc), missing values as the lowest', async () => {
    const format = (seed: Seed) => seed.format ?? '';
    const width = (seed: Seed) => (seed.width === undefined ? 10 : (seed.width ?? -1));
    const expected = orderBy((a, b) => (format(a) < format(b) ? -1 : format(a) > format(b) ? 1 : width(b) - width(a) || byId(b, a)));
    expect(
      await walk([
        { field: 'format', direction: 'asc' },
        { field: 'width', direction: 'desc' },
      ]),
    ).toEqual(expected);
  });

  it('sorts by a float (aspect_ratio) and a timestamp together, within an expression', async () => {
    const ratio = (seed: Seed) => (seed.width && seed.height ? seed.width / seed.height : -1);
    const images = mine.filter((seed) => (seed.resourceType ?? 'image') === 'image');
    const expected = [...images].sort((a, b) => ratio(b) - ratio(a) || (a.createdAt! < b.createdAt! ? 1 : -1)).map((seed) => seed.publicId);
    expect(
      await walk(
        [
          { field: 'aspect_ratio', direction: 'desc' },
          { field: 'created_at', direction: 'desc' },
        ],
        'resource_type:image',
        3,
      ),
    ).toEqual(expected);
  });

  it('counts every match while answering one page', async () => {
    const result = await searchAssets(db, query('tags=shirt', { maxResults: 1 }));
    expect(result.totalCount).toBe(3);
    expect(result.assets).toHaveLength(1);
    expect(result.next).toBeDefined();
  });

  it('cancels a statement past its time and refuses the search with a 400', async () => {
    await expect(runSearchStatement(db, sql`SELECT pg_sleep(2)`, 100)).rejects.toMatchObject({
      status: 400,
      message: 'Search took longer than 0.1 s: narrow the expression (fewer wildcard or word terms outside tags, public_id and context)',
    });
    // The setting ended with its transaction: the pool's connections keep no timeout.
    const { rows } = await sql<{ timeout: string }>`SELECT current_setting('statement_timeout') AS timeout`.execute(db);
    expect(rows[0]?.timeout).toBe('0');
  });

  it('refuses a page key that does not fit the sort', async () => {
    await expect(searchAssets(db, query(undefined, { after: { values: ['not a date'], id: 'x' } }))).rejects.toThrow(RangeError);
  });
});

describe('searchAssets: aggregations', () => {
  it('counts formats, resource types and types of the matches', async () => {
    const result = await searchAssets(
      db,
      query('tags=shirt OR resource_type:video', {
        aggregates: [
          { kind: 'terms', field: 'format' },
          { kind: 'terms', field: 'resource_type' },
          { kind: 'terms', field: 'type' },
        ],
      }),
    );
    expect(result.aggregations).toEqual({
      format: { jpg: 2, mp3: 1, mp4: 1, png: 1 },
      resource_type: { image: 3, video: 2 },
      type: { upload: 4, authenticated: 1 },
    });
  });

  it('counts ranges: bytes of all, pixels of images only, durations of videos only', async () => {
    const result = await searchAssets(
      db,
      query(undefined, {
        maxResults: 1,
        aggregates: [
          {
            kind: 'ranges',
            field: 'bytes',
            ranges: [
              { key: 'small', to: 100_000 },
              { key: 'big', from: 100_000 },
            ],
          },
          {
            kind: 'ranges',
            field: 'pixels',
            ranges: [
              { key: 'under_1mp', to: 1_000_000 },
              { key: 'over', from: 1_000_000 },
            ],
          },
          {
            kind: 'ranges',
            field: 'duration',
            ranges: [
              { key: 'short', to: 60 },
              { key: 'long', from: 60 },
            ],
          },
        ],
      }),
    );
    const mine = SEEDS.filter((seed) => !seed.cloud);
    const small = mine.filter((seed) => (seed.bytes ?? 1) < 100_000).length;
    expect(result.aggregations).toEqual({
      bytes: { small, big: mine.length - small },
      // Images only: the blue shirt, runner, kitten, root, private and tricky under 1 MP; the red shirt, boot and cover over.
      pixels: { under_1mp: 6, over: 3 },
      duration: { short: 1, long: 1 },
    });
  });
  it('counts values and ranges together in one reading of the matches, the total with them', async () => {
    const result = await searchAssets(
      db,
      query('tags=shirt', {
        aggregates: [
          {
            kind: 'ranges',
            field: 'bytes',
            ranges: [
              { key: 'small', to: 100_000 },
              { key: 'big', from: 100_000 },
            ],
          },
          { kind: 'terms', field: 'format' },
        ],
      }),
    );
    expect(result.totalCount).toBe(3);
    expect(result.aggregations).toEqual({ bytes: { small: 1, big: 2 }, format: { jpg: 2, png: 1 } });
    expect(Object.keys(result.aggregations!.format!)).toEqual(['jpg', 'png']);
  });

  it('answers zeros when nothing matches', async () => {
    const result = await searchAssets(
      db,
      query('tags=nothing', {
        aggregates: [
          { kind: 'terms', field: 'format' },
          { kind: 'ranges', field: 'bytes', ranges: [{ key: 'all' }] },
        ],
      }),
    );
    expect(result).toEqual({ assets: [], totalCount: 0, aggregations: { format: {}, bytes: { all: 0 } } });
  });
});

describe('searchFolders', () => {
  async function folders(expression?: string, sort: SearchSortKey[] = [], maxResults = 100) {
    const parsed = expression === undefined ? undefined : parseSearchExpression(expression, FOLDER_SEARCH_FIELDS);
    return searchFolders(db, { cloudName: CLOUD, now: NOW, sort, maxResults, ...(parsed ? { expression: parsed } : {}) });
  }

  it('lists the folder rows and the asset folders with their ancestors, by path', async () => {
    const result = await folders();
    expect(result.folders.map((folder) => folder.path)).toEqual(['archive', 'archive/2019', 'shop', 'shop/shirts', 'shop/shoes']);
    expect(result.totalCount).toBe(5);
    expect(result.folders[2]).toMatchObject({ name: 'shop', createdAt: new Date('2026-05-01T08:00:00Z'), externalId: hex('shop') });
  });

  it('filters by name, path prefix and date, and pages by created_at', async () => {
    expect((await folders('name:shoes')).folders.map((folder) => folder.path)).toEqual(['shop/shoes']);
    expect((await folders('path:shop/*')).folders.map((folder) => folder.path)).toEqual(['shop', 'shop/shirts', 'shop/shoes']);
    expect((await folders('created_at<2024-01-01')).folders.map((folder) => folder.path)).toEqual(['archive', 'archive/2019']);
    expect((await folders('shirts')).folders.map((folder) => folder.path)).toEqual(['shop/shirts']);
    const first = await folders(undefined, [{ field: 'created_at', direction: 'desc' }], 2);
    // shop and shop/shoes share their first asset's time: the path decides, in the same direction.
    expect(first.folders.map((folder) => folder.path)).toEqual(['shop/shirts', 'shop/shoes']);
    const second = await searchFolders(db, {
      cloudName: CLOUD,
      now: NOW,
      sort: [{ field: 'created_at', direction: 'desc' }],
      maxResults: 2,
      after: first.next!,
    });
    expect(second.folders.map((folder) => folder.path)).toEqual(['shop', 'archive/2019']);
  });
});

describe('the plans use the search indexes', () => {
  // A cloud of its own with enough rows, spread as a real catalog is, that the planner prefers the
  // index a condition can use to a scan: a condition whose SQL does not match its index (a token
  // function called differently, a collation) shows here as a sequential scan.
  const PLAN_CLOUD = 'plancloud';

  beforeAll(async () => {
    await ensureCloud(db, PLAN_CLOUD);
    await sql`
      INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, width, height,
        bytes, etag, content_type, storage_key, tags, context, metadata, asset_folder, display_name, created_at)
      SELECT md5('plan' || i), ${PLAN_CLOUD}, 'image', 'upload', 'p/' || (i % 100) || '/item' || i, 1, md5('v' || i),
        (ARRAY['jpg', 'png', 'webp', 'jpg', 'gif'])[1 + i % 5 + (CASE WHEN i % 5 = 4 AND i % 50 <> 4 THEN -4 ELSE 0 END)],
        100 + (i * 7919) % 4000, 100 + (i * 104729) % 3000, (i * 15485863::bigint) % 6000000, md5('e' || i), 'image/jpeg', 'k' || i,
        ARRAY['t' || (i % 200), 'shared'], jsonb_build_object('alt', 'word w' || (i % 300), 'photographer', 'ph' || (i % 50)),
        CASE WHEN i % 100 = 0 THEN jsonb_build_object('priority', i % 10) ELSE '{}'::jsonb END,
        '', 'item' || i, ${NOW.toISOString()}::timestamptz - (i % 1000) * interval '1 day' - (i % 24) * interval '1 hour'
      FROM generate_series(1, 20000) AS i`.execute(db);
    await sql`ANALYZE assets`.execute(db);
  }, 60_000);

  async function plan(expression: string | undefined): Promise<string> {
    const parsed = expression === undefined ? undefined : parseSearchExpression(expression);
    const explained = await explainAssetSearch(
      db,
      { cloudName: PLAN_CLOUD, now: NOW, sort: [], maxResults: 50, ...(parsed ? { expression: parsed } : {}) },
      { analyze: false },
    );
    return explained.map((statement) => `${statement.statement}:\n${statement.plan.join('\n')}`).join('\n');
  }

  it.each([
    ['tags=t7', 'assets_tags_idx'],
    ['tags:t7', 'assets_search_tag_tokens_idx'],
    ['public_id:p/42/*', 'assets_search_public_id_idx'],
    ['public_id=p/42/item42', 'assets_search_public_id_idx'],
    ['public_id:item12345', 'assets_search_public_id_tokens_idx'],
    ['context.alt:w17', 'assets_search_context_tokens_idx'],
    ['context.alt="word w17"', 'assets_context_idx'],
    ['metadata.priority>3', 'assets_search_metadata_idx'],
    ['bytes>5900000', 'assets_search_bytes_idx'],
    ['width:[100 TO 110]', 'assets_search_width_idx'],
    ['height<105', 'assets_search_height_idx'],
    ['format=gif AND bytes>1000', 'assets_search_format_idx'],
    ['created_at>1w', 'assets_search_created_idx'],
    ['item12345', 'assets_search_context_tokens_idx'],
  ])('%s → %s', async (expression, index) => {
    const shown = await plan(expression);
    expect(shown, shown).toContain(index);
    expect(shown, shown).not.toContain('Seq Scan');
  });

  it('walks the default order on (cloud_name, created_at, asset_id)', async () => {
    const shown = await plan(undefined);
    expect(shown.split('\n').slice(0, 3).join('\n'), shown).toMatch(/^page:\nLimit.*\n\s+Index Scan Backward using assets_search_created_idx/);
  });
});

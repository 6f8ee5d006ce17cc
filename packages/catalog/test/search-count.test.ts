import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
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
  type CatalogDb,
  type SearchAggregate,
} from '@rendition/catalog';
import { parseSearchExpression } from '@rendition/protocol';
import { createTestDatabaseUrl, propertyParameters, propertyRuns } from '@rendition/testing';
import { migrations } from '../src/migrations/index.ts';
import { countStatement } from '../src/search-aggregates.ts';
import { countShape } from '../src/search-count.ts';
import { assetSearchCondition } from '../src/search-sql.ts';

// The counts of search-count.ts (asset_counts of migration 0026, asset_tag_words of 0020, and the algebra
// over them) against the straightforward statement, a count(*) with GROUPING SETS on `assets`, and
// against the page itself (500 rows hold every match here): on a table of expressions and on random
// ones (AND, OR, NOT, nested; tags, kinds, context, ranges), with and without value aggregations.

const CLOUD = 'countcloud';
const OTHER = 'countother';
const NOW = new Date('2026-06-15T12:00:00.000Z');
const AGGREGATES: SearchAggregate[] = [
  { kind: 'terms', field: 'format' },
  { kind: 'terms', field: 'resource_type' },
  { kind: 'terms', field: 'type' },
];

let databaseUrl: string;
let db: CatalogDb;

const hex = (value: string) => createHash('md5').update(value).digest('hex');

interface Seed {
  publicId: string;
  cloud?: string;
  resourceType?: string;
  type?: string;
  format?: string | null;
  tags?: string[];
  context?: Record<string, string>;
  width?: number;
}

async function insert(target: CatalogDb, seed: Seed): Promise<string> {
  const cloud = seed.cloud ?? CLOUD;
  const assetId = hex(`${cloud}/${seed.type ?? 'upload'}/${seed.publicId}`);
  await sql`
    INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, width, height, bytes, etag,
      content_type, storage_key, tags, context, display_name, created_at)
    VALUES (${assetId}, ${cloud}, ${seed.resourceType ?? 'image'}, ${seed.type ?? 'upload'}, ${seed.publicId}, 1, ${hex(`v/${assetId}`)},
      ${seed.format === undefined ? 'jpg' : seed.format}, ${seed.width ?? 100}, 100, 1000, ${hex(`e/${assetId}`)}, 'image/jpeg',
      ${`k/${assetId}`}, ${seed.tags ?? []}::text[], ${JSON.stringify(seed.context ?? {})}::jsonb, ${seed.publicId}, ${NOW})`.execute(target);
  return assetId;
}

const LONG_TAG = 'long'.repeat(300);
const TAGS = ['red', 'blue', 'green', 'Summer Sale', 'summer', 'archived', 'SALE', 'sky-blue', 'Blue Sky', '#', LONG_TAG];
const KINDS: Array<[string, string, string | null]> = [
  ['image', 'upload', 'jpg'],
  ['image', 'upload', 'png'],
  ['image', 'private', 'jpg'],
  ['image', 'authenticated', 'webp'],
  ['video', 'upload', 'mp4'],
  ['video', 'upload', null],
  ['raw', 'upload', null],
];

/** A catalog every kind and tag combination of which shows up, from a fixed pseudo-random sequence. */
function seeds(): Seed[] {
  let state = 7;
  const next = (bound: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % bound;
  };
  const result: Seed[] = [];
  for (let i = 0; i < 140; i++) {
    const [resourceType, type, format] = KINDS[next(KINDS.length)]!;
    const tags = TAGS.filter(() => next(4) === 0);
    result.push({
      publicId: `${['p', 'q', 'shop/x'][next(3)]}/${i}`,
      cloud: i % 10 === 9 ? OTHER : CLOUD,
      resourceType,
      type,
      format,
      tags,
      context: next(3) === 0 ? { photographer: ['ann', 'bob'][next(2)]! } : {},
      width: 50 + next(200),
    });
  }
  return result;
}

interface Counted {
  totalCount: number;
  aggregations?: Record<string, Record<string, number>>;
}

/** The search's own count (rewritten where it can be). */
async function searched(expression: string, aggregates: SearchAggregate[]): Promise<Counted & { pageLength: number }> {
  const result = await searchAssets(db, {
    cloudName: CLOUD,
    expression: parseSearchExpression(expression),
    now: NOW,
    sort: [],
    maxResults: 500,
    aggregates,
  });
  return { totalCount: result.totalCount, pageLength: result.assets.length, ...(result.aggregations ? { aggregations: result.aggregations } : {}) };
}

/** The straightforward statement: count(*) and GROUPING SETS over the matching rows of `assets`. */
async function straightforward(expression: string, aggregates: SearchAggregate[]): Promise<Counted> {
  const matches = sql`cloud_name = ${CLOUD} AND ${assetSearchCondition(parseSearchExpression(expression), NOW)}`;
  const plain = countStatement(matches as Parameters<typeof countStatement>[0], aggregates);
  return plain.read(await runSearchStatement(db, plain.statement));
}

async function expectSameCounts(expression: string, aggregates: SearchAggregate[]): Promise<void> {
  const [ours, plain] = await Promise.all([searched(expression, aggregates), straightforward(expression, aggregates)]);
  expect({ expression, totalCount: ours.totalCount, aggregations: ours.aggregations }).toEqual({
    expression,
    totalCount: plain.totalCount,
    aggregations: plain.aggregations,
  });
  expect(ours.totalCount).toBe(ours.pageLength);
}

async function countPlan(expression: string, aggregates: SearchAggregate[] = []): Promise<string> {
  const explained = await explainAssetSearch(
    db,
    { cloudName: CLOUD, expression: parseSearchExpression(expression), now: NOW, sort: [], maxResults: 10, aggregates },
    { analyze: false },
  );
  return explained.find((statement) => statement.statement.startsWith('count'))!.plan.join('\n');
}

/** asset_counts summed per key, and what `assets` holds: they must be the same lines. */
async function countedKinds(target: CatalogDb = db): Promise<{ counted: string[]; actual: string[] }> {
  const counted = await sql<{ line: string }>`
    SELECT concat_ws(' ', cloud_name, resource_type, type, coalesce(format, '-'), sum(assets)) AS line FROM asset_counts
    GROUP BY cloud_name, resource_type, type, format HAVING sum(assets) <> 0 ORDER BY 1`.execute(target);
  const actual = await sql<{ line: string }>`
    SELECT concat_ws(' ', cloud_name, resource_type, type, coalesce(format, '-'), count(*)) AS line FROM assets
    GROUP BY cloud_name, resource_type, type, format ORDER BY 1`.execute(target);
  return { counted: counted.rows.map((row) => row.line), actual: actual.rows.map((row) => row.line) };
}

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('search-count');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  await ensureCloud(db, CLOUD);
  await ensureCloud(db, OTHER);
  for (const seed of seeds()) await insert(db, seed);
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

const EXPRESSIONS = [
  // Kinds alone (asset_counts).
  'resource_type:image',
  'resource_type:video AND type=upload',
  'format=jpg AND type:private',
  'format:png AND format:jpg',
  'resource_type:raw AND format=mp4',
  // Tag terms and their ORs (asset_tag_words).
  'tags=red',
  'tags:sale',
  'tags="Summer Sale"',
  'tags:sky',
  'tags="#"',
  'tags=red OR tags=blue OR tags=green',
  'tags=red OR tags=red',
  'tags:blue OR tags=blue OR tags="Blue Sky"',
  'resource_type:image AND (tags=red OR tags:summer)',
  'format=mp4 AND tags=archived AND type=upload',
  // NOT of tags within kinds (asset_counts less asset_tag_words).
  'NOT tags=archived',
  '-tags=archived',
  'resource_type:image AND NOT tags=archived',
  'type=upload AND NOT (tags=red OR tags=blue)',
  'resource_type:video AND format=mp4 AND NOT (tags:sale OR tags:sky OR tags="#")',
  'NOT tags=nothing',
  'resource_type:image AND NOT tags=nothing',
  // Shapes counted on assets: the same answers by construction, checked all the same.
  'tags:"summer sale"',
  `tags="${LONG_TAG}"`,
  `NOT tags="${LONG_TAG}"`,
  'tags=red AND tags=blue',
  'tags=red AND NOT tags=blue',
  'NOT (tags=red AND tags=blue)',
  'NOT NOT tags=red',
  'tags=red OR format=png',
  'NOT resource_type:image',
  'resource_type:image OR resource_type:video',
  'tags=red AND context.photographer=ann',
  'context.photographer:* AND NOT tags=archived',
  '(tags=red OR tags=green) AND NOT (tags=blue OR context.photographer=bob)',
  'tags:sum* OR tags=red',
  'width>150 AND NOT tags=archived',
  'resource_type:image AND (NOT tags=red OR tags=blue)',
  'red',
  'format:*',
];

describe('exact counts from the counted tables', () => {
  const named = EXPRESSIONS.map((expression) => [expression.replace(LONG_TAG, '<1,200 bytes>'), expression] as const);

  it.each(named)('%s: the same total as the straightforward count and the page', async (_, expression) => {
    await expectSameCounts(expression, []);
  });

  it.each(named)('%s: the same format, resource_type and type aggregations', async (_, expression) => {
    await expectSameCounts(expression, AGGREGATES);
  });

  it('counts every asset of the cloud (no expression) from asset_counts, with its aggregations', async () => {
    const result = await searchAssets(db, { cloudName: CLOUD, now: NOW, sort: [], maxResults: 500, aggregates: AGGREGATES });
    const plain = await straightforward('status:active', AGGREGATES);
    expect(result.totalCount).toBe(plain.totalCount);
    expect(result.totalCount).toBe(result.assets.length);
    expect(result.aggregations).toEqual(plain.aggregations);
    const explained = await explainAssetSearch(db, { cloudName: CLOUD, now: NOW, sort: [], maxResults: 10 }, { analyze: false });
    expect(explained.find((statement) => statement.statement === 'count')!.plan.join('\n')).toContain('asset_counts');
  });

  it('reads the counted tables for the shapes it rewrites, and assets for the others', async () => {
    const readsAssets = (plan: string) => / on assets\b| using assets_/.test(plan);
    const plans: Array<[string, string[], boolean]> = [
      ['resource_type:image', ['asset_counts'], false],
      ['tags=red OR tags=blue OR tags=green', ['asset_tag_words', 'Unique'], false],
      ['resource_type:image AND NOT tags=archived', ['asset_counts', 'asset_tag_words'], false],
      ['type=upload AND NOT (tags=red OR tags=blue)', ['asset_counts', 'asset_tag_words', 'Unique'], false],
      ['tags=red AND tags=blue', [], true],
      ['NOT resource_type:image', [], true],
    ];
    for (const [expression, present, onAssets] of plans) {
      const plan = await countPlan(expression);
      for (const text of present) expect(plan, `${expression}: ${text}`).toContain(text);
      expect(readsAssets(plan), `${expression} reads assets:\n${plan}`).toBe(onAssets);
    }
    // A range aggregation needs each row's value: on assets.
    expect(readsAssets(await countPlan('tags=red', [{ kind: 'ranges', field: 'bytes', ranges: [{ key: 'small', to: 500 }] }]))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Random expressions: kinds, tags, and terms the tables do not answer, nested in AND, OR and NOT.

const TAG_TERMS = [
  'tags=red',
  'tags=blue',
  'tags=green',
  'tags:summer',
  'tags:SALE',
  'tags="Summer Sale"',
  'tags:"blue sky"',
  'tags=archived',
  'tags:sky',
  'tags="#"',
  'tags=nothing',
  'tags:gre*',
];
const KIND_TERMS = [
  'resource_type:image',
  'resource_type:video',
  'resource_type:raw',
  'type=upload',
  'type:private',
  'format=jpg',
  'format:mp4',
  'format=png',
];
const OTHER_TERMS = ['context.photographer=ann', 'context.photographer:*', 'width>150', 'public_id:shop/*', 'blue', 'format:*'];

type Tree = string | { op: 'and' | 'or'; children: Tree[] } | { op: 'not'; child: Tree };

function print(tree: Tree): string {
  if (typeof tree === 'string') return tree;
  if (tree.op === 'not') return `NOT (${print(tree.child)})`;
  return `(${tree.children.map(print).join(tree.op === 'and' ? ' AND ' : ' OR ')})`;
}

const leaf = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...TAG_TERMS) },
  { weight: 3, arbitrary: fc.constantFrom(...KIND_TERMS) },
  { weight: 1, arbitrary: fc.constantFrom(...OTHER_TERMS) },
);

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), children: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ op: fc.constant('not' as const), child: tie('tree') }),
  ),
}));

/** Kinds ANDed with an OR of tag terms or its negation: the shapes rewritten, drawn often. */
const shaped = fc
  .record({
    kinds: fc.subarray(KIND_TERMS, { maxLength: 2 }),
    tags: fc.subarray(TAG_TERMS.slice(0, 11), { minLength: 1, maxLength: 4 }),
    negated: fc.boolean(),
  })
  .map(({ kinds, tags, negated }) => {
    const tagPart = tags.length === 1 ? tags[0]! : `(${tags.join(' OR ')})`;
    return [...kinds, negated ? `NOT ${tagPart}` : tagPart].join(' AND ');
  });

const aggregateSubsets = fc.subarray(AGGREGATES);

describe('random expressions', () => {
  it('count and aggregate as the straightforward statement does', async () => {
    let rewritten = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(tree.map(print), shaped), aggregateSubsets, async (expression, aggregates) => {
        runs += 1;
        if (countShape(parseSearchExpression(expression))) rewritten += 1;
        await expectSameCounts(expression, aggregates);
      }),
      propertyParameters(propertyRuns(200)),
    );
    // The property is about the rewritten counts: most runs must have been one.
    expect(rewritten).toBeGreaterThan(runs / 3);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------
// asset_counts itself: kept by the triggers through every kind of write, folded without changing a sum.

describe('asset_counts', () => {
  /**
   * A seed for setseed() after which the trigger's next random() draws fold (true) or not as listed
   * (each draw folds 1 time in 256): a test decides where the folds happen.
   */
  async function seedFor(connection: CatalogDb, folds: boolean[]): Promise<number> {
    for (let candidate = 0; candidate < 1; candidate += 0.0001) {
      await sql`SELECT setseed(${candidate})`.execute(connection);
      const { rows } = await sql<{ draws: boolean[] }>`
        SELECT coalesce(array_agg(random() < 1.0 / 256 ORDER BY draw), '{}') AS draws FROM generate_series(1, ${folds.length}::int) AS draw`.execute(
        connection,
      );
      if (rows[0]!.draws.every((draw, index) => draw === folds[index])) return candidate;
    }
    throw new Error('no seed draws these folds');
  }

  /** Runs `work` on one connection whose next `writes` trigger calls do not fold. */
  async function withoutFolds(writes: number, work: (connection: CatalogDb) => Promise<void>): Promise<void> {
    await db.connection().execute(async (connection) => {
      const seed = await seedFor(
        connection,
        Array.from({ length: writes }, () => false),
      );
      await sql`SELECT setseed(${seed})`.execute(connection);
      await work(connection);
    });
  }

  const rowsOf = async (cloud: string, target: CatalogDb = db) =>
    Number((await sql<{ n: string }>`SELECT count(*) AS n FROM asset_counts WHERE cloud_name = ${cloud}`.execute(target)).rows[0]!.n);

  it('follows inserts, kind changes, overwrites, deletes and a deleted cloud', async () => {
    await ensureCloud(db, 'countwrites');
    const base = { cloud: 'countwrites' };
    const first = await insert(db, { ...base, publicId: 'w/1', format: 'jpg' });
    const second = await insert(db, { ...base, publicId: 'w/2', format: null, resourceType: 'raw' });
    await insert(db, { ...base, publicId: 'w/3', format: 'png', type: 'private' });
    await sql`UPDATE assets SET format = 'webp', version = 2 WHERE asset_id = ${first}`.execute(db);
    await sql`UPDATE assets SET type = 'authenticated' WHERE asset_id = ${second}`.execute(db);
    await sql`UPDATE assets SET bytes = 5, tags = ARRAY['x'] WHERE asset_id = ${first}`.execute(db);
    await sql`UPDATE assets SET format = NULL WHERE asset_id = ${first}`.execute(db);
    let kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
    expect(kinds.counted.filter((line) => line.startsWith('countwrites '))).toEqual([
      'countwrites image private png 1',
      'countwrites image upload - 1',
      'countwrites raw authenticated - 1',
    ]);
    await sql`DELETE FROM assets WHERE asset_id = ${second}`.execute(db);
    await sql`UPDATE assets SET cloud_name = ${OTHER} WHERE asset_id = ${first}`.execute(db);
    kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
    await sql`UPDATE assets SET cloud_name = 'countwrites' WHERE asset_id = ${first}`.execute(db);
    await sql`DELETE FROM clouds WHERE name = 'countwrites'`.execute(db);
    kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
    expect(kinds.counted.filter((line) => line.startsWith('countwrites '))).toEqual([]);
  });

  it('folds a cloud’s rows into one per key without changing a sum', async () => {
    await ensureCloud(db, 'countfold');
    // 30 INSERT statements and one DELETE statement: a trigger call each.
    await withoutFolds(31, async (connection) => {
      for (let i = 0; i < 30; i++) await insert(connection, { cloud: 'countfold', publicId: `f/${i}`, format: ['jpg', 'png', null][i % 3]! });
      await sql`DELETE FROM assets WHERE cloud_name = 'countfold' AND public_id IN ('f/0', 'f/3', 'f/6')`.execute(connection);
    });
    const before = await countedKinds();
    expect(before.counted).toEqual(before.actual);
    // A row per INSERT, one (-3) for the DELETE of three assets of one key.
    expect(await rowsOf('countfold')).toBe(31);
    await sql`SELECT rendition_compact_asset_counts('countfold')`.execute(db);
    expect(await rowsOf('countfold')).toBe(3);
    expect((await countedKinds()).counted).toEqual(before.counted);
    await sql`DELETE FROM assets WHERE cloud_name = 'countfold'`.execute(db);
    await sql`SELECT rendition_compact_asset_counts('countfold')`.execute(db);
    // Keys that sum to zero are dropped.
    expect(await rowsOf('countfold')).toBe(0);
  });

  it('counts a statement’s assets per key, and folds after a statement of 256 or more', async () => {
    await ensureCloud(db, 'countbulk');
    const many = (first: number, count: number, format: string) =>
      sql`
        INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, bytes, etag, content_type,
          storage_key, tags, display_name, created_at)
        SELECT md5('countbulk' || i), 'countbulk', 'image', 'upload', 'b/' || i, 1, md5('v' || i), ${format}, 1, md5('e' || i), 'image/jpeg',
          'k/' || i, ARRAY['bulk'], 'b', ${NOW} FROM generate_series(${first}::int, ${first + count - 1}::int) AS i`;
    await withoutFolds(2, async (connection) => {
      await many(0, 100, 'jpg').execute(connection);
      await many(100, 50, 'png').execute(connection);
    });
    expect(await rowsOf('countbulk')).toBe(2);
    await many(150, 300, 'png').execute(db);
    expect(await rowsOf('countbulk')).toBe(2);
    expect((await countedKinds()).counted.filter((line) => line.startsWith('countbulk '))).toEqual([
      'countbulk image upload jpg 100',
      'countbulk image upload png 350',
    ]);
    // The cloud's deletion cascades to its 450 assets in one statement: counted and folded away.
    await sql`DELETE FROM clouds WHERE name = 'countbulk'`.execute(db);
    expect(await rowsOf('countbulk')).toBe(0);
    const kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
  });

  it('folds from the trigger, in the writing transaction', async () => {
    await ensureCloud(db, 'countauto');
    await db.connection().execute(async (connection) => {
      const seed = await seedFor(connection, [false, false, false, false, false, true]);
      await sql`SELECT setseed(${seed})`.execute(connection);
      for (let i = 0; i < 5; i++) await insert(connection, { cloud: 'countauto', publicId: `a/${i}` });
      expect(await rowsOf('countauto', connection)).toBe(5);
      await insert(connection, { cloud: 'countauto', publicId: 'a/5' });
    });
    expect(await rowsOf('countauto')).toBe(1);
    const kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
  });

  it('never waits for another fold: rows held by an open one are skipped, and each row is folded once', async () => {
    await ensureCloud(db, 'countlocks');
    for (let i = 0; i < 6; i++) await insert(db, { cloud: 'countlocks', publicId: `l/${i}` });
    await withoutFolds(0, async (holder) => {
      await sql`BEGIN`.execute(holder);
      await sql`SELECT rendition_compact_asset_counts('countlocks')`.execute(holder);
      await withoutFolds(1, async (other) => {
        await insert(other, { cloud: 'countlocks', publicId: 'l/6' });
        await sql`BEGIN`.execute(other);
        // Waiting for the holder's locks would fail on this timeout.
        await sql`SET LOCAL lock_timeout = '200ms'`.execute(other);
        await sql`SELECT rendition_compact_asset_counts('countlocks')`.execute(other);
        await sql`COMMIT`.execute(other);
      });
      await sql`COMMIT`.execute(holder);
    });
    const kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
    expect(kinds.counted).toContain('countlocks image upload jpg 7');
    // The holder's fold (6) and the other's (its own +1, the holder's rows were skipped).
    expect(await rowsOf('countlocks')).toBe(2);
  });

  it('keeps the change when a REPEATABLE READ writer cannot fold (rows folded after its snapshot)', async () => {
    await ensureCloud(db, 'countrr');
    for (let i = 0; i < 3; i++) await insert(db, { cloud: 'countrr', publicId: `r/${i}` });
    await db.connection().execute(async (writer) => {
      const seed = await seedFor(writer, [true]);
      await sql`BEGIN ISOLATION LEVEL REPEATABLE READ`.execute(writer);
      await sql`SELECT count(*) FROM asset_counts`.execute(writer);
      await sql`SELECT rendition_compact_asset_counts('countrr')`.execute(db);
      await sql`SELECT setseed(${seed})`.execute(writer);
      await insert(writer, { cloud: 'countrr', publicId: 'r/3' });
      await sql`COMMIT`.execute(writer);
    });
    const kinds = await countedKinds();
    expect(kinds.counted).toEqual(kinds.actual);
    expect(kinds.counted).toContain('countrr image upload jpg 4');
  });
});

describe('migration 0026 on a catalog that has assets', () => {
  it('backfills asset_counts from the assets, keeps them after, and goes down and up again', async () => {
    const url = createTestDatabaseUrl('search-count-upgrade');
    await ensureDatabaseExists(url);
    const existing = connectCatalog(url, { poolSize: 2 });
    try {
      const migrator = new Migrator({ db: existing, provider: { getMigrations: async () => migrations } });
      const migrateTo = async (name: string) => {
        const { error } = await migrator.migrateTo(name);
        if (error) throw error;
      };
      await migrateTo('0025-upload-mappings');
      await ensureCloud(existing, CLOUD);
      await ensureCloud(existing, OTHER);
      for (const seed of seeds().slice(0, 60)) await insert(existing, seed);
      await migrateTo('0026-search-asset-counts');
      let kinds = await countedKinds(existing);
      expect(kinds.counted.length).toBeGreaterThan(5);
      expect(kinds.counted).toEqual(kinds.actual);
      await insert(existing, { publicId: 'after/1', format: 'gif' });
      await sql`DELETE FROM assets WHERE public_id = 'p/0' OR public_id = 'q/1'`.execute(existing);
      kinds = await countedKinds(existing);
      expect(kinds.counted).toEqual(kinds.actual);
      await migrateTo('0025-upload-mappings');
      const { rows } = await sql<{ name: string | null }>`SELECT to_regclass('asset_counts')::text AS name`.execute(existing);
      expect(rows[0]!.name).toBeNull();
      await insert(existing, { publicId: 'between/1' });
      await migrateTo('0026-search-asset-counts');
      kinds = await countedKinds(existing);
      expect(kinds.counted).toEqual(kinds.actual);
    } finally {
      await existing.destroy();
      await dropDatabase(url);
    }
  });
});

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
  searchAssets,
  type CatalogDb,
} from '@rendition/catalog';
import { parseSearchExpression } from '@rendition/protocol';
import { createTestDatabaseUrl } from '@rendition/testing';

// Migration 0020's asset_tag_words, kept by triggers on `assets` (insert, tag update, delete, overwrite),
// and the tag-only counts the Search API reads from it (search-aggregates.ts): the same answers as the
// counts on `assets` itself.

const CLOUD = 'tagwordscloud';
const OTHER = 'tagwordsother';
const NOW = new Date('2026-06-15T12:00:00.000Z');

let databaseUrl: string;
let db: CatalogDb;

const hex = (value: string) => createHash('md5').update(value).digest('hex');

async function insert(publicId: string, tags: string[], options: { cloud?: string; format?: string | null; resourceType?: string } = {}) {
  const assetId = hex(`${options.cloud ?? CLOUD}/${publicId}`);
  await sql`
    INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, bytes, etag, content_type,
      storage_key, tags, display_name, created_at)
    VALUES (${assetId}, ${options.cloud ?? CLOUD}, ${options.resourceType ?? 'image'}, 'upload', ${publicId}, 1, ${hex(`v/${assetId}`)},
      ${options.format === undefined ? 'jpg' : options.format}, 100, ${hex(`e/${assetId}`)}, 'image/jpeg', ${`k/${assetId}`}, ${tags}::text[],
      ${publicId}, ${NOW})`.execute(db);
  return assetId;
}

/** The table's rows, as `<cloud> <asset> <whole|word> <value> <resource_type> <type> <format>`. */
async function tableRows(): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    SELECT concat_ws(' ', cloud_name, asset_id, CASE WHEN whole THEN 'whole' ELSE 'word' END, word, resource_type, type, coalesce(format, '-')) AS line
    FROM asset_tag_words ORDER BY 1`.execute(db);
  return rows.map((row) => row.line);
}

/** What the table should hold: recomputed from `assets`. */
async function expectedRows(): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    SELECT concat_ws(' ', a.cloud_name, a.asset_id, CASE WHEN r.whole THEN 'whole' ELSE 'word' END, r.word, a.resource_type, a.type, coalesce(a.format, '-')) AS line
    FROM assets a CROSS JOIN LATERAL rendition_tag_word_rows(a.tags) r ORDER BY 1`.execute(db);
  return rows.map((row) => row.line);
}

async function wordsOf(assetId: string): Promise<string[]> {
  const { rows } = await sql<{ key: string }>`
    SELECT (CASE WHEN whole THEN '=' ELSE ':' END) || word AS key FROM asset_tag_words WHERE asset_id = ${assetId} ORDER BY 1`.execute(db);
  return rows.map((row) => row.key);
}

/** total_count through the Search API's statements. */
async function counts(expression: string, cloud = CLOUD) {
  const node = parseSearchExpression(expression);
  const searched = await searchAssets(db, { cloudName: cloud, expression: node, now: NOW, sort: [], maxResults: 500 });
  return { totalCount: searched.totalCount };
}

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('search-tag-words');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  await ensureCloud(db, CLOUD);
  await ensureCloud(db, OTHER);
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

describe('asset_tag_words', () => {
  it('gets the whole tags and the distinct words of an inserted asset', async () => {
    const id = await insert('insert/one', ['Blue Sky', 'blue', 'sky_blue', 'blue']);
    expect(await wordsOf(id)).toEqual([':blue', ':sky', '=Blue Sky', '=blue', '=sky_blue']);
    expect(await insert('insert/untagged', [])).toBeTruthy();
    expect(await tableRows()).toEqual(await expectedRows());
  });

  it('follows a tag update, and a format change, and ignores other updates', async () => {
    const id = await insert('update/one', ['red', 'summer sale']);
    await sql`UPDATE assets SET tags = ARRAY['red', 'winter'] WHERE asset_id = ${id}`.execute(db);
    expect(await wordsOf(id)).toEqual([':red', ':winter', '=red', '=winter']);
    await sql`UPDATE assets SET format = 'png' WHERE asset_id = ${id}`.execute(db);
    const { rows } = await sql<{ format: string }>`SELECT DISTINCT format FROM asset_tag_words WHERE asset_id = ${id}`.execute(db);
    expect(rows).toEqual([{ format: 'png' }]);
    await sql`UPDATE assets SET bytes = 5 WHERE asset_id = ${id}`.execute(db);
    await sql`UPDATE assets SET tags = '{}' WHERE asset_id = ${id}`.execute(db);
    expect(await wordsOf(id)).toEqual([]);
    expect(await tableRows()).toEqual(await expectedRows());
  });

  it('drops the rows of a deleted asset, and of a deleted cloud', async () => {
    const id = await insert('delete/one', ['gone', 'also gone']);
    await insert('delete/kept', ['gone'], { cloud: OTHER });
    await sql`DELETE FROM assets WHERE asset_id = ${id}`.execute(db);
    expect(await wordsOf(id)).toEqual([]);
    expect((await counts('tags=gone', OTHER)).totalCount).toBe(1);
    await sql`DELETE FROM clouds WHERE name = ${OTHER}`.execute(db);
    expect((await tableRows()).filter((line) => line.startsWith(`${OTHER} `))).toEqual([]);
    expect(await tableRows()).toEqual(await expectedRows());
  });

  it('follows an overwrite (the row updated in place with the new upload’s columns)', async () => {
    const id = await insert('overwrite/one', ['old', 'shared']);
    await sql`
      INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, bytes, etag, content_type,
        storage_key, tags, display_name, created_at)
      VALUES (${hex('another id')}, ${CLOUD}, 'image', 'upload', 'overwrite/one', 2, ${hex('v2')}, 'webp', 1, ${hex('e2')}, 'image/webp', 'k2',
        ARRAY['new'], 'overwrite/one', ${NOW})
      ON CONFLICT ON CONSTRAINT assets_identity_unique DO NOTHING`.execute(db);
    expect(await wordsOf(hex('another id'))).toEqual([]);
    await sql`UPDATE assets SET tags = ARRAY['new', 'shared'], format = 'webp', version = 2, updated_at = now() WHERE asset_id = ${id}`.execute(db);
    expect(await wordsOf(id)).toEqual([':new', ':shared', '=new', '=shared']);
    expect((await counts('tags=old')).totalCount).toBe(0);
    expect(await tableRows()).toEqual(await expectedRows());
  });
});

describe('asset_tag_words triggers on untagged rows (migration 0032)', () => {
  it('call their function only where the row has tags before or after: an untagged upload costs no call', async () => {
    const callsOf = await db.transaction().execute(async (trx) => {
      // This transaction's own function calls (pg_stat_xact_user_functions), counted for PL/pgSQL functions.
      await sql`SET LOCAL track_functions = 'pl'`.execute(trx);
      const calls = async () => {
        const { rows } = await sql<{ calls: string }>`
          SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_xact_user_functions WHERE funcname = 'rendition_sync_asset_tag_words'`.execute(trx);
        return Number(rows[0]!.calls);
      };
      const untagged = hex(`${CLOUD}/calls/untagged`);
      const tagged = hex(`${CLOUD}/calls/tagged`);
      const insertAsset = (assetId: string, publicId: string, tags: string[]) =>
        sql`
        INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, bytes, etag, content_type,
          storage_key, tags, display_name, created_at)
        VALUES (${assetId}, ${CLOUD}, 'image', 'upload', ${publicId}, 1, ${hex(`v/${assetId}`)}, 'jpg', 100, ${hex(`e/${assetId}`)},
          'image/jpeg', ${`k/${assetId}`}, ${tags}::text[], ${publicId}, ${NOW})`.execute(trx);
      const seen: Record<string, number> = {};
      await insertAsset(untagged, 'calls/untagged', []);
      seen.untaggedInsert = await calls();
      await sql`UPDATE assets SET format = 'png' WHERE asset_id = ${untagged}`.execute(trx);
      seen.untaggedFormat = await calls();
      await sql`UPDATE assets SET tags = ARRAY['now tagged'] WHERE asset_id = ${untagged}`.execute(trx);
      seen.tagsAdded = await calls();
      await sql`UPDATE assets SET tags = '{}' WHERE asset_id = ${untagged}`.execute(trx);
      seen.tagsRemoved = await calls();
      await sql`DELETE FROM assets WHERE asset_id = ${untagged}`.execute(trx);
      seen.untaggedDelete = await calls();
      await insertAsset(tagged, 'calls/tagged', ['kept']);
      seen.taggedInsert = await calls();
      await sql`UPDATE assets SET format = 'webp' WHERE asset_id = ${tagged}`.execute(trx);
      seen.taggedFormat = await calls();
      const { rows: words } = await sql<{ word: string }>`SELECT word FROM asset_tag_words WHERE asset_id = ${tagged} ORDER BY 1`.execute(trx);
      expect(words.map((row) => row.word)).toEqual(['kept', 'kept']);
      await sql`DELETE FROM assets WHERE asset_id = ${tagged}`.execute(trx);
      seen.taggedDelete = await calls();
      return seen;
    });
    expect(callsOf).toEqual({
      untaggedInsert: 0,
      untaggedFormat: 0,
      tagsAdded: 1,
      tagsRemoved: 2,
      untaggedDelete: 2,
      taggedInsert: 3,
      taggedFormat: 4,
      taggedDelete: 5,
    });
    expect(await tableRows()).toEqual(await expectedRows());
  });
});

describe('tag-only counts from asset_tag_words', () => {
  beforeAll(async () => {
    const vocabulary = ['red', 'blue', 'green', 'Summer Sale', 'archived', 'sale'];
    for (let i = 0; i < 60; i++) {
      const tags = vocabulary.filter((_, t) => (i * (t + 3)) % (t + 2) === 0);
      await insert(`counted/${i}`, tags, {
        format: i % 7 === 0 ? null : ['jpg', 'png', 'mp4'][i % 3]!,
        resourceType: i % 3 === 2 ? 'video' : 'image',
      });
    }
  });

  const EXPRESSIONS = [
    'tags=red',
    'tags:summer',
    'tags:SALE',
    'tags="Summer Sale"',
    'tags=red OR tags=blue OR tags=green',
    'tags=red OR tags:sale',
    'NOT tags=archived',
    'resource_type:image AND NOT tags=archived',
    'resource_type:video AND NOT (tags=red OR tags=blue)',
    'format=png AND tags=blue',
    'format:jpg AND tags=red AND type=upload',
    'tags=nothing',
    'NOT tags=nothing',
  ];

  it.each(EXPRESSIONS)('%s counts as on assets', async (expression) => {
    const node = parseSearchExpression(expression);
    const searched = await searchAssets(db, { cloudName: CLOUD, expression: node, now: NOW, sort: [], maxResults: 500 });
    // The page (500 ≥ every match) is read from `assets`: the count must be its length.
    expect(searched.totalCount).toBe(searched.assets.length);
  });

  it('reads tag-only counts from asset_tag_words, and other counts from assets', async () => {
    const countPlan = async (expression: string) => {
      const explained = await explainAssetSearch(
        db,
        { cloudName: CLOUD, expression: parseSearchExpression(expression), now: NOW, sort: [], maxResults: 10 },
        { analyze: false },
      );
      return explained.find((statement) => statement.statement === 'count')!.plan.join('\n');
    };
    for (const expression of ['tags=red', 'tags=red OR tags:sale', 'resource_type:image AND NOT tags=archived']) {
      expect(await countPlan(expression)).toContain('asset_tag_words');
    }
    for (const expression of ['tags:"summer sale"', 'tags=red AND bytes>10', 'tags:sal*']) {
      expect(await countPlan(expression)).not.toContain('asset_tag_words');
    }
  });

  it('aggregates a tag term and an OR of tags by format and resource_type as on assets', async () => {
    for (const expression of ['tags=red', 'tags=red OR tags=blue', 'tags:sale AND resource_type:image']) {
      const node = parseSearchExpression(expression);
      const searched = await searchAssets(db, {
        cloudName: CLOUD,
        expression: node,
        now: NOW,
        sort: [],
        maxResults: 500,
        aggregates: [
          { kind: 'terms', field: 'format' },
          { kind: 'terms', field: 'resource_type' },
        ],
      });
      const byFormat: Record<string, number> = {};
      const byType: Record<string, number> = {};
      for (const asset of searched.assets) {
        if (asset.format !== null && asset.format !== undefined) byFormat[asset.format] = (byFormat[asset.format] ?? 0) + 1;
        byType[asset.resourceType] = (byType[asset.resourceType] ?? 0) + 1;
      }
      expect(searched.totalCount).toBe(searched.assets.length);
      expect(searched.aggregations?.format).toEqual(byFormat);
      expect(searched.aggregations?.resource_type).toEqual(byType);
    }
  });
});

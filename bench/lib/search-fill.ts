import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { CatalogDb } from '@rendition/catalog';
// The search indexes are built after the rows (CREATE INDEX on a loaded table), with the migration's own statements.
import * as searchIndexes from '../../packages/catalog/src/migrations/0015-search-indexes.ts';
// So is 0020's asset_tag_words (its triggers would otherwise run per inserted row): dropped before, backfilled after.
import * as searchTagWords from '../../packages/catalog/src/migrations/0020-search-tag-words.ts';
// And 0026's asset_counts (a grouped count of the loaded rows).
import * as searchAssetCounts from '../../packages/catalog/src/migrations/0026-search-asset-counts.ts';
import { fixed } from './stats.ts';

const CHUNK = 100_000;

/**
 * 1,000,000 assets in chunks of INSERT … SELECT from generate_series, seeded so every run fills the
 * same catalog: 85 % images (jpg, png, webp, gif, heic), 12 % videos with a duration, 3 % raw; folders
 * products/<category>, users/u<n> (skewed), marketing/campaign_<n>, archive/<year>, uploads; sizes
 * log-uniform per type; common image dimensions and ratios; 0–4 tags from a skewed vocabulary of 200
 * (and `archived` on 8 %, a long tail of batch_<n>); a photographer on 35 %, alt text on 25 %;
 * metadata on 10 %; created over three years, denser recently.
 */
export async function fillSearchCatalog(db: CatalogDb, cloudName: string, assets: number): Promise<void> {
  await searchAssetCounts.down(db as unknown as Kysely<unknown>);
  await searchTagWords.down(db as unknown as Kysely<unknown>);
  await searchIndexes.down(db as unknown as Kysely<unknown>);
  const started = performance.now();
  for (let first = 1; first <= assets; first += CHUNK) {
    const last = Math.min(assets, first + CHUNK - 1);
    await db.transaction().execute(async (trx) => {
      await sql`SELECT setseed(${(first / assets) * 0.9})`.execute(trx);
      await sql`
        INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, format, width, height,
          bytes, etag, content_type, storage_key, tags, context, metadata, asset_folder, display_name, original_filename, created_at, media,
          moderation_status)
        SELECT md5('asset' || i), ${cloudName}, rt, 'upload', folder || '/' || name || '_' || i, 1, md5('version' || i), fmt,
          CASE WHEN rt = 'raw' THEN NULL ELSE w END,
          CASE WHEN rt = 'raw' THEN NULL WHEN rt = 'video' THEN w * 9 / 16 ELSE round(w / ratio)::int END,
          bytes, md5('etag' || i), 'application/octet-stream', 'bench/' || i,
          array_remove(ARRAY[
            CASE WHEN r9 < 0.3 THEN tag_a END, CASE WHEN r11 < 0.5 THEN tag_b END,
            CASE WHEN r13 < 0.08 THEN 'archived' END, CASE WHEN r14 < 0.2 THEN 'batch_' || floor(r15 * 5000) END
          ], NULL),
          (CASE WHEN r16 < 0.35 THEN jsonb_build_object('photographer', 'ph_' || floor(r17 * r17 * 300)) ELSE '{}'::jsonb END)
            || (CASE WHEN r18 < 0.25 THEN jsonb_build_object('alt', words[1 + floor(r19 * 30)::int] || ' ' || words[1 + floor(r20 * 30)::int]) ELSE '{}'::jsonb END),
          CASE WHEN r21 < 0.1 THEN jsonb_build_object('priority', floor(r22 * 10)) ELSE '{}'::jsonb END,
          CASE WHEN r23 < 0.6 THEN folder ELSE '' END, name || '_' || i, name || '.' || coalesce(fmt, 'bin'),
          now() - power(r24, 1.7) * interval '1095 days',
          CASE WHEN rt = 'video' THEN json_build_object('duration', round((r25 * 600)::numeric, 2)) END,
          CASE WHEN r26 < 0.02 THEN 'approved' WHEN r26 < 0.025 THEN 'rejected' END
        FROM (
          SELECT i, r9, r11, r13, r14, r15, r16, r17, r18, r19, r20, r21, r22, r23, r24, r25, r26, words, ratio, name,
            CASE WHEN ka < 40 THEN tag_words[ka + 1] ELSE 'tag_' || ka END AS tag_a,
            CASE WHEN kb < 40 THEN tag_words[kb + 1] ELSE 'tag_' || kb END AS tag_b,
            CASE WHEN r1 < 0.85 THEN 'image' WHEN r1 < 0.97 THEN 'video' ELSE 'raw' END AS rt,
            CASE WHEN r1 < 0.85 THEN (CASE WHEN r2 < 0.5 THEN 'jpg' WHEN r2 < 0.75 THEN 'png' WHEN r2 < 0.9 THEN 'webp' WHEN r2 < 0.95 THEN 'gif' ELSE 'heic' END)
                 WHEN r1 < 0.97 THEN (CASE WHEN r2 < 0.8 THEN 'mp4' WHEN r2 < 0.95 THEN 'mov' ELSE 'webm' END) END AS fmt,
            CASE WHEN r3 < 0.35 THEN 'products/' || categories[1 + floor(r4 * 40)::int]
                 WHEN r3 < 0.65 THEN 'users/u' || floor(r4 * r4 * 20000)
                 WHEN r3 < 0.80 THEN 'marketing/campaign_' || floor(r4 * 300)
                 WHEN r3 < 0.92 THEN 'archive/' || (2015 + floor(r4 * 10))
                 ELSE 'uploads' END AS folder,
            CASE WHEN r1 < 0.85 THEN floor(exp(9 + r6 * 6.5)) WHEN r1 < 0.97 THEN floor(exp(13 + r6 * 5)) ELSE floor(exp(7 + r6 * 8)) END::bigint AS bytes,
            CASE WHEN r1 < 0.85 THEN (ARRAY[320, 480, 640, 800, 1024, 1200, 1280, 1600, 1920, 2048, 2400, 3000, 4000, 6000])[1 + floor(r7 * 14)::int]
                 ELSE (ARRAY[640, 1280, 1920, 3840])[1 + floor(r7 * 4)::int] END AS w
          FROM (
            SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() AS r6, random() AS r7,
              random() AS r8, random() AS r9, random() AS r10, random() AS r11, random() AS r12, random() AS r13, random() AS r14,
              random() AS r15, random() AS r16, random() AS r17, random() AS r18, random() AS r19, random() AS r20, random() AS r21,
              random() AS r22, random() AS r23, random() AS r24, random() AS r25, random() AS r26
            FROM generate_series(${first}::int, ${last}::int) AS i
          ) draws
          CROSS JOIN LATERAL (SELECT
            ARRAY['shirt', 'dress', 'shoe', 'beach', 'sunset', 'portrait', 'logo', 'banner', 'hero', 'thumbnail', 'avatar', 'product',
              'team', 'office', 'event', 'food', 'car', 'house', 'dog', 'cat', 'flower', 'mountain', 'city', 'night', 'sale', 'summer',
              'winter', 'spring', 'autumn', 'kids'] AS words,
            ARRAY['shoes', 'shirts', 'dresses', 'bags', 'hats', 'watches', 'jewelry', 'sunglasses', 'jackets', 'jeans', 'socks', 'belts',
              'scarves', 'gloves', 'boots', 'sandals', 'sneakers', 'skirts', 'shorts', 'sweaters', 'coats', 'suits', 'ties', 'wallets',
              'backpacks', 'luggage', 'perfume', 'makeup', 'skincare', 'haircare', 'toys', 'games', 'books', 'music', 'movies',
              'kitchen', 'garden', 'tools', 'sports', 'outdoor'] AS categories,
            (ARRAY[1.0, 1.3333, 1.5, 1.7778, 0.75, 0.6667])[1 + floor(r8 * 6)::int] AS ratio,
            (ARRAY['img', 'photo', 'shot', 'product', 'banner', 'hero', 'dsc', 'scan'])[1 + floor(r5 * 8)::int] AS name,
            ARRAY['summer', 'sale', 'red', 'blue', 'green', 'new', 'featured', 'lifestyle', 'studio', 'outdoor', 'portrait',
              'landscape', 'black', 'white', 'winter', 'spring', 'autumn', 'kids', 'men', 'women', 'sport', 'travel', 'food', 'nature',
              'city', 'night', 'vintage', 'modern', 'minimal', 'colorful', 'bestseller', 'limited', 'promo', 'holiday', 'wedding',
              'party', 'office', 'home', 'pets', 'beach'] AS tag_words,
            floor(power(r10, 2.5) * 200)::int AS ka,
            floor(r12 * r12 * 200)::int AS kb
          ) vocabulary
        ) picked`.execute(trx);
    });
    process.stdout.write(`\rfilled ${last.toLocaleString('en')} assets`);
  }
  const filled = performance.now() - started;
  const building = performance.now();
  await db.connection().execute(async (connection) => {
    await sql`SET maintenance_work_mem = '512MB'`.execute(connection);
    await searchIndexes.up(connection as unknown as Kysely<unknown>);
    await searchTagWords.up(connection as unknown as Kysely<unknown>);
    await sql`RESET maintenance_work_mem`.execute(connection);
  });
  const built = performance.now() - building;
  const counting = performance.now();
  await db.transaction().execute((trx) => searchAssetCounts.up(trx as unknown as Kysely<unknown>));
  const counted = performance.now() - counting;
  const vacuuming = performance.now();
  // Index-only scans (asset_tag_words' counts) skip the heap only on pages the visibility map marks all-visible.
  await sql`VACUUM ANALYZE assets, asset_tag_words, asset_counts`.execute(db);
  console.log(
    `\nfill: ${fixed(filled / 1000)} s for ${assets.toLocaleString('en')} rows (other migrations' indexes maintained); ` +
      `0015's indexes and 0020's asset_tag_words built after: ${fixed(built / 1000)} s; 0026's asset_counts: ${fixed(counted / 1000, 2)} s; ` +
      `VACUUM ANALYZE: ${fixed((performance.now() - vacuuming) / 1000)} s`,
  );
}

import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addImageHash,
  chunkNeighbours,
  connectCatalog,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  findSimilarImages,
  hashChunks,
  hexToSignedBigint,
  maxDistanceForSimilarity,
  migrateToLatest,
  removeImageHash,
  signedBigintToHex,
  similarImagesQuery,
  type CatalogDb,
  type FindSimilarImagesInput,
} from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

let databaseUrl: string;
let db: CatalogDb;

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('image-hashes');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

/** mulberry32: the "random" hashes are the same on every run, so a failure reproduces. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomHash(random: () => number): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += Math.floor(random() * 16).toString(16);
  return hex;
}

/** Bit 0 is the hash's most significant bit (the first hex digit's top bit). */
function flipBits(hex: string, bits: readonly number[]): string {
  let value = BigInt(`0x${hex}`);
  for (const bit of bits) value ^= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, '0');
}

/** `count` bit positions dealt round-robin over the four chunks: the spread that leaves every chunk nearest the lookup radius. */
function spreadBits(count: number): number[] {
  return Array.from({ length: count }, (_, j) => (j % 4) * 16 + Math.floor(j / 4));
}

function distinctBits(count: number, random: () => number): number[] {
  const bits = new Set<number>();
  while (bits.size < count) bits.add(Math.floor(random() * 64));
  return [...bits];
}

function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x !== 0n) {
    count += Number(x & 1n);
    x >>= 1n;
  }
  return count;
}

let clouds = 0;
async function newCloud(): Promise<string> {
  const name = `hashes${++clouds}`;
  await ensureCloud(db, name);
  return name;
}

async function insertAsset(cloudName: string, publicId: string, moderationStatus: string | null = null): Promise<string> {
  const assetId = randomBytes(16).toString('hex');
  await sql`
    INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, bytes, etag, content_type, storage_key, display_name, created_at, moderation_status)
    VALUES (${assetId}, ${cloudName}, 'image', 'upload', ${publicId}, 1, ${randomBytes(16).toString('hex')}, 1, ${'0'.repeat(32)}, 'image/jpeg', ${`k/${assetId}`}, ${publicId}, now(), ${moderationStatus})
  `.execute(db);
  return assetId;
}

async function indexed(cloudName: string, publicId: string, phash: string, moderationStatus: string | null = null): Promise<string> {
  const assetId = await insertAsset(cloudName, publicId, moderationStatus);
  await addImageHash(db, { assetId, cloudName, phash });
  return assetId;
}

describe('pure helpers', () => {
  it('splits a hash into 16-bit chunks, most significant first', () => {
    expect(hashChunks('0123456789abcdef')).toEqual([0x0123, 0x4567, 0x89ab, 0xcdef]);
    expect(hashChunks('FFFF00000000FFFF')).toEqual([0xffff, 0, 0, 0xffff]);
    expect(() => hashChunks('0123')).toThrow(TypeError);
    expect(() => hashChunks('0123456789abcdeg')).toThrow(TypeError);
  });

  it.each([
    ['0000000000000000', '0'],
    ['0000000000000001', '1'],
    ['7fffffffffffffff', '9223372036854775807'],
    ['8000000000000000', '-9223372036854775808'],
    ['ffffffffffffffff', '-1'],
    ['d393644e93af2b90', '-3201104621482333296'],
  ])('stores %s as the signed 64-bit %s and reads it back', (hex, signed) => {
    expect(hexToSignedBigint(hex)).toBe(signed);
    expect(signedBigintToHex(signed)).toBe(hex);
  });

  it('refuses bigint text out of range', () => {
    expect(() => signedBigintToHex('9223372036854775808')).toThrow(RangeError);
    expect(() => signedBigintToHex('0x10')).toThrow(TypeError);
  });

  it.each([
    [1, 0],
    [0.99, 0],
    [0.95, 3],
    [0.9, 6],
    [0.85, 9],
    [0.8, 12],
    [0.75, 16],
    [0.5, 32],
    [0, 64],
    [-1, 64],
    [2, 0],
  ])('threshold %f allows distance %i', (threshold, distance) => {
    expect(maxDistanceForSimilarity(threshold)).toBe(distance);
  });

  it.each([
    [0, 1],
    [1, 17],
    [2, 137],
    [3, 697],
  ])('enumerates every 16-bit value within radius %i once (%i values)', (radius, count) => {
    const values = chunkNeighbours(0xa5c3, radius);
    expect(values).toHaveLength(count);
    expect(new Set(values).size).toBe(count);
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(65536);
      expect(hamming(value.toString(16).padStart(16, '0'), (0xa5c3).toString(16).padStart(16, '0'))).toBeLessThanOrEqual(radius);
    }
  });
});

describe('findSimilarImages', () => {
  it('stores the bits as written, sign bit included', async () => {
    const cloud = await newCloud();
    for (const hex of ['ffffffffffffffff', '8000000000000000', '7fffffffffffffff', '0000000000000000']) {
      const assetId = await indexed(cloud, hex, hex);
      const row = await sql<{ hash: string; chunks: number[] }>`
        SELECT hash::text AS hash, ARRAY[chunk0, chunk1, chunk2, chunk3] AS chunks FROM image_hashes WHERE asset_id = ${assetId}
      `.execute(db);
      expect(signedBigintToHex(row.rows[0]!.hash)).toBe(hex);
      expect(row.rows[0]!.chunks).toEqual(hashChunks(hex));
    }
  });

  it.each([0, 1, 3, 4, 6, 7, 9, 12, 15, 16, 19, 24])(
    'finds exactly the hashes within distance %i, bits spread over the chunks',
    async (maxDistance) => {
      const cloud = await newCloud();
      const random = seededRandom(1000 + maxDistance);
      const query = randomHash(random);
      const expected = new Map<string, number>();
      for (let distance = 0; distance <= maxDistance + 2; distance++) {
        const publicId = `spread-${distance}`;
        await indexed(cloud, publicId, flipBits(query, spreadBits(distance)));
        if (distance <= maxDistance) expected.set(publicId, distance);
      }
      const found = await findSimilarImages(db, { cloudName: cloud, phash: query, maxDistance, limit: 100 });
      expect(new Map(found.map((match) => [match.publicId, match.distance]))).toEqual(expected);
      expect(found.map((match) => match.distance)).toEqual([...expected.values()]);
      for (const match of found) expect(match.similarity).toBe(1 - match.distance / 64);
    },
  );

  it('finds hashes whose differences all fall in one chunk, at every chunk boundary', async () => {
    const cloud = await newCloud();
    const query = '0123456789abcdef';
    const maxDistance = 9;
    const planted: Array<[string, number]> = [];
    for (let chunk = 0; chunk < 4; chunk++) {
      // The chunk's first and last bit, and a whole chunk's worth beyond the limit.
      planted.push([`edges-${chunk}`, 2]);
      await indexed(cloud, `edges-${chunk}`, flipBits(query, [chunk * 16, chunk * 16 + 15]));
      planted.push([`nine-${chunk}`, 9]);
      await indexed(
        cloud,
        `nine-${chunk}`,
        flipBits(
          query,
          [0, 1, 2, 3, 4, 5, 6, 7, 8].map((bit) => chunk * 16 + bit),
        ),
      );
      await indexed(
        cloud,
        `ten-${chunk}`,
        flipBits(
          query,
          [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((bit) => chunk * 16 + bit),
        ),
      );
    }
    // Straddling the boundary between two chunks.
    planted.push(['straddle', 4]);
    await indexed(cloud, 'straddle', flipBits(query, [14, 15, 16, 17]));
    const found = await findSimilarImages(db, { cloudName: cloud, phash: query, maxDistance, limit: 100 });
    expect(new Map(found.map((match) => [match.publicId, match.distance]))).toEqual(new Map(planted));
  });

  it('matches a brute-force search on random hashes at random distances', async () => {
    const cloud = await newCloud();
    const random = seededRandom(7);
    const query = randomHash(random);
    const hashes: string[] = [];
    for (let i = 0; i < 300; i++) {
      const hash = flipBits(query, distinctBits(Math.floor(random() * 24), random));
      hashes.push(hash);
      await indexed(cloud, `random-${i}`, hash);
    }
    for (const maxDistance of [2, 6, 9, 12, 15, 20]) {
      const found = await findSimilarImages(db, { cloudName: cloud, phash: query, maxDistance, limit: 1000 });
      const expected = hashes
        .map((hash, i) => ({ publicId: `random-${i}`, distance: hamming(hash, query) }))
        .filter((entry) => entry.distance <= maxDistance);
      expect(found.map((match) => match.publicId).sort(), `distance ${maxDistance}`).toEqual(expected.map((entry) => entry.publicId).sort());
      expect(found.map((match) => match.distance)).toEqual([...found.map((match) => match.distance)].sort((a, b) => a - b));
    }
  });

  it('works across the sign bit: ffffffffffffffff, 8000000000000000 and their neighbours', async () => {
    const cloud = await newCloud();
    await indexed(cloud, 'all-ones', 'ffffffffffffffff');
    await indexed(cloud, 'top-clear', '7fffffffffffffff');
    await indexed(cloud, 'bottom-clear', 'fffffffffffffffe');
    await indexed(cloud, 'top-only', '8000000000000000');
    await indexed(cloud, 'zero', '0000000000000000');
    const near = (phash: string, maxDistance: number) => findSimilarImages(db, { cloudName: cloud, phash, maxDistance });
    expect((await near('ffffffffffffffff', 1)).map((m) => [m.publicId, m.distance])).toEqual([
      ['all-ones', 0],
      ['top-clear', 1],
      ['bottom-clear', 1],
    ]);
    expect((await near('8000000000000000', 1)).map((m) => [m.publicId, m.distance])).toEqual([
      ['top-only', 0],
      ['zero', 1],
    ]);
    expect((await near('0000000000000000', 0)).map((m) => m.publicId)).toEqual(['zero']);
    expect((await near('7fffffffffffffff', 64)).map((m) => [m.publicId, m.distance])).toEqual([
      ['top-clear', 0],
      ['all-ones', 1],
      ['bottom-clear', 2],
      ['zero', 63],
      ['top-only', 64],
    ]);
  });

  it('leaves out rejected assets, other clouds and the excluded asset', async () => {
    const cloud = await newCloud();
    const other = await newCloud();
    const query = 'd393644e93af2b90';
    const plain = await indexed(cloud, 'plain', query);
    await indexed(cloud, 'pending', flipBits(query, [5]), 'pending');
    await indexed(cloud, 'approved', flipBits(query, [6, 40]), 'approved');
    await indexed(cloud, 'rejected', query, 'rejected');
    await indexed(other, 'elsewhere', query);
    const search: FindSimilarImagesInput = { cloudName: cloud, phash: query, maxDistance: 6 };
    expect((await findSimilarImages(db, search)).map((m) => m.publicId)).toEqual(['plain', 'pending', 'approved']);
    expect((await findSimilarImages(db, { ...search, excludeAssetId: plain })).map((m) => m.publicId)).toEqual(['pending', 'approved']);
    expect((await findSimilarImages(db, { ...search, limit: 1 })).map((m) => m.publicId)).toEqual(['plain']);
    expect((await findSimilarImages(db, { ...search, cloudName: other })).map((m) => m.publicId)).toEqual(['elsewhere']);
  });

  it('puts the earliest indexed first among equally near images', async () => {
    const cloud = await newCloud();
    const query = '0f0f0f0f0f0f0f0f';
    await indexed(cloud, 'first', query);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await indexed(cloud, 'second', query);
    expect((await findSimilarImages(db, { cloudName: cloud, phash: query, maxDistance: 0 })).map((m) => m.publicId)).toEqual(['first', 'second']);
  });

  it('replaces an asset’s hash on re-indexing, forgets it on removal and when the asset goes', async () => {
    const cloud = await newCloud();
    const assetId = await indexed(cloud, 'changing', '1111111111111111');
    await addImageHash(db, { assetId, cloudName: cloud, phash: '2222222222222222' });
    const count = async () => (await db.selectFrom('image_hashes').select('asset_id').where('cloud_name', '=', cloud).execute()).length;
    expect(await count()).toBe(1);
    expect(await findSimilarImages(db, { cloudName: cloud, phash: '1111111111111111', maxDistance: 6 })).toEqual([]);
    expect((await findSimilarImages(db, { cloudName: cloud, phash: '2222222222222222', maxDistance: 0 })).map((m) => m.assetId)).toEqual([assetId]);
    await removeImageHash(db, assetId);
    expect(await count()).toBe(0);
    await addImageHash(db, { assetId, cloudName: cloud, phash: '2222222222222222' });
    await db.deleteFrom('assets').where('asset_id', '=', assetId).execute();
    expect(await count()).toBe(0);
  });

  it('refuses a malformed hash, distance or limit', async () => {
    const base = { cloudName: 'demo', phash: '0123456789abcdef', maxDistance: 6 };
    await expect(findSimilarImages(db, { ...base, phash: 'xyz' })).rejects.toThrow(TypeError);
    await expect(findSimilarImages(db, { ...base, maxDistance: -1 })).rejects.toThrow(RangeError);
    await expect(findSimilarImages(db, { ...base, limit: 0 })).rejects.toThrow(RangeError);
  });
});

describe('findSimilarImages at 100,000 hashes', () => {
  const SIZE = 100_000;
  const CLOUD = 'perf';
  const query = 'c3a5f00d1234beef';
  // Planted at these distances with the bits spread over the chunks: the lookup's hardest case.
  const PLANTED = [1, 3, 6, 7, 9, 10];
  let all: Array<{ publicId: string; hash: string }>;

  beforeAll(async () => {
    await ensureCloud(db, CLOUD);
    // Random hashes from md5 (the same on every run); assets first, for the join and the foreign key.
    await sql`
      INSERT INTO assets (asset_id, cloud_name, resource_type, type, public_id, version, version_id, bytes, etag, content_type, storage_key, display_name, created_at)
      SELECT md5('asset' || g), ${CLOUD}, 'image', 'upload', 'bulk/' || g, 1, md5('version' || g), 1, md5('etag' || g), 'image/jpeg', 'k/' || g, 'bulk' || g, now()
      FROM generate_series(1, ${SIZE}) AS g
    `.execute(db);
    await sql`
      INSERT INTO image_hashes (asset_id, cloud_name, hash, chunk0, chunk1, chunk2, chunk3)
      SELECT asset_id, ${CLOUD}, hash, (hash >> 48) & 65535, (hash >> 32) & 65535, (hash >> 16) & 65535, hash & 65535
      FROM (SELECT md5('asset' || g) AS asset_id, ('x' || substr(md5('hash' || g), 1, 16))::bit(64)::bigint AS hash FROM generate_series(1, ${SIZE}) AS g) AS random
    `.execute(db);
    for (const distance of PLANTED) await indexed(CLOUD, `planted-${distance}`, flipBits(query, spreadBits(distance)));
    await sql`ANALYZE assets`.execute(db);
    await sql`ANALYZE image_hashes`.execute(db);
    const rows = await sql<{ public_id: string; hash: string }>`
      SELECT a.public_id, h.hash::text AS hash FROM image_hashes h JOIN assets a USING (asset_id) WHERE h.cloud_name = ${CLOUD}
    `.execute(db);
    all = rows.rows.map((row) => ({ publicId: row.public_id, hash: signedBigintToHex(row.hash) }));
    expect(all).toHaveLength(SIZE + PLANTED.length);
  }, 60_000);

  async function medianMs(search: FindSimilarImagesInput): Promise<number> {
    await findSimilarImages(db, search);
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      await findSimilarImages(db, search);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[2]!;
  }

  function bruteForce(phash: string, maxDistance: number): string[] {
    return all.filter((entry) => hamming(entry.hash, phash) <= maxDistance).map((entry) => entry.publicId);
  }

  it.each([
    [0.9, 6],
    [0.85, 9],
  ])('answers threshold %f (distance %i) in under 50 ms through the chunk indexes', async (threshold, maxDistance) => {
    expect(maxDistanceForSimilarity(threshold)).toBe(maxDistance);
    const search: FindSimilarImagesInput = { cloudName: CLOUD, phash: query, maxDistance, limit: 100 };
    const found = await findSimilarImages(db, search);
    expect(found.map((match) => match.publicId).sort()).toEqual(bruteForce(query, maxDistance).sort());
    expect(found.map((match) => match.publicId)).toEqual(expect.arrayContaining(PLANTED.filter((d) => d <= maxDistance).map((d) => `planted-${d}`)));

    const compiled = similarImagesQuery(db, search).compile();
    const plan = await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`EXPLAIN ${compiled.sql}`, [...compiled.parameters]));
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    console.log(`EXPLAIN, threshold ${threshold} (distance ${maxDistance}):\n${text}`);
    expect(text).toContain('image_hashes_chunk');
    expect(text).not.toMatch(/Seq Scan on image_hashes/);

    const median = await medianMs(search);
    console.log(`findSimilarImages at ${SIZE} hashes, threshold ${threshold} (distance ${maxDistance}): median ${median.toFixed(2)} ms`);
    expect(median).toBeLessThan(50);
  });

  it('stays exact below threshold 0.77, where it reads the cloud’s rows instead', async () => {
    const maxDistance = maxDistanceForSimilarity(0.7);
    expect(maxDistance).toBe(19);
    const search: FindSimilarImagesInput = { cloudName: CLOUD, phash: query, maxDistance, limit: 1000 };
    const found = await findSimilarImages(db, search);
    expect(found.map((match) => match.publicId).sort()).toEqual(bruteForce(query, maxDistance).sort());
    const median = await medianMs(search);
    console.log(`findSimilarImages at ${SIZE} hashes, threshold 0.7 (distance ${maxDistance}, no chunk lookup): median ${median.toFixed(2)} ms`);
  });
});

import { sql, type Kysely } from 'kysely';
import type { Database } from './database-schema.ts';

/**
 * The duplicate index behind `moderation=duplicate:<threshold>` (table `image_hashes`, migration
 * 0014): one 64-bit perceptual hash per indexed image, searched by Hamming distance.
 *
 * Similarity is `1 - hamming / 64`. Cloudinary does not document how its duplicate threshold maps
 * onto hash bits, so this is our decision: it is the obvious reading for a 64-bit hash and keeps
 * `duplicate:1` meaning "identical hash".
 *
 * Search is multi-index hashing: the hash is stored again as four 16-bit chunks, each with an index
 * on (cloud_name, chunkN). By pigeonhole, a hash within distance d of the query differs in at most
 * floor(d / 4) bits on at least one chunk, so looking up every 16-bit value within that radius of each
 * query chunk finds every candidate through index scans; the exact distance then filters them. The
 * number of values grows quickly with the radius (1, 17, 137, 697 per chunk for radius 0..3), so
 * beyond radius 3 (thresholds below about 0.77) the lookup would cost more than it saves and the
 * search reads the cloud's rows instead — still exact, but linear in the cloud's size.
 */

const CHUNKS = 4;
const CHUNK_BITS = 16;
const HASH_BITS = CHUNKS * CHUNK_BITS;
/** The largest chunk radius still looked up through the chunk indexes (697 values per chunk). */
const MAX_INDEXED_RADIUS = 3;

export interface SimilarImage {
  assetId: string;
  publicId: string;
  distance: number;
  /** 1 - distance / 64. */
  similarity: number;
}

export interface FindSimilarImagesInput {
  cloudName: string;
  /** 16 hex digits (perceptualHash's form). */
  phash: string;
  /** The largest Hamming distance that still counts as similar (maxDistanceForSimilarity). */
  maxDistance: number;
  /** An asset never reported as its own duplicate (re-moderating an indexed asset). */
  excludeAssetId?: string;
  limit?: number;
}

function normalizedHash(hex: string): string {
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) throw new TypeError(`a perceptual hash is 16 hex digits, not ${JSON.stringify(hex)}`);
  return hex.toLowerCase();
}

/** The hash's four 16-bit chunks, most significant first (chunk0 = the first four hex digits). */
export function hashChunks(hex: string): [number, number, number, number] {
  const hash = normalizedHash(hex);
  const chunk = (index: number): number => parseInt(hash.slice(index * 4, index * 4 + 4), 16);
  return [chunk(0), chunk(1), chunk(2), chunk(3)];
}

/** The hash as the signed 64-bit integer whose two's complement bits are the hash (decimal text). */
export function hexToSignedBigint(hex: string): string {
  return BigInt.asIntN(HASH_BITS, BigInt(`0x${normalizedHash(hex)}`)).toString();
}

/** The inverse of hexToSignedBigint. */
export function signedBigintToHex(text: string): string {
  if (!/^-?\d+$/.test(text)) throw new TypeError(`not a decimal integer: ${JSON.stringify(text)}`);
  const value = BigInt(text);
  if (value !== BigInt.asIntN(HASH_BITS, value)) throw new RangeError(`${text} does not fit in a signed 64-bit integer`);
  return BigInt.asUintN(HASH_BITS, value).toString(16).padStart(16, '0');
}

/**
 * The largest Hamming distance whose similarity (1 - distance / 64) still reaches `threshold`. The
 * epsilon keeps thresholds written in decimal (0.9 * 64 = 57.6000…01) from losing a bit to rounding.
 */
export function maxDistanceForSimilarity(threshold: number): number {
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, not ${threshold}`);
  return Math.min(HASH_BITS, Math.max(0, Math.floor((1 - threshold) * HASH_BITS + 1e-9)));
}

export function similarityOfDistance(distance: number): number {
  return 1 - distance / HASH_BITS;
}

/** Every 16-bit value within Hamming distance `radius` of `value`, `value` first. */
export function chunkNeighbours(value: number, radius: number): number[] {
  const out = [value];
  const flip = (current: number, fromBit: number, left: number): void => {
    if (left === 0) return;
    for (let bit = fromBit; bit < CHUNK_BITS; bit++) {
      const next = current ^ (1 << bit);
      out.push(next);
      flip(next, bit + 1, left - 1);
    }
  };
  flip(value, 0, Math.min(radius, CHUNK_BITS));
  return out;
}

/** Indexes (or re-indexes, when the asset's image changed) the asset's hash. */
export async function addImageHash(db: Kysely<Database>, input: { assetId: string; cloudName: string; phash: string }): Promise<void> {
  const [chunk0, chunk1, chunk2, chunk3] = hashChunks(input.phash);
  const row = { cloud_name: input.cloudName, hash: hexToSignedBigint(input.phash), chunk0, chunk1, chunk2, chunk3 };
  await db
    .insertInto('image_hashes')
    .values({ asset_id: input.assetId, ...row })
    .onConflict((c) => c.column('asset_id').doUpdateSet({ ...row, created_at: sql`now()` }))
    .execute();
}

export async function removeImageHash(db: Kysely<Database>, assetId: string): Promise<void> {
  await db.deleteFrom('image_hashes').where('asset_id', '=', assetId).execute();
}

/**
 * The query behind findSimilarImages, exported so that tests can EXPLAIN it. One UNION branch per
 * chunk rather than an OR of the four: planned as one scan, the OR's combined estimate made the
 * planner read all 100,000 rows of a test cloud sequentially at distance 9, while each branch alone is
 * plainly an index lookup. `distance` is computed in SQL (bit_count of the XOR, PostgreSQL 14+) so
 * only matches travel back and get joined to their assets.
 */
export function similarImagesQuery(db: Kysely<Database>, input: FindSimilarImagesInput) {
  const maxDistance = Math.floor(input.maxDistance);
  if (!(maxDistance >= 0)) throw new RangeError(`maxDistance must be 0 or more, not ${input.maxDistance}`);
  const limit = input.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, not ${limit}`);
  const queryHash = sql<string>`${hexToSignedBigint(input.phash)}::bigint`;
  const distance = sql<number>`bit_count(int8send(hash # ${queryHash}))`;
  const radius = Math.floor(maxDistance / CHUNKS);
  const chunks = hashChunks(input.phash);
  const near = () =>
    db
      .selectFrom('image_hashes')
      .select(['asset_id', 'created_at', distance.as('distance')])
      .where('cloud_name', '=', input.cloudName)
      .where(distance, '<=', maxDistance)
      .$if(input.excludeAssetId !== undefined, (q) => q.where('asset_id', '!=', input.excludeAssetId!));
  const candidates =
    radius > MAX_INDEXED_RADIUS
      ? near()
      : (['chunk0', 'chunk1', 'chunk2', 'chunk3'] as const)
          .map((column, index) => near().where(column, '=', sql<number>`ANY(${chunkNeighbours(chunks[index]!, radius)}::integer[])`))
          .reduce((union, branch) => union.union(branch));
  return db
    .selectFrom(candidates.as('h'))
    .innerJoin('assets as a', 'a.asset_id', 'h.asset_id')
    .select(['h.asset_id', 'a.public_id', 'h.distance'])
    .where((eb) => eb.or([eb('a.moderation_status', 'is', null), eb('a.moderation_status', '!=', 'rejected')]))
    .orderBy('h.distance')
    .orderBy('h.created_at')
    .orderBy('h.asset_id')
    .limit(limit);
}

/**
 * The cloud's indexed images within `maxDistance` of `phash`, nearest first (the earliest indexed
 * first among equals: the original before its copies), leaving out rejected assets: an image
 * rejected as a duplicate or by a moderator is no original to match against.
 */
export async function findSimilarImages(db: Kysely<Database>, input: FindSimilarImagesInput): Promise<SimilarImage[]> {
  const rows = await similarImagesQuery(db, input).execute();
  return rows.map((row) => {
    const distance = Number(row.distance);
    return { assetId: row.asset_id, publicId: row.public_id, distance, similarity: similarityOfDistance(distance) };
  });
}

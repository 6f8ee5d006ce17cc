import { sql } from 'kysely';
import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import type { CatalogDb } from './connection.ts';
import { derivedRecordFromRow, type DerivedRecord } from './derived-repository.ts';
import { scopeIs } from './identity-filters.ts';
import { moderationEntryIs } from './moderation-repository.ts';

/**
 * The Admin API's reads. Listings are keyset-paginated: rows are walked in one total order and a page
 * resumes strictly after the last key of the previous one. Two orders exist, as in Cloudinary:
 * creation time, keyed (created_at, asset_id), for listings without a prefix; and public_id, keyed
 * (public_id, asset_id) with public_id compared byte-wise (`COLLATE "C"`, whatever the database's
 * collation), for prefix listings. An insert or delete between two page fetches therefore never
 * shifts the rows still to come: every row that exists for the whole walk is returned exactly once, a
 * deleted one is simply not there, and a new one appears iff it sorts after the cursor (in creation
 * order: never in a newest-first walk, always at the end of an oldest-first one). Offset pagination
 * would skip or repeat rows as soon as an earlier row changes. An overwrite is a new creation time
 * (Cloudinary's created_at follows it too), so an asset overwritten during a walk moves in the order.
 */

export type ListDirection = 'asc' | 'desc';
export type ListOrder = 'public_id' | 'created_at';

/** The last row of a page in public_id order: where the next page starts (exclusive). */
export interface AssetListKey {
  publicId: string;
  assetId: string;
}

/**
 * The last row of a page in creation order. The timestamp is PostgreSQL's own text at microsecond
 * precision: a JS Date keeps milliseconds only, and a truncated key would skip or repeat rows.
 */
export interface CreatedAtListKey {
  createdAt: string;
  assetId: string;
}

export interface AssetListQuery {
  cloudName: string;
  /** Absent: every resource type (`resources_by_asset_folder`). */
  resourceType?: string;
  /** Absent: every delivery type (`GET resources/:resource_type`). */
  type?: string;
  /** public_id starts with this text, taken literally (`%` and `_` are not wildcards). */
  prefix?: string;
  /** Assets carrying this tag. */
  tag?: string;
  /** Assets whose context holds this key (with this value when one is given). */
  context?: { key: string; value?: string };
  /** Assets in exactly this asset folder. */
  assetFolder?: string;
  /** Assets whose moderation holds an entry of this kind with this status (`resources_by_moderation`). */
  moderation?: { kind: string; status: string };
  /** Assets created at or after this time (`start_at`). */
  createdFrom?: Date;
  /** public_id (the default, which archives and compositions rely on) or creation time. */
  order?: ListOrder;
  maxResults: number;
  direction?: ListDirection;
  after?: AssetListKey | CreatedAtListKey;
}

export interface AssetPage {
  assets: AssetRecord[];
  /** Present only when more rows follow this page; its form follows the query's order. */
  next?: AssetListKey | CreatedAtListKey;
}

export const MAX_LIST_RESULTS = 500;

const CREATED_AT_KEY = sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function listAssets(db: CatalogDb, query: AssetListQuery): Promise<AssetPage> {
  if (!Number.isInteger(query.maxResults) || query.maxResults < 1 || query.maxResults > MAX_LIST_RESULTS) {
    throw new RangeError(`maxResults must be an integer from 1 to ${MAX_LIST_RESULTS}`);
  }
  const byCreation = query.order === 'created_at';
  const direction = query.direction === 'desc' ? 'desc' : 'asc';
  const comparison = sql.raw(direction === 'desc' ? '<' : '>');
  let select = db.selectFrom('assets').selectAll().select(CREATED_AT_KEY.as('created_at_key')).where('cloud_name', '=', query.cloudName);
  if (query.resourceType !== undefined) select = select.where('resource_type', '=', query.resourceType);
  if (query.type !== undefined) select = select.where('type', '=', query.type);
  if (query.prefix !== undefined && query.prefix !== '') {
    select = select.where(sql<boolean>`public_id COLLATE "C" LIKE ${`${escapeLike(query.prefix)}%`}`);
  }
  if (query.tag !== undefined) select = select.where(sql<boolean>`tags @> ARRAY[${query.tag}]::text[]`);
  if (query.context !== undefined) {
    const { key, value } = query.context;
    select =
      value === undefined
        ? select.where(sql<boolean>`context ? ${key}`)
        : select.where(sql<boolean>`context @> jsonb_build_object(${key}::text, ${value}::text)`);
  }
  if (query.assetFolder !== undefined) select = select.where('asset_folder', '=', query.assetFolder);
  if (query.moderation !== undefined) select = select.where(moderationEntryIs(query.moderation));
  if (query.createdFrom !== undefined) select = select.where('created_at', '>=', query.createdFrom);
  if (query.after) {
    const after = query.after;
    if (byCreation !== 'createdAt' in after) throw new RangeError('the page key does not belong to the listing order');
    select =
      'createdAt' in after
        ? select.where(sql<boolean>`(created_at, asset_id) ${comparison} (${after.createdAt}::timestamptz, ${after.assetId})`)
        : select.where(sql<boolean>`(public_id COLLATE "C", asset_id) ${comparison} (${after.publicId}, ${after.assetId})`);
  }
  const ordered = byCreation ? select.orderBy('created_at', direction) : select.orderBy(sql`public_id COLLATE "C"`, direction);
  // One row more than asked says whether another page exists without a count.
  const rows = await ordered
    .orderBy('asset_id', direction)
    .limit(query.maxResults + 1)
    .execute();
  const page = rows.slice(0, query.maxResults);
  const assets = page.map(assetRecordFromRow);
  const last = page.at(-1);
  if (rows.length <= query.maxResults || !last) return { assets };
  const assetId = last.asset_id.trim();
  return { assets, next: byCreation ? { createdAt: last.created_at_key, assetId } : { publicId: last.public_id, assetId } };
}

/** The assets among `publicIds` that exist, in the order asked (duplicates once). */
export async function findAssetsByPublicIds(
  db: CatalogDb,
  query: { cloudName: string; resourceType: string; type: string; publicIds: string[] },
): Promise<AssetRecord[]> {
  const wanted = [...new Set(query.publicIds)];
  if (wanted.length === 0) return [];
  const rows = await db.selectFrom('assets').selectAll().where(scopeIs(query)).where('public_id', 'in', wanted).execute();
  const byId = new Map(rows.map((row) => [row.public_id, assetRecordFromRow(row)]));
  return wanted.flatMap((publicId) => byId.get(publicId) ?? []);
}

/** The last derivative of a page of an asset's derivatives. */
export interface DerivedListKey {
  transformationHash: string;
  format: string;
}

/** The derivatives of an asset's current version, keyset-paginated like the asset listings. */
export async function listDerivedOfVersion(
  db: CatalogDb,
  query: { assetId: string; versionId: string; maxResults: number; after?: DerivedListKey },
): Promise<{ derived: DerivedRecord[]; next?: DerivedListKey }> {
  let select = db.selectFrom('derived').selectAll().where('asset_id', '=', query.assetId).where('version_id', '=', query.versionId);
  if (query.after) {
    select = select.where(
      sql<boolean>`(transformation_hash COLLATE "C", format COLLATE "C") > (${query.after.transformationHash}, ${query.after.format})`,
    );
  }
  const rows = await select
    .orderBy(sql`transformation_hash COLLATE "C"`)
    .orderBy(sql`format COLLATE "C"`)
    .limit(query.maxResults + 1)
    .execute();
  const derived = rows.slice(0, query.maxResults).map(derivedRecordFromRow);
  const last = derived.at(-1);
  return rows.length > query.maxResults && last ? { derived, next: { transformationHash: last.transformationHash, format: last.format } } : { derived };
}

export interface AssetVersionRecord {
  versionId: string;
  version: number;
  format: string | null;
  bytes: number;
  createdAt: Date;
}

/** The stored versions of an asset, oldest first. */
export async function listAssetVersions(db: CatalogDb, assetId: string): Promise<AssetVersionRecord[]> {
  const rows = await db
    .selectFrom('asset_versions')
    .select(['version_id', 'version', 'format', 'bytes', 'created_at'])
    .where('asset_id', '=', assetId)
    .orderBy('version')
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    versionId: row.version_id.trim(),
    version: Number(row.version),
    format: row.format,
    bytes: Number(row.bytes),
    createdAt: row.created_at,
  }));
}

/**
 * A page key as the opaque `next_cursor` clients hand back: base64url of a small JSON array. It
 * carries only the key (no offsets, no filters), so it stays valid however the table changes.
 */
export function encodeListCursor(parts: readonly string[]): string {
  return Buffer.from(JSON.stringify(['c1', ...parts]), 'utf8').toString('base64url');
}

/** The key parts of a cursor made by encodeListCursor with `arity` parts; undefined when it is not one. */
export function decodeListCursor(cursor: string, arity: number): string[] | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || cursor.length > 8_192) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== arity + 1 || value[0] !== 'c1') return undefined;
    const parts = value.slice(1);
    return parts.every((part): part is string => typeof part === 'string') ? parts : undefined;
  } catch {
    return undefined;
  }
}

/** `LIKE` text matching `text` literally (backslash is PostgreSQL's default LIKE escape). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

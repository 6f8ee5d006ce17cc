import { sql, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { Database } from './database-schema.ts';
import type { AssetScope } from './asset-records.ts';
import { deleteAssetRows } from './asset-management-repository.ts';
import { escapeLike, type AssetListKey } from './asset-queries.ts';
import { recordStandaloneJob, type NewJob } from './batches-repository.ts';
import { scopeIs } from './identity-filters.ts';

/**
 * The Admin API's deletes (`delete_resources` and its variants, `delete_derived_resources`). One call is
 * one transaction: the rows go, and the purge jobs that will delete their blobs are recorded in the
 * same transaction (the outbox), so a crash leaves either everything as it was or rows gone with their
 * purge durably owed. Blobs are never touched here. A call takes at most `limit` assets, walked in the
 * listings' keyset order (public_id byte-wise, then asset_id), so a delete of any size is a series of
 * bounded calls, each resuming after the previous one's last key.
 */

/** The assets one call names. */
export type BulkDeleteTarget =
  | { by: 'public_ids'; scope: AssetScope; publicIds: string[] }
  | { by: 'asset_ids'; cloudName: string; assetIds: string[] }
  | { by: 'prefix'; scope: AssetScope; prefix: string }
  /** Every delivery type when `type` is absent. */
  | { by: 'tag'; cloudName: string; resourceType: string; type?: string; tag: string }
  | { by: 'all'; scope: AssetScope };

/** Derivatives of one canonical transformation (its plan hash), in one format or, when null, in any. */
export interface DerivativeFilter {
  transformationHash: string;
  format: string | null;
}

/** What a call removed of one asset. */
export interface RemovedAsset {
  assetId: string;
  publicId: string;
  resourceType: string;
  type: string;
  version: number;
  /** 1 when the asset itself went (its row and current original), 0 when only derivatives did. */
  original: number;
  derived: number;
  /** Blobs whose rows are gone (backed-up originals are not among them). */
  storageKeys: string[];
  /** The asset row is gone: whatever else lies under its prefix is garbage too (see the purge handler). */
  destroyed: boolean;
}

export interface BulkDeleteOutcome {
  /** In keyset order. */
  removed: RemovedAsset[];
  /** Present when more assets match: where the next call resumes. */
  next?: AssetListKey;
  /** The purge jobs recorded with the change; the caller queues them after the commit. */
  jobs: NewJob[];
}

/** One derivative removed by its id (`delete_derived_resources`). */
export interface RemovedDerivative {
  derivedId: string;
  assetId: string;
  storageKey: string;
}

const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const MAX_ATTEMPTS = 3;

/**
 * Deletes the assets `target` names (at most `limit` of them, after `after`), or with `derivatives` only
 * their derivatives: all of them, or those matching one of the filters. `purgeJobs` turns what was
 * removed into the jobs recorded in the same transaction.
 */
export async function deleteAssetsInBulk(
  db: CatalogDb,
  input: {
    target: BulkDeleteTarget;
    limit: number;
    after?: AssetListKey;
    derivatives?: 'all' | DerivativeFilter[];
    purgeJobs(removed: RemovedAsset[]): NewJob[];
  },
): Promise<BulkDeleteOutcome> {
  return retried(db, async (trx) => {
    const candidates = await whereTarget(trx.selectFrom('assets').select(['asset_id', 'public_id']), input.target, input.after)
      .orderBy(sql`public_id COLLATE "C"`)
      .orderBy('asset_id')
      .limit(input.limit + 1)
      .execute();
    const page = candidates.slice(0, input.limit);
    const last = page.at(-1);
    const next = candidates.length > input.limit && last ? { publicId: last.public_id, assetId: last.asset_id.trim() } : undefined;
    if (page.length === 0) return { removed: [], jobs: [] };

    // Locked in asset_id order, as rename locks its pair, so the two cannot deadlock; the target is
    // checked again on the locked rows (a concurrent rename may have taken one out of it).
    const pageIds = page.map((row) => row.asset_id);
    const locked = await whereTarget(trx.selectFrom('assets').select(['asset_id', 'public_id', 'resource_type', 'type', 'version']), input.target)
      .where('asset_id', 'in', pageIds)
      .orderBy('asset_id')
      .forUpdate()
      .execute();
    const lockedIds = locked.map((row) => row.asset_id);
    const removedById = input.derivatives === undefined ? await removeAssets(trx, lockedIds) : await removeDerivatives(trx, locked, input.derivatives);
    const removed = page.flatMap((row) => removedById.get(row.asset_id.trim()) ?? []);
    const jobs = input.purgeJobs(removed);
    for (const job of jobs) await recordStandaloneJob(trx, jobCloud(input.target), job);
    return next ? { removed, next, jobs } : { removed, jobs };
  });
}

/**
 * Deletes the derivatives whose Admin API ids (admin's `derivedId`: MD5 of asset id, version id,
 * transformation hash and format, newline-separated) are listed, within one cloud. The id is not
 * stored, so it is computed per derivative of the cloud: a scan of its derivatives, acceptable for
 * an occasional call of at most 100 ids.
 */
export async function deleteDerivedByIds(
  db: CatalogDb,
  input: { cloudName: string; derivedIds: string[]; purgeJobs(removed: RemovedDerivative[]): NewJob[] },
): Promise<{ removed: RemovedDerivative[]; jobs: NewJob[] }> {
  return retried(db, async (trx) => {
    const derivedId = sql<string>`md5(derived.asset_id::text || E'\\n' || derived.version_id::text || E'\\n' || derived.transformation_hash || E'\\n' || derived.format)`;
    const rows = await trx
      .deleteFrom('derived')
      .using('assets')
      .whereRef('assets.asset_id', '=', 'derived.asset_id')
      .where('assets.cloud_name', '=', input.cloudName)
      .where(derivedId, 'in', input.derivedIds)
      .returning(['derived.asset_id', 'derived.storage_key', derivedId.as('derived_id')])
      .execute();
    const removed = rows.map((row) => ({ derivedId: row.derived_id, assetId: row.asset_id.trim(), storageKey: row.storage_key }));
    const jobs = input.purgeJobs(removed);
    for (const job of jobs) await recordStandaloneJob(trx, input.cloudName, job);
    return { removed, jobs };
  });
}

/**
 * What the catalog still holds of these assets: every storage key a row names (the asset's current
 * original, kept versions, derivatives), and the asset ids that still have rows (live again after a
 * restore, or destroyed with backups kept). A purge spares both.
 */
export async function catalogReferencesOf(db: CatalogDb, assetIds: string[]): Promise<{ storageKeys: Set<string>; knownAssetIds: Set<string> }> {
  if (assetIds.length === 0) return { storageKeys: new Set(), knownAssetIds: new Set() };
  const rows = await db
    .selectFrom('assets')
    .select(['asset_id', 'storage_key', sql<boolean>`true`.as('owns')])
    .where('asset_id', 'in', assetIds)
    .unionAll(
      db
        .selectFrom('asset_versions')
        .select(['asset_id', 'storage_key', sql<boolean>`true`.as('owns')])
        .where('asset_id', 'in', assetIds),
    )
    .unionAll(
      db
        .selectFrom('derived')
        .select(['asset_id', 'storage_key', sql<boolean>`false`.as('owns')])
        .where('asset_id', 'in', assetIds),
    )
    .execute();
  return {
    storageKeys: new Set(rows.map((row) => row.storage_key)),
    knownAssetIds: new Set(rows.filter((row) => row.owns).map((row) => row.asset_id.trim())),
  };
}

/** Whole assets: each through destroy's own removal, so backups follow the cloud's setting exactly as there. */
async function removeAssets(trx: Transaction<Database>, assetIds: string[]): Promise<Map<string, RemovedAsset>> {
  const counts = await derivedCounts(trx, assetIds);
  const removed = new Map<string, RemovedAsset>();
  for (const assetId of assetIds) {
    const destroyed = await deleteAssetRows(trx, assetId);
    if (!destroyed) continue;
    removed.set(destroyed.assetId, {
      assetId: destroyed.assetId,
      publicId: destroyed.publicId,
      resourceType: destroyed.resourceType,
      type: destroyed.type,
      version: destroyed.version,
      original: 1,
      derived: counts.get(destroyed.assetId) ?? 0,
      storageKeys: destroyed.storageKeys,
      destroyed: true,
    });
  }
  return removed;
}

async function derivedCounts(trx: Transaction<Database>, assetIds: string[]): Promise<Map<string, number>> {
  if (assetIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('derived')
    .select(['asset_id', (eb) => eb.fn.countAll<string>().as('count')])
    .where('asset_id', 'in', assetIds)
    .groupBy('asset_id')
    .execute();
  return new Map(rows.map((row) => [row.asset_id.trim(), Number(row.count)]));
}

/** keep_original / transformations: the assets stay, their matching derivatives go (one statement). */
async function removeDerivatives(
  trx: Transaction<Database>,
  assets: Array<{ asset_id: string; public_id: string; resource_type: string; type: string; version: number }>,
  filters: 'all' | DerivativeFilter[],
): Promise<Map<string, RemovedAsset>> {
  const removed = new Map<string, RemovedAsset>();
  for (const asset of assets) {
    const assetId = asset.asset_id.trim();
    removed.set(assetId, {
      assetId,
      publicId: asset.public_id,
      resourceType: asset.resource_type,
      type: asset.type,
      version: Number(asset.version),
      original: 0,
      derived: 0,
      storageKeys: [],
      destroyed: false,
    });
  }
  if (assets.length === 0 || (filters !== 'all' && filters.length === 0)) return removed;
  const assetIds = assets.map((asset) => asset.asset_id);
  let deletion = trx.deleteFrom('derived').where('asset_id', 'in', assetIds);
  if (filters !== 'all') {
    deletion = deletion.where((eb) =>
      eb.or(
        filters.map((filter) =>
          filter.format === null
            ? eb('transformation_hash', '=', filter.transformationHash)
            : eb.and([eb('transformation_hash', '=', filter.transformationHash), eb('format', '=', filter.format)]),
        ),
      ),
    );
  }
  for (const row of await deletion.returning(['asset_id', 'storage_key']).execute()) {
    const entry = removed.get(row.asset_id.trim());
    if (!entry) continue;
    entry.derived += 1;
    entry.storageKeys.push(row.storage_key);
  }
  return removed;
}

/** The target's conditions (and the keyset position) on a select of `assets`. */
function whereTarget<O>(
  query: SelectQueryBuilder<Database, 'assets', O>,
  target: BulkDeleteTarget,
  after?: AssetListKey,
): SelectQueryBuilder<Database, 'assets', O> {
  let selected: SelectQueryBuilder<Database, 'assets', O>;
  switch (target.by) {
    case 'public_ids':
      selected = query.where(scopeIs(target.scope)).where('public_id', 'in', target.publicIds);
      break;
    case 'asset_ids':
      selected = query.where('cloud_name', '=', target.cloudName).where('asset_id', 'in', target.assetIds);
      break;
    case 'prefix':
      selected = query.where(scopeIs(target.scope)).where(sql<boolean>`public_id COLLATE "C" LIKE ${`${escapeLike(target.prefix)}%`}`);
      break;
    case 'tag':
      selected = query
        .where(scopeIs({ cloudName: target.cloudName, resourceType: target.resourceType, type: target.type }))
        .where(sql<boolean>`tags @> ARRAY[${target.tag}]::text[]`);
      break;
    case 'all':
      selected = query.where(scopeIs(target.scope));
      break;
  }
  return after ? selected.where(sql<boolean>`(public_id COLLATE "C", asset_id) > (${after.publicId}, ${after.assetId})`) : selected;
}

function jobCloud(target: BulkDeleteTarget): string {
  return 'scope' in target ? target.scope.cloudName : target.cloudName;
}

function pgCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** A transaction run again with a fresh snapshot after a deadlock or serialization failure. */
async function retried<T>(db: CatalogDb, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && RETRYABLE.has(pgCode(error) ?? '')) continue;
      throw error;
    }
  }
}

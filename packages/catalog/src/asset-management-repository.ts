import { sql, type ColumnType, type Kysely, type Transaction } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { Database } from './database-schema.ts';
import type { AssetIdentity, AssetRecord, AssetScope } from './asset-records.ts';
import { findAsset } from './assets-repository.ts';
import { keepBackupsOfDestroyedAsset } from './backup-retention.ts';
import { identityIs, scopeIs } from './identity-filters.ts';
import { inRequestOrder, updateAssetsInScope } from './scoped-update.ts';

/**
 * Asset management writes (rename, destroy, tags, context, delete tokens). Each is one PostgreSQL
 * transaction; rows are locked before they are changed and the identity unique constraint is the
 * final arbiter, so concurrent renames and destroys of the same names leave one consistent outcome.
 * Storage is not touched here: a destroy returns the asset ids whose blobs the caller deletes after
 * the commit (a row without its blob would be a broken asset; a blob without a row is only garbage).
 */

export interface DeleteTokensTable {
  token_hash: string;
  asset_id: string;
  cloud_name: string;
  expires_at: Date;
  created_at: ColumnType<Date, Date | undefined, Date>;
}

type ManagementDb = Kysely<Database & { delete_tokens: DeleteTokensTable }>;

/** An asset whose rows are gone: everything stored under its asset id may now be deleted. */
export interface DestroyedAsset {
  assetId: string;
  publicId: string;
  resourceType: string;
  type: string;
  version: number;
  /** Keys the catalog knew of (original, versions, derivatives); the caller also sweeps the asset's prefix. */
  storageKeys: string[];
  /** Originals of backed-up versions (backups-repository.ts): kept, and spared by the prefix sweep. */
  keptStorageKeys?: string[];
}

export type RenameOutcome = { kind: 'renamed'; asset: AssetRecord; replaced?: DestroyedAsset } | { kind: 'not-found' } | { kind: 'target-exists' };

export type TagCommand = 'add' | 'remove' | 'replace' | 'remove_all' | 'set_exclusive';
export type ContextCommand = 'add' | 'remove_all';

export type TagsOutcome = { kind: 'updated'; publicIds: string[] } | { kind: 'too-many-tags'; publicId: string; limit: number };

export type DeleteByTokenOutcome = { kind: 'destroyed'; destroyed: DestroyedAsset } | { kind: 'unknown' } | { kind: 'expired' };

const UNIQUE_VIOLATION = '23505';
const RETRYABLE = new Set(['40P01', '40001']); // deadlock detected, serialization failure
const MAX_ATTEMPTS = 3;

/** Thrown inside a transaction to roll it back with a known outcome. */
class Rollback<T> extends Error {
  readonly outcome: T;
  constructor(outcome: T) {
    super('rollback');
    this.outcome = outcome;
  }
}

/** Rolls back and runs the transaction again with a fresh snapshot; after the last attempt, ends with `outcome`. */
class TryAgain<T> extends Rollback<T> {}

function pgCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** Runs `work` in a transaction; a deadlock or serialization failure is retried, a Rollback ends it with its outcome. */
async function inTransaction<T>(db: CatalogDb, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt < MAX_ATTEMPTS && (error instanceof TryAgain || RETRYABLE.has(pgCode(error) ?? ''))) continue;
      if (error instanceof Rollback) return error.outcome as T;
      throw error;
    }
  }
}

function managed(db: Kysely<Database>): ManagementDb {
  return db.withTables<{ delete_tokens: DeleteTokensTable }>();
}

/**
 * Deletes an asset's rows (derivatives and delete tokens cascade; versions that are not backed up are
 * deleted, backed-up ones stay with a `deleted_assets` row); the row must be locked. Destroy, rename
 * with overwrite, delete-by-token and the Admin API's bulk deletes (bulk-delete-repository.ts) all
 * remove an asset through this one function, so they keep the same backup rules.
 */
export async function deleteAssetRows(trx: Transaction<Database>, assetId: string): Promise<DestroyedAsset | undefined> {
  const derived = await trx.selectFrom('derived').select('storage_key').where('asset_id', '=', assetId).execute();
  const versions = await trx.selectFrom('asset_versions').select('storage_key').where('asset_id', '=', assetId).execute();
  const kept = new Set(await keepBackupsOfDestroyedAsset(trx, assetId));
  const deleted = await trx
    .deleteFrom('assets')
    .where('asset_id', '=', assetId)
    .returning(['asset_id', 'public_id', 'resource_type', 'type', 'version', 'storage_key'])
    .executeTakeFirst();
  if (!deleted) return undefined;
  const keys = new Set([deleted.storage_key, ...versions.map((row) => row.storage_key), ...derived.map((row) => row.storage_key)]);
  for (const key of kept) keys.delete(key);
  return {
    assetId: deleted.asset_id.trim(),
    publicId: deleted.public_id,
    resourceType: deleted.resource_type,
    type: deleted.type,
    version: Number(deleted.version),
    storageKeys: [...keys],
    ...(kept.size > 0 ? { keptStorageKeys: [...kept] } : {}),
  };
}

/**
 * Renames (and optionally retypes) an asset. Both identities are locked in asset_id order, so two
 * renames touching the same pair cannot deadlock; a target that appears after the lock (an upload, a
 * concurrent rename) is caught by the unique constraint. With overwrite, the target's rows go in the
 * same transaction and its blobs are the caller's to delete after the commit.
 */
export async function renameAsset(
  db: CatalogDb,
  input: { from: AssetIdentity; toPublicId: string; toType: string; overwrite: boolean },
): Promise<RenameOutcome> {
  const { from } = input;
  const to: AssetIdentity = { cloudName: from.cloudName, resourceType: from.resourceType, type: input.toType, publicId: input.toPublicId };
  return inTransaction<RenameOutcome>(db, async (trx) => {
    const rows = await trx
      .selectFrom('assets')
      .select(['asset_id', 'public_id', 'type'])
      .where(scopeIs({ cloudName: from.cloudName, resourceType: from.resourceType }))
      .where((eb) =>
        eb.or([
          eb.and([eb('type', '=', from.type), eb('public_id', '=', from.publicId)]),
          eb.and([eb('type', '=', to.type), eb('public_id', '=', to.publicId)]),
        ]),
      )
      .orderBy('asset_id')
      .forUpdate()
      .execute();
    const source = rows.find((row) => row.type === from.type && row.public_id === from.publicId);
    if (!source) return { kind: 'not-found' };
    const sameIdentity = from.type === to.type && from.publicId === to.publicId;
    if (sameIdentity) return { kind: 'renamed', asset: (await findAsset(trx, from))! };

    let replaced: DestroyedAsset | undefined;
    const target = rows.find((row) => row.type === to.type && row.public_id === to.publicId);
    if (target) {
      if (!input.overwrite) return { kind: 'target-exists' };
      replaced = await deleteAssetRows(trx, target.asset_id);
    }
    try {
      await trx
        .updateTable('assets')
        .set({ public_id: to.publicId, type: to.type, updated_at: new Date() })
        .where('asset_id', '=', source.asset_id)
        .execute();
    } catch (error) {
      if (pgCode(error) !== UNIQUE_VIOLATION) throw error;
      // The target appeared after this transaction's snapshot (a concurrent rename or upload). With
      // overwrite, look again: the next attempt sees it, locks it and replaces it.
      if (input.overwrite) throw new TryAgain<RenameOutcome>({ kind: 'target-exists' });
      throw new Rollback<RenameOutcome>({ kind: 'target-exists' });
    }
    const asset = await findAsset(trx, to);
    if (!asset) throw new Error('renamed asset vanished inside its own transaction');
    return replaced ? { kind: 'renamed', asset, replaced } : { kind: 'renamed', asset };
  });
}

/** Deletes an asset's catalog rows; undefined when no such asset (or a concurrent rename/destroy won). */
export async function destroyAsset(db: CatalogDb, identity: AssetIdentity): Promise<DestroyedAsset | undefined> {
  return inTransaction(db, async (trx) => {
    const row = await trx.selectFrom('assets').select('asset_id').where(identityIs(identity)).forUpdate().executeTakeFirst();
    return row ? deleteAssetRows(trx, row.asset_id) : undefined;
  });
}

/**
 * Applies a tag command to the assets of `scope` named in `publicIds`; returns the ids that exist, in
 * request order. Tags keep their first-seen order. set_exclusive also takes the tags off every other
 * asset of the cloud and resource type.
 */
export async function updateTags(
  db: CatalogDb,
  input: { scope: AssetScope; publicIds: string[]; command: TagCommand; tags: string[]; maxTagsPerAsset: number },
): Promise<TagsOutcome> {
  const { scope, tags } = input;
  const tagArray = sql`${tags}::text[]`;
  const withoutTags = sql<string[]>`array(select x from unnest(tags) with ordinality as u(x, n) where x <> all(${tagArray}) order by n)`;
  const newTags = (() => {
    switch (input.command) {
      case 'add':
      case 'set_exclusive':
        return sql<string[]>`array(select x from unnest(tags || ${tagArray}) with ordinality as u(x, n) group by x order by min(n))`;
      case 'remove':
        return withoutTags;
      case 'replace':
        return sql<string[]>`${tagArray}`;
      case 'remove_all':
        return sql<string[]>`'{}'::text[]`;
    }
  })();
  return inTransaction<TagsOutcome>(db, async (trx) => {
    if (input.command === 'set_exclusive') {
      await trx
        .updateTable('assets')
        .set({ tags: withoutTags, updated_at: new Date() })
        .where(scopeIs({ cloudName: scope.cloudName, resourceType: scope.resourceType }))
        .where(sql<boolean>`tags && ${tagArray}`)
        .where((eb) => eb.not(eb.and([eb('type', '=', scope.type), eb('public_id', 'in', input.publicIds)])))
        .execute();
    }
    const updated = await updateAssetsInScope(trx, scope, input.publicIds)
      .set({ tags: newTags, updated_at: new Date() })
      .returning(['public_id', sql<number>`cardinality(tags)`.as('tag_count')])
      .execute();
    const crowded = updated.find((row) => Number(row.tag_count) > input.maxTagsPerAsset);
    if (crowded) throw new Rollback<TagsOutcome>({ kind: 'too-many-tags', publicId: crowded.public_id, limit: input.maxTagsPerAsset });
    return { kind: 'updated', publicIds: inRequestOrder(input.publicIds, updated) };
  });
}

/** `add` merges keys into each asset's context (a key given again takes the new value); `remove_all` empties it. */
export async function updateContext(
  db: CatalogDb,
  input: { scope: AssetScope; publicIds: string[]; command: ContextCommand; context: Record<string, string> },
): Promise<string[]> {
  const { scope } = input;
  const value = input.command === 'add' ? sql<string>`context || ${JSON.stringify(input.context)}::jsonb` : sql<string>`'{}'::jsonb`;
  const updated = await updateAssetsInScope(db, scope, input.publicIds)
    .set({ context: value, updated_at: new Date() })
    .returning('public_id')
    .execute();
  return inRequestOrder(input.publicIds, updated);
}

/**
 * Records a delete token (only its hash). Idempotent per hash: a retried ingest job derives the same
 * token and keeps the first expiry. Tokens expired for a day are swept on the way.
 */
export async function recordDeleteToken(
  db: CatalogDb,
  input: { tokenHash: string; assetId: string; cloudName: string; ttlSeconds: number },
): Promise<void> {
  const tokens = managed(db);
  await tokens
    .insertInto('delete_tokens')
    .values({
      token_hash: input.tokenHash,
      asset_id: input.assetId,
      cloud_name: input.cloudName,
      expires_at: sql<Date>`now() + make_interval(secs => ${input.ttlSeconds})`,
    })
    .onConflict((c) => c.column('token_hash').doNothing())
    .execute();
  await tokens
    .deleteFrom('delete_tokens')
    .where('expires_at', '<', sql<Date>`now() - interval '1 day'`)
    .execute();
}

/**
 * Spends a delete token: the asset's rows go in the same transaction that checks the token (the
 * token row cascades with them). An expired token is refused and forgotten.
 */
export async function destroyAssetByDeleteToken(db: CatalogDb, input: { cloudName: string; tokenHash: string }): Promise<DeleteByTokenOutcome> {
  return inTransaction<DeleteByTokenOutcome>(db, async (trx) => {
    const tokens = managed(trx);
    const token = await tokens
      .selectFrom('delete_tokens')
      .select(['asset_id', sql<boolean>`expires_at <= now()`.as('expired')])
      .where('token_hash', '=', input.tokenHash)
      .where('cloud_name', '=', input.cloudName)
      .forUpdate()
      .executeTakeFirst();
    if (!token) return { kind: 'unknown' };
    if (token.expired) {
      await tokens.deleteFrom('delete_tokens').where('token_hash', '=', input.tokenHash).execute();
      return { kind: 'expired' };
    }
    const asset = await trx.selectFrom('assets').select('asset_id').where('asset_id', '=', token.asset_id).forUpdate().executeTakeFirst();
    const destroyed = asset ? await deleteAssetRows(trx, asset.asset_id) : undefined;
    if (!destroyed) return { kind: 'unknown' };
    return { kind: 'destroyed', destroyed };
  });
}

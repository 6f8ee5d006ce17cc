import { sql, type Transaction } from 'kysely';
import { assetRecordFromRow, assetRow, type AssetIdentity, type AssetRecord } from './asset-records.ts';
import { findAsset } from './assets-repository.ts';
import { forgetDeletedAsset } from './backup-retention.ts';
import { ensureCloud } from './clouds-repository.ts';
import type { CatalogDb } from './connection.ts';
import type { Database } from './database-schema.ts';
import { identityIs } from './identity-filters.ts';
import { signalOutcome, type OutcomeTopic } from './outcome-signals.ts';

/**
 * Fetch delivery's catalog (docs/fetch-delivery.md, migration 0021): the cloud's allowed fetch
 * domains, and per fetched URL its freshness, its lease and its last failure. The fetched original is
 * an ordinary asset of type `fetch` (public_id: the URL), written here with its version in the same
 * transaction as the freshness, so a reader never sees one without the other. Times are the
 * database's (`now()`), so API processes with skewed clocks agree on what is fresh and who holds a lease.
 */

export interface CloudFetchSettings {
  strictTransformations: boolean;
  /** Normalized hosts (protocol's normalizeFetchDomain); empty: any host. */
  allowedFetchDomains: string[];
}

/** The settings fetch delivery checks first; undefined when there is no such cloud. */
export async function cloudFetchSettings(db: CatalogDb, cloudName: string): Promise<CloudFetchSettings | undefined> {
  const row = await db
    .selectFrom('clouds')
    .select(['strict_transformations', 'allowed_fetch_domains'])
    .where('name', '=', cloudName)
    .executeTakeFirst();
  return row && { strictTransformations: row.strict_transformations, allowedFetchDomains: row.allowed_fetch_domains };
}

/** Replaces the cloud's allowed fetch domains (already normalized); an empty list allows any host. */
export async function setCloudAllowedFetchDomains(db: CatalogDb, cloudName: string, domains: readonly string[]): Promise<void> {
  await ensureCloud(db, cloudName);
  await db
    .updateTable('clouds')
    .set({ allowed_fetch_domains: [...new Set(domains)] })
    .where('name', '=', cloudName)
    .execute();
}

/** Which fetched URL a row is about: `fetchKey` is sha256(cloud, url) in hex (the fetch package computes it). */
export interface FetchOriginKey {
  fetchKey: string;
  cloudName: string;
  url: string;
}

export interface FetchFailure {
  status: number;
  message: string;
  /** When it was recorded (database time). */
  at: Date;
  /** Still answered to every request (failure_until has not passed). */
  fresh: boolean;
}

export interface FetchOriginState {
  /** The database's clock at the read. */
  now: Date;
  /** The stored fetched original (the asset of type fetch), fresh or not. */
  asset: AssetRecord | undefined;
  /** The asset's current version is the one the row keeps fresh, and it has not expired. */
  fresh: boolean;
  /** Someone holds an unexpired lease: a fetch of this URL is under way. */
  leased: boolean;
  /** The origin's validators of the asset's current version, for a conditional request. */
  validators: { etag: string | null; lastModified: string | null } | undefined;
  failure: FetchFailure | undefined;
}

interface OriginRow {
  db_now: Date;
  version_id: string | null;
  expires_at: Date | null;
  origin_etag: string | null;
  origin_last_modified: string | null;
  lease_until: Date | null;
  failed_at: Date | null;
  failure_status: number | null;
  failure_message: string | null;
  failure_until: Date | null;
}

function identityOf(key: FetchOriginKey): AssetIdentity {
  return { cloudName: key.cloudName, resourceType: 'image', type: 'fetch', publicId: key.url };
}

/** The outcome signal of one fetched URL: waiters re-read when a fetch of it ends. */
export function fetchOriginTopic(fetchKey: string): OutcomeTopic {
  return `job:fetch-${fetchKey}`;
}

export async function readFetchOrigin(db: CatalogDb, key: FetchOriginKey): Promise<FetchOriginState> {
  const { rows } = await sql<OriginRow>`
    SELECT now() AS db_now, o.version_id, o.expires_at, o.origin_etag, o.origin_last_modified, o.lease_until,
           o.failed_at, o.failure_status, o.failure_message, o.failure_until
    FROM (SELECT 1) AS one LEFT JOIN fetch_origins o ON o.fetch_key = ${key.fetchKey}
  `.execute(db);
  const row = rows[0];
  if (!row) throw new Error('SELECT now() returned no row');
  const now = row.db_now;
  const asset = await findAsset(db, identityOf(key));
  const current = asset !== undefined && row.version_id?.trim() === asset.versionId;
  return {
    now,
    asset,
    fresh: current && row.expires_at !== null && row.expires_at > now,
    leased: row.lease_until !== null && row.lease_until > now,
    validators: current ? { etag: row.origin_etag, lastModified: row.origin_last_modified } : undefined,
    failure:
      row.failed_at !== null && row.failure_status !== null
        ? {
            status: row.failure_status,
            message: row.failure_message ?? '',
            at: row.failed_at,
            fresh: row.failure_until !== null && row.failure_until > now,
          }
        : undefined,
  };
}

/**
 * Takes the URL's lease when nobody holds an unexpired one (the row is made on the URL's first
 * request). True when `token` now holds it: this caller fetches, everyone else waits for its signal.
 */
export async function claimFetchLease(db: CatalogDb, key: FetchOriginKey, lease: { token: string; seconds: number }): Promise<boolean> {
  const { rows } = await sql<{ fetch_key: string }>`
    INSERT INTO fetch_origins (fetch_key, cloud_name, url, lease_token, lease_until)
    VALUES (${key.fetchKey}, ${key.cloudName}, ${key.url}, ${lease.token}, now() + make_interval(secs => ${lease.seconds}::double precision))
    ON CONFLICT (fetch_key) DO UPDATE SET lease_token = excluded.lease_token, lease_until = excluded.lease_until, updated_at = now()
    WHERE fetch_origins.lease_until IS NULL OR fetch_origins.lease_until <= now()
    RETURNING fetch_key
  `.execute(db);
  return rows.length > 0;
}

export interface FetchedVersion {
  key: FetchOriginKey;
  /** The lease holder's token: released with the write (a lease taken over meanwhile is left alone). */
  token: string;
  /**
   * The new version as an asset record. Its assetId must be the stored asset's (the blob's key is made
   * from it): when the identity now holds another asset, nothing is written (`conflict`).
   */
  asset: AssetRecord;
  /** Whether the caller saw an asset under the identity (so its assetId is that asset's). */
  replaces: boolean;
  ttlSeconds: number;
  validators: { etag: string | null; lastModified: string | null };
}

export type FetchedVersionOutcome =
  | {
      kind: 'stored';
      asset: AssetRecord;
      /** Originals and derivatives of the replaced versions: no row names them any more. */
      obsoleteKeys: string[];
    }
  | { kind: 'conflict' };

/**
 * Records a newly fetched original as the asset's only version (a fetched image keeps no backups: the
 * remote server has it), drops the replaced versions and their derivatives, and makes the row fresh
 * for `ttlSeconds`, all in one transaction that ends with the URL's signal.
 */
export async function storeFetchedVersion(db: CatalogDb, input: FetchedVersion): Promise<FetchedVersionOutcome> {
  return db.transaction().execute(async (trx) => {
    const identity = identityOf(input.key);
    const current = await trx.selectFrom('assets').selectAll().where(identityIs(identity)).forUpdate().executeTakeFirst();
    if (current ? current.asset_id.trim() !== input.asset.assetId : input.replaces) {
      // Destroyed, or destroyed and fetched again under another id, since the caller looked.
      await releaseLease(trx, input.key.fetchKey, input.token);
      return { kind: 'conflict' };
    }
    let stored: AssetRecord;
    const obsoleteKeys: string[] = [];
    if (current) {
      const version = Math.max(input.asset.version, Number(current.version) + 1);
      const {
        asset_id: _same,
        created_at: _kept,
        tags: _tags,
        context: _context,
        metadata: _metadata,
        ...changes
      } = assetRow({ ...input.asset, version });
      const updated = await trx
        .updateTable('assets')
        .set({ ...changes, display_name: current.display_name, asset_folder: current.asset_folder, updated_at: new Date() })
        .where('asset_id', '=', current.asset_id)
        .returningAll()
        .executeTakeFirstOrThrow();
      stored = assetRecordFromRow(updated);
      const derived = await trx.deleteFrom('derived').where('asset_id', '=', current.asset_id).returning('storage_key').execute();
      const versions = await trx.deleteFrom('asset_versions').where('asset_id', '=', current.asset_id).returning('storage_key').execute();
      obsoleteKeys.push(...versions.map((row) => row.storage_key), ...derived.map((row) => row.storage_key));
    } else {
      const inserted = await trx.insertInto('assets').values(assetRow(input.asset)).returningAll().executeTakeFirstOrThrow();
      await forgetDeletedAsset(trx, input.asset.assetId);
      stored = assetRecordFromRow(inserted);
    }
    await trx
      .insertInto('asset_versions')
      .values({
        version_id: stored.versionId,
        asset_id: stored.assetId,
        version: stored.version,
        storage_key: stored.storageKey,
        bytes: stored.bytes,
        etag: stored.etag,
        format: stored.format,
        content_type: stored.contentType,
        width: stored.width,
        height: stored.height,
        pages: stored.pages,
      })
      .execute();
    await sql`
      UPDATE fetch_origins SET
        version_id = ${stored.versionId},
        expires_at = now() + make_interval(secs => ${input.ttlSeconds}::double precision),
        origin_etag = ${input.validators.etag},
        origin_last_modified = ${input.validators.lastModified},
        failed_at = NULL, failure_status = NULL, failure_message = NULL, failure_until = NULL,
        ${leaseRelease(input.token)},
        updated_at = now()
      WHERE fetch_key = ${input.key.fetchKey}
    `.execute(trx);
    await signalOutcome(trx, fetchOriginTopic(input.key.fetchKey));
    // The new version's own blob is never obsolete, even when a retry wrote it under the same key.
    return { kind: 'stored', asset: stored, obsoleteKeys: obsoleteKeys.filter((key) => key !== stored.storageKey) };
  });
}

/**
 * The stored version is still the remote one (a 304, or the same bytes again), or the remote server
 * failed and the stored version is served a while longer: fresh again for `ttlSeconds`. New validators
 * replace the old ones; absent ones keep them.
 */
export async function renewFetchedVersion(
  db: CatalogDb,
  input: {
    key: FetchOriginKey;
    token: string;
    versionId: string;
    ttlSeconds: number;
    validators?: { etag: string | null; lastModified: string | null };
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      UPDATE fetch_origins SET
        version_id = ${input.versionId},
        expires_at = now() + make_interval(secs => ${input.ttlSeconds}::double precision),
        origin_etag = COALESCE(${input.validators?.etag ?? null}, origin_etag),
        origin_last_modified = COALESCE(${input.validators?.lastModified ?? null}, origin_last_modified),
        failed_at = NULL, failure_status = NULL, failure_message = NULL, failure_until = NULL,
        ${leaseRelease(input.token)},
        updated_at = now()
      WHERE fetch_key = ${input.key.fetchKey}
    `.execute(trx);
    await signalOutcome(trx, fetchOriginTopic(input.key.fetchKey));
  });
}

/**
 * A fetch that failed for a reason the remote server or the request gave (404, not an image, too
 * large…): answered to the requests that waited for it, and to every request for `ttlSeconds`.
 */
export async function recordFetchFailure(
  db: CatalogDb,
  input: { key: FetchOriginKey; token: string; status: number; message: string; ttlSeconds: number },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`
      UPDATE fetch_origins SET
        failed_at = clock_timestamp(), failure_status = ${input.status}, failure_message = ${input.message},
        failure_until = now() + make_interval(secs => ${input.ttlSeconds}::double precision),
        ${leaseRelease(input.token)},
        updated_at = now()
      WHERE fetch_key = ${input.key.fetchKey}
    `.execute(trx);
    await signalOutcome(trx, fetchOriginTopic(input.key.fetchKey));
  });
}

/** Gives the lease up without an outcome (our own failure): the next request fetches again. */
export async function releaseFetchLease(db: CatalogDb, key: FetchOriginKey, token: string): Promise<void> {
  await db.transaction().execute(async (trx) => releaseLease(trx, key.fetchKey, token));
}

async function releaseLease(trx: Transaction<Database>, fetchKey: string, token: string): Promise<void> {
  await sql`UPDATE fetch_origins SET ${leaseRelease(token)}, updated_at = now() WHERE fetch_key = ${fetchKey}`.execute(trx);
  await signalOutcome(trx, fetchOriginTopic(fetchKey));
}

/** SET clauses that end `token`'s lease, and leave a lease someone else took over meanwhile alone. */
function leaseRelease(token: string) {
  return sql`lease_token = CASE WHEN lease_token = ${token}::uuid THEN NULL ELSE lease_token END,
        lease_until = CASE WHEN lease_token = ${token}::uuid THEN NULL ELSE lease_until END`;
}

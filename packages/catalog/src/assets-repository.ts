import { sql, type Kysely, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { withRawConvertEntry } from '@rendition/protocol';
import { runPreparedShape, type CatalogDb } from './connection.ts';
import type { AccessControlEntry } from '@rendition/protocol';
import type { Database } from './database-schema.ts';
import { assetRecordFromRow, assetRow, regionsColumn, type AssetIdentity, type AssetRecord } from './asset-records.ts';
import { forgetDeletedAsset, keepsReplacedVersion } from './backup-retention.ts';
import { assetFolderRows, keepAssetFolder } from './folders-repository.ts';
import { batchFromJson, type SeenBatch } from './batches-repository.ts';
import { identityIs } from './identity-filters.ts';
import { mergedMetadata, type MetadataChanges } from './metadata-fields-repository.ts';

export type CommitOutcome =
  /** A new asset. */
  | { kind: 'created'; asset: AssetRecord }
  /** An existing asset now points at the new version; the previous original may be deleted. */
  | {
      kind: 'overwritten';
      asset: AssetRecord;
      replacedStorageKey: string;
      replacedVersionId: string;
      /** The replaced version is a backup: its row and original stay (only its derivatives may go). */
      replacedKept: boolean;
    }
  /** `replacesAssetId` no longer holds this identity (destroyed or renamed meanwhile): nothing changed. */
  | { kind: 'asset-gone' }
  /** overwrite=false and the public_id is taken: nothing changed. */
  | { kind: 'existing'; asset: AssetRecord }
  /** This version was committed before (a retried job): nothing changed. */
  | { kind: 'already-committed'; asset: AssetRecord };

/** Prepared, as findAssetByVersionId: every first delivery and most Admin calls read one, and planning it cost more than running it. */
export async function findAsset(db: CatalogDb, identity: AssetIdentity): Promise<AssetRecord | undefined> {
  const [row] = await runPreparedShape<Selectable<Database['assets']>>(db, 'rendition_find_asset', selectByIdentity(db, identity).compile());
  return row && assetRecordFromRow(row);
}

export async function findAssetByVersionId(db: CatalogDb, versionId: string): Promise<AssetRecord | undefined> {
  const query = db
    .selectFrom('asset_versions')
    .innerJoin('assets', 'assets.asset_id', 'asset_versions.asset_id')
    .selectAll('assets')
    .where('asset_versions.version_id', '=', versionId);
  const [row] = await runPreparedShape<Selectable<Database['assets']>>(db, 'rendition_find_asset_by_version', query.compile());
  return row && assetRecordFromRow(row);
}

/** What an ingest reads before its media work (startIngest). */
export interface IngestStart {
  /** The asset this version belongs to, when an earlier attempt of the job committed it. */
  committed?: AssetRecord;
  /** The assets stored under the upload's public_id now, one per resource type asked about. */
  current: AssetRecord[];
  /** The job's batch as it is now (with `jobId` only, and only while the job is unfinished): finishJob's optimistic path. */
  batch?: SeenBatch;
  /** A small file's bytes from the job's outbox row, when asked (`readInlineData`) and the job is unfinished. */
  inlineData?: Buffer;
}

// Rows written before migration 0031 hold a small file's bytes as base64 inside the payload.
const INLINE_DATA = sql`COALESCE(inline_data, decode(payload #>> '{source,data}', 'base64'))`;

type StartIngestRow = Selectable<Database['assets']> & {
  by_version: boolean | null;
  seen_batch: Record<string, unknown> | null;
  seen_version: string | null;
  inline_data: Buffer | null;
};

/**
 * The first statement of an ingest, one round trip for three reads that used to be three: the job
 * marked active (its status and attempts are what the batch status and the resilience tests read),
 * the asset of this version if an earlier attempt committed it, and what the upload's public_id holds
 * now in each resource type the upload may turn out to be. Reading the identity this early is as safe
 * as reading it just before the commit: commitAssetVersion re-checks it under the row lock.
 *
 * Its commit does not wait for the WAL flush (`synchronous_commit` off for this statement's own
 * transaction): marking a job active acknowledges nothing to anyone, a crash that loses it leaves
 * the job queued (it is run again either way), and the ingest's next durable commit flushes it too,
 * since the WAL is written in order. One flush (1–4 ms on this machine) less per job.
 */
export async function startIngest(
  db: CatalogDb,
  input: {
    jobId?: string;
    versionId: string;
    cloudName: string;
    type: string;
    publicId: string;
    resourceTypes: readonly string[];
    now: Date;
    /** Read the job's inline bytes from its row (IngestSourceSchema: the queued copy has none). Needs `jobId`. */
    readInlineData?: boolean;
  },
): Promise<IngestStart> {
  const active =
    input.jobId === undefined
      ? sql``
      : sql`WITH active AS (
          UPDATE jobs SET status = 'active', attempts = attempts + 1, updated_at = ${input.now}
          WHERE id = ${input.jobId} AND finished_at IS NULL
          RETURNING id, batch_id, set_config('synchronous_commit', 'off', true),
            CASE WHEN ${input.readInlineData === true}::boolean THEN ${INLINE_DATA} END AS inline_data
        )`;
  // The two ways an asset matches are two index look-ups: as one join condition with OR between them,
  // PostgreSQL scanned the whole assets table for every ingest (49 ms at 100,000 assets).
  const committed = sql`SELECT asset_id FROM asset_versions WHERE version_id = ${input.versionId}`;
  // The batch's row comes with every asset row, and alone (asset columns null) when no asset matched.
  const batch =
    input.jobId === undefined
      ? sql`NULL::json AS seen_batch, NULL::text AS seen_version, NULL::bytea AS inline_data`
      : sql`(SELECT row_to_json(batches) FROM batches WHERE batch_id = (SELECT batch_id FROM active)) AS seen_batch,
            (SELECT xmin::text FROM batches WHERE batch_id = (SELECT batch_id FROM active)) AS seen_version,
            (SELECT inline_data FROM active) AS inline_data`;
  const statement = sql`
    ${active}
    SELECT matched.*, ${batch}
    FROM (SELECT 1) AS one LEFT JOIN (
      SELECT assets.*, assets.asset_id IN (${committed}) AS by_version
      FROM assets
      WHERE assets.asset_id IN (
        ${committed}
        UNION ALL
        SELECT asset_id FROM assets
        WHERE cloud_name = ${input.cloudName} AND resource_type = ANY(${[...input.resourceTypes]}::text[])
          AND type = ${input.type} AND public_id = ${input.publicId}
      )
    ) matched ON true
  `;
  // Prepared: planning this statement over the assets table's many indexes cost more than running it
  // (about 1.2 of 1.8 ms, measured); a prepared one is planned once per connection.
  const rows = await runPreparedShape<StartIngestRow>(db, 'rendition_start_ingest', statement.compile(db));
  const assets = rows.filter((row) => row.asset_id !== null);
  const byVersion = assets.find((row) => row.by_version === true);
  const seen = rows[0]?.seen_batch && rows[0].seen_version ? { batch: batchFromJson(rows[0].seen_batch), rowVersion: rows[0].seen_version } : undefined;
  return {
    ...(byVersion ? { committed: assetRecordFromRow(byVersion) } : {}),
    current: assets
      .filter((row) => row.cloud_name === input.cloudName && row.type === input.type && row.public_id === input.publicId)
      .map((row) => assetRecordFromRow(row)),
    ...(seen ? { batch: seen } : {}),
    ...(rows[0]?.inline_data instanceof Buffer ? { inlineData: rows[0].inline_data } : {}),
  };
}

/**
 * Records a stored original as the asset's current version, in one transaction, so a crash
 * leaves either the old catalog state or the new one. Idempotent per versionId.
 */
export async function commitAssetVersion(
  db: CatalogDb,
  input: {
    asset: AssetRecord;
    overwrite: boolean;
    /** `backup=true`: this version is backed up, and so is the version it replaces. */
    backup?: boolean;
    /**
     * The asset the caller found under this identity and whose asset_id it reused for the blob's key.
     * Re-checked under the row lock: if a destroy or rename took it meanwhile, the commit answers
     * `asset-gone` instead of recording a row whose original the destroy's sweep may delete.
     */
    replacesAssetId?: string;
  },
): Promise<CommitOutcome> {
  if (input.replacesAssetId === undefined) {
    const created = await insertNewAsset(db, input.asset, input.backup === true);
    if (created) return { kind: 'created', asset: created };
  }
  return db.transaction().execute(async (trx) => {
    const { asset } = input;
    const committed = await trx.selectFrom('asset_versions').select('asset_id').where('version_id', '=', asset.versionId).executeTakeFirst();
    if (committed) {
      const row = await trx.selectFrom('assets').selectAll().where('asset_id', '=', committed.asset_id).executeTakeFirst();
      // Committed, then destroyed (its version kept as a backup): a retry must not bring it back.
      if (!row) throw new Error(`version ${asset.versionId} was committed and its asset destroyed since`);
      return { kind: 'already-committed', asset: assetRecordFromRow(row) };
    }

    if (input.replacesAssetId !== undefined) {
      // Serializes with destroy and rename, which lock the same row before changing it.
      const seen = await trx.selectFrom('assets').selectAll().where('asset_id', '=', input.replacesAssetId).forUpdate().executeTakeFirst();
      const sameIdentity =
        seen !== undefined &&
        seen.cloud_name === asset.cloudName &&
        seen.resource_type === asset.resourceType &&
        seen.type === asset.type &&
        seen.public_id === asset.publicId;
      if (!sameIdentity) return { kind: 'asset-gone' };
    }

    const inserted = await trx
      .insertInto('assets')
      .values(assetRow(asset))
      .onConflict((c) => c.constraint('assets_identity_unique').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await keepAssetFolder(trx, asset.cloudName, asset.assetFolder);
      await insertVersion(trx, asset, asset.assetId, input.backup === true);
      await forgetDeletedAsset(trx, asset.assetId);
      return { kind: 'created', asset: assetRecordFromRow(inserted) };
    }

    const current = await selectByIdentity(trx, asset).forUpdate().executeTakeFirstOrThrow();
    if (!input.overwrite) return { kind: 'existing', asset: assetRecordFromRow(current) };

    // Versioned URLs are cached as immutable, so new bytes never reuse the version they replace,
    // even when the overwrite lands within the same second.
    const replacement = { ...asset, version: Math.max(asset.version, Number(current.version) + 1) };
    const { asset_id: _keepAssetId, ...changes } = assetRow(replacement);
    const updated = await trx
      .updateTable('assets')
      .set({ ...changes, updated_at: new Date() })
      .where('asset_id', '=', current.asset_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await keepAssetFolder(trx, asset.cloudName, replacement.assetFolder);
    // A backed-up replaced version keeps its row (and its original); otherwise it goes.
    const replacedVersionId = current.version_id.trim();
    const replacedKept = await keepsReplacedVersion(trx, { cloudName: asset.cloudName, replacedVersionId, forced: input.backup === true });
    if (!replacedKept) await trx.deleteFrom('asset_versions').where('version_id', '=', replacedVersionId).execute();
    await insertVersion(trx, replacement, current.asset_id, input.backup === true);
    return { kind: 'overwritten', asset: assetRecordFromRow(updated), replacedStorageKey: current.storage_key, replacedVersionId, replacedKept };
  });
}

/** The columns an asset row and its version row share (a version row is made from the inserted asset row). */
const VERSION_COLUMNS = [
  'version_id',
  'asset_id',
  'version',
  'storage_key',
  'bytes',
  'etag',
  'format',
  'content_type',
  'width',
  'height',
  'pages',
  'media',
] as const;

/**
 * The common commit, a new public_id, as one statement (atomic on its own, one round trip and one
 * WAL flush instead of a transaction of six): the asset, its version row, its folders, and the end of
 * any deleted-asset record of its id. Undefined when the identity is taken (by another asset or by
 * this version's earlier attempt): nothing was written, and the transaction in commitAssetVersion
 * sorts out which. A version committed before whose asset was destroyed since fails here on the
 * version's primary key, as the transaction refuses it too.
 */
async function insertNewAsset(db: CatalogDb, asset: AssetRecord, backup: boolean): Promise<AssetRecord | undefined> {
  const statement = sql<Selectable<Database['assets']>>`WITH ${newAssetCtes(db, asset, backup)} SELECT * FROM inserted`;
  const [row] = await runPreparedShape<Selectable<Database['assets']>>(db, 'rendition_insert_new_asset', statement.compile(db));
  return row && assetRecordFromRow(row);
}

/**
 * The CTEs that record a new asset (insertNewAsset; an ingest's commitNewAssetAndFinishJob puts
 * them in the statement that also ends its job): `inserted` is the asset row (none when the identity
 * is taken), then its version row made from it, its folders and the end of a deleted-asset record.
 */
export function newAssetCtes(db: CatalogDb, asset: AssetRecord, backup: boolean): RawBuilder<unknown> {
  const insert = db
    .insertInto('assets')
    .values(assetRow(asset))
    .onConflict((c) => c.constraint('assets_identity_unique').doNothing())
    .returningAll();
  const columns = sql.join(VERSION_COLUMNS.map((column) => sql.ref(column)));
  const folders = assetFolderRows(asset.cloudName, asset.assetFolder);
  const filed =
    folders.length === 0
      ? sql``
      : sql`, filed AS (
          INSERT INTO folders (cloud_name, path, name)
          SELECT f.cloud_name, f.path, f.name
          FROM (VALUES ${sql.join(folders.map((f) => sql`(${f.cloud_name}::text, ${f.path}::text, ${f.name}::text)`))}) AS f(cloud_name, path, name)
          WHERE EXISTS (SELECT 1 FROM inserted)
          ON CONFLICT (cloud_name, path) DO NOTHING
          RETURNING path
        )`;
  return sql`inserted AS (${insert}),
    versioned AS (
      INSERT INTO asset_versions (${columns}, backup) SELECT ${columns}, ${backup}::boolean FROM inserted RETURNING version_id
    ),
    undeleted AS (DELETE FROM deleted_assets WHERE asset_id IN (SELECT asset_id FROM inserted) RETURNING asset_id)${filed}`;
}

function selectByIdentity(db: Kysely<Database>, identity: AssetIdentity) {
  return db.selectFrom('assets').selectAll().where(identityIs(identity));
}

async function insertVersion(trx: Transaction<Database>, asset: AssetRecord, assetId: string, backup: boolean): Promise<void> {
  await trx
    .insertInto('asset_versions')
    .values({
      version_id: asset.versionId,
      asset_id: assetId,
      version: asset.version,
      storage_key: asset.storageKey,
      bytes: asset.bytes,
      etag: asset.etag,
      format: asset.format,
      content_type: asset.contentType,
      width: asset.width,
      height: asset.height,
      pages: asset.pages,
      media: asset.media ? JSON.stringify(asset.media) : null,
      backup,
    })
    .execute();
}

/** Replaces tags and/or context of an asset and merges structured metadata into it (explicit); returns the updated asset. */
export async function updateAssetMetadata(
  db: CatalogDb,
  assetId: string,
  changes: {
    tags?: string[];
    context?: Record<string, string>;
    metadata?: MetadataChanges;
    displayName?: string;
    assetFolder?: string;
    /** null clears it. */
    accessControl?: AccessControlEntry[] | null;
    qualityOverride?: string | null;
    /** Replace the version's regions; [] clears them. */
    faceCoordinates?: Array<[number, number, number, number]>;
    customCoordinates?: Array<[number, number, number, number]>;
  },
): Promise<AssetRecord> {
  const row = await db
    .updateTable('assets')
    .set({
      updated_at: new Date(),
      ...(changes.tags ? { tags: changes.tags } : {}),
      ...(changes.context ? { context: JSON.stringify(changes.context) } : {}),
      ...(changes.metadata ? { metadata: mergedMetadata(changes.metadata) } : {}),
      ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
      ...(changes.assetFolder !== undefined ? { asset_folder: changes.assetFolder } : {}),
      ...(changes.accessControl !== undefined ? { access_control: changes.accessControl === null ? null : JSON.stringify(changes.accessControl) } : {}),
      ...(changes.qualityOverride !== undefined ? { quality_override: changes.qualityOverride } : {}),
      ...(changes.faceCoordinates !== undefined ? { face_coordinates: regionsColumn(changes.faceCoordinates) } : {}),
      ...(changes.customCoordinates !== undefined ? { custom_coordinates: regionsColumn(changes.customCoordinates) } : {}),
    })
    .where('asset_id', '=', assetId)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (changes.assetFolder !== undefined) await keepAssetFolder(db, row.cloud_name, row.asset_folder);
  return assetRecordFromRow(row);
}

/**
 * Puts one add-on result under `info.raw_convert.<conversion>` of the asset, when `versionId` is still
 * its current version (a newer upload starts without info). Returns whether it was recorded.
 */
export async function recordRawConvertInfo(
  db: CatalogDb,
  input: { assetId: string; versionId: string; conversion: string; entry: Record<string, unknown> },
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('assets')
      .select('info')
      .where('asset_id', '=', input.assetId)
      .where('version_id', '=', input.versionId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return false;
    const info = withRawConvertEntry(row.info, input.conversion, input.entry);
    await trx
      .updateTable('assets')
      .set({ info: JSON.stringify(info) })
      .where('asset_id', '=', input.assetId)
      .execute();
    return true;
  });
}

/**
 * Keeps what an explicit call's analyze job learnt of a version (its cinemagraph score, its
 * image_metadata), when `versionId` is still the asset's current version (a newer upload has its own).
 * Returns whether it was recorded.
 */
export async function recordVersionAnalysis(
  db: CatalogDb,
  input: { assetId: string; versionId: string; cinemagraphScore?: number; imageMetadata?: Record<string, string> },
): Promise<boolean> {
  if (input.cinemagraphScore === undefined && input.imageMetadata === undefined) return false;
  const result = await db
    .updateTable('assets')
    .set({
      ...(input.cinemagraphScore !== undefined ? { cinemagraph_score: input.cinemagraphScore } : {}),
      ...(input.imageMetadata !== undefined ? { image_metadata: JSON.stringify(input.imageMetadata) } : {}),
    })
    .where('asset_id', '=', input.assetId)
    .where('version_id', '=', input.versionId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

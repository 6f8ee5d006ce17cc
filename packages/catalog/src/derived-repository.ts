import type { Selectable } from 'kysely';
import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import { runPreparedShape, type CatalogDb } from './connection.ts';
import type { AssetsTable, DerivedTable } from './database-schema.ts';
import { cachedSetting } from './settings-cache.ts';

export interface DerivedKey {
  assetId: string;
  versionId: string;
  transformationHash: string;
  format: string;
}

export interface DerivedRecord extends DerivedKey {
  transformation: string;
  storageKey: string;
  contentType: string;
  bytes: number;
  width: number | null;
  height: number | null;
  etag: string;
  createdAt: Date;
}

/** Prepared: a first delivery reads it once its job is done. */
export async function findDerived(db: CatalogDb, key: DerivedKey): Promise<DerivedRecord | undefined> {
  const query = db
    .selectFrom('derived')
    .selectAll()
    .where('asset_id', '=', key.assetId)
    .where('version_id', '=', key.versionId)
    .where('transformation_hash', '=', key.transformationHash)
    .where('format', '=', key.format);
  const [row] = await runPreparedShape<Selectable<DerivedTable>>(db, 'rendition_find_derived', query.compile());
  return row && toDerived(row);
}

/** What a derive job starts from (findDerivationStart). */
export type DerivationStart = { kind: 'existing'; derived: DerivedRecord } | { kind: 'source'; asset: AssetRecord } | { kind: 'gone' };

type DerivationStartRow = Selectable<AssetsTable> & {
  derived_transformation: string | null;
  derived_storage_key: string | null;
  derived_content_type: string | null;
  derived_bytes: number | null;
  derived_width: number | null;
  derived_height: number | null;
  derived_etag: string | null;
  derived_created_at: Date | null;
};

/**
 * A derive job's first read, in one statement: the derivative of `key` when an earlier run stored it,
 * else the asset of the version it is made from; `gone` when that version no longer exists (its
 * derivatives went with it). Planned once per connection: the join over the assets table's many
 * indexes costs more to plan than to run.
 */
export async function findDerivationStart(db: CatalogDb, key: DerivedKey): Promise<DerivationStart> {
  const query = db
    .selectFrom('asset_versions')
    .innerJoin('assets', 'assets.asset_id', 'asset_versions.asset_id')
    .leftJoin('derived', (join) =>
      join
        .on('derived.asset_id', '=', key.assetId)
        .on('derived.version_id', '=', key.versionId)
        .on('derived.transformation_hash', '=', key.transformationHash)
        .on('derived.format', '=', key.format),
    )
    .selectAll('assets')
    .select([
      'derived.transformation as derived_transformation',
      'derived.storage_key as derived_storage_key',
      'derived.content_type as derived_content_type',
      'derived.bytes as derived_bytes',
      'derived.width as derived_width',
      'derived.height as derived_height',
      'derived.etag as derived_etag',
      'derived.created_at as derived_created_at',
    ])
    .where('asset_versions.version_id', '=', key.versionId)
    .compile();
  const [row] = await runPreparedShape<DerivationStartRow>(db, 'rendition_derivation_start', query);
  if (!row) return { kind: 'gone' };
  if (row.derived_storage_key === null) return { kind: 'source', asset: assetRecordFromRow(row) };
  const derived = toDerived({
    asset_id: key.assetId,
    version_id: key.versionId,
    transformation_hash: key.transformationHash,
    format: key.format,
    transformation: row.derived_transformation!,
    storage_key: row.derived_storage_key,
    content_type: row.derived_content_type!,
    bytes: row.derived_bytes!,
    width: row.derived_width,
    height: row.derived_height,
    etag: row.derived_etag!,
    created_at: row.derived_created_at!,
  });
  return { kind: 'existing', derived };
}

/** The insert of a derived row that does nothing when the derivative is recorded already (the first writer wins). */
export function insertDerivedUnlessRecorded(db: CatalogDb, derived: Omit<DerivedRecord, 'createdAt'>) {
  return db
    .insertInto('derived')
    .values({
      asset_id: derived.assetId,
      version_id: derived.versionId,
      transformation_hash: derived.transformationHash,
      format: derived.format,
      transformation: derived.transformation,
      storage_key: derived.storageKey,
      content_type: derived.contentType,
      bytes: derived.bytes,
      width: derived.width,
      height: derived.height,
      etag: derived.etag,
    })
    .onConflict((c) => c.columns(['asset_id', 'version_id', 'transformation_hash', 'format']).doNothing())
    .returningAll();
}

/**
 * Idempotent: the first writer wins and every later writer gets that row back. Prepared: every eager
 * item and derivative records one, and planning it cost more than running it.
 */
export async function recordDerived(db: CatalogDb, derived: Omit<DerivedRecord, 'createdAt'>): Promise<DerivedRecord> {
  const [inserted] = await runPreparedShape<Selectable<DerivedTable>>(
    db,
    'rendition_record_derived',
    insertDerivedUnlessRecorded(db, derived).compile(),
  );
  if (inserted) return toDerived(inserted);
  // Another writer was first: its row is the derivative.
  const stored = await findDerived(db, derived);
  if (!stored) throw new Error('derived row vanished right after it was written');
  return stored;
}

/** Forgets the derivatives of a replaced version; returns their storage keys for the caller to delete. */
export async function deleteDerivedOfVersion(db: CatalogDb, assetId: string, versionId: string): Promise<string[]> {
  const rows = await db.deleteFrom('derived').where('asset_id', '=', assetId).where('version_id', '=', versionId).returning('storage_key').execute();
  return rows.map((row) => row.storage_key);
}

export async function findNamedTransformation(db: CatalogDb, cloudName: string, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('named_transformations')
    .select('transformation')
    .where('cloud_name', '=', cloudName)
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.transformation;
}

export async function saveNamedTransformation(db: CatalogDb, cloudName: string, name: string, transformation: string): Promise<void> {
  await db
    .insertInto('named_transformations')
    .values({ cloud_name: cloudName, name, transformation })
    .onConflict((c) => c.columns(['cloud_name', 'name']).doUpdateSet({ transformation, updated_at: new Date() }))
    .execute();
}

export async function deleteNamedTransformation(db: CatalogDb, cloudName: string, name: string): Promise<boolean> {
  const result = await db.deleteFrom('named_transformations').where('cloud_name', '=', cloudName).where('name', '=', name).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listNamedTransformations(db: CatalogDb, cloudName: string) {
  return db.selectFrom('named_transformations').selectAll().where('cloud_name', '=', cloudName).orderBy('name').execute();
}

export async function cloudHasStrictTransformations(db: CatalogDb, cloudName: string): Promise<boolean> {
  return cachedSetting(db, `cloud-strict:${cloudName}`, async () => {
    const row = await db.selectFrom('clouds').select('strict_transformations').where('name', '=', cloudName).executeTakeFirst();
    return row?.strict_transformations ?? false;
  });
}

export async function setStrictTransformations(db: CatalogDb, cloudName: string, strict: boolean): Promise<void> {
  await db.updateTable('clouds').set({ strict_transformations: strict }).where('name', '=', cloudName).execute();
}

function toDerived(row: Selectable<DerivedTable>): DerivedRecord {
  return {
    assetId: row.asset_id.trim(),
    versionId: row.version_id.trim(),
    transformationHash: row.transformation_hash,
    format: row.format,
    transformation: row.transformation,
    storageKey: row.storage_key,
    contentType: row.content_type,
    bytes: Number(row.bytes),
    width: row.width,
    height: row.height,
    etag: row.etag.trim(),
    createdAt: row.created_at,
  };
}

/** The one row→record mapping, for the other catalog modules that select derived rows (asset-queries.ts). */
export { toDerived as derivedRecordFromRow };

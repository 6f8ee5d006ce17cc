import { sql } from 'kysely';
import type { CatalogDb } from './connection.ts';
import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import { derivedRecordFromRow, type DerivedRecord } from './derived-repository.ts';

// The Admin API's `transformations` endpoints (docs/compatibility.md "Named and implicit transformations"):
// named transformations (named_transformations) and implicit ones, the canonical texts of a cloud's
// derivatives, with their `allowed_for_strict` (transformation_settings, 0024).

/** One item of the `transformations` list: `t_<name>` for a named one, the canonical text otherwise. */
export interface TransformationListing {
  name: string;
  named: boolean;
  allowedForStrict: boolean;
  used: boolean;
}

export interface NamedTransformationRecord {
  name: string;
  transformation: string;
  allowedForStrict: boolean;
  extension: string | null;
}

/**
 * The cloud's transformations in name order, after `after` (exclusive), at most `limit`: named ones
 * (unless `named` is false) and implicit ones (unless `named` is true). Implicit: the distinct non-empty
 * canonical texts of its derivatives, and texts given a setting before any derivative exists.
 */
export async function listTransformations(
  db: CatalogDb,
  cloudName: string,
  options: { after?: string; limit: number; named?: boolean },
): Promise<TransformationListing[]> {
  const wantNamed = options.named !== false;
  const wantImplicit = options.named !== true;
  const after = options.after ?? '';
  const result = await sql<{ name: string; named: boolean; allowed_for_strict: boolean; used: boolean }>`
    SELECT name, named, allowed_for_strict, used FROM (
      SELECT 't_' || n.name AS name, true AS named, n.allowed_for_strict, false AS used
        FROM named_transformations n WHERE n.cloud_name = ${cloudName} AND ${wantNamed}
      UNION ALL
      SELECT t.transformation AS name, false AS named, coalesce(s.allowed_for_strict, false) AS allowed_for_strict,
             EXISTS (SELECT 1 FROM derived d JOIN assets a ON a.asset_id = d.asset_id
                      WHERE a.cloud_name = ${cloudName} AND d.transformation = t.transformation) AS used
        FROM (
          SELECT DISTINCT d.transformation FROM derived d JOIN assets a ON a.asset_id = d.asset_id
           WHERE a.cloud_name = ${cloudName} AND d.transformation <> ''
          UNION
          SELECT transformation FROM transformation_settings WHERE cloud_name = ${cloudName}
        ) t
        LEFT JOIN transformation_settings s ON s.cloud_name = ${cloudName} AND s.transformation = t.transformation
       WHERE ${wantImplicit}
    ) listing
    WHERE name > ${after}
    ORDER BY name COLLATE "C"
    LIMIT ${options.limit}
  `.execute(db);
  return result.rows.map((row) => ({ name: row.name, named: row.named, allowedForStrict: row.allowed_for_strict, used: row.used }));
}

export async function findNamedTransformationRecord(db: CatalogDb, cloudName: string, name: string): Promise<NamedTransformationRecord | undefined> {
  const row = await db
    .selectFrom('named_transformations')
    .select(['name', 'transformation', 'allowed_for_strict', 'extension'])
    .where('cloud_name', '=', cloudName)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && { name: row.name, transformation: row.transformation, allowedForStrict: row.allowed_for_strict, extension: row.extension };
}

/** Creates or replaces a named transformation; `allowedForStrict` undefined keeps the stored flag (true when new). */
export async function saveNamedTransformationRecord(
  db: CatalogDb,
  cloudName: string,
  record: { name: string; transformation?: string; extension?: string | null; allowedForStrict?: boolean },
): Promise<void> {
  const changes = {
    ...(record.transformation === undefined ? {} : { transformation: record.transformation, extension: record.extension ?? null }),
    ...(record.allowedForStrict === undefined ? {} : { allowed_for_strict: record.allowedForStrict }),
  };
  if (record.transformation === undefined) {
    await db
      .updateTable('named_transformations')
      .set({ ...changes, updated_at: new Date() })
      .where('cloud_name', '=', cloudName)
      .where('name', '=', record.name)
      .execute();
    return;
  }
  await db
    .insertInto('named_transformations')
    .values({ cloud_name: cloudName, name: record.name, transformation: record.transformation, ...changes })
    .onConflict((c) => c.columns(['cloud_name', 'name']).doUpdateSet({ ...changes, updated_at: new Date() }))
    .execute();
}

/** An implicit transformation's state: whether any derivative has it, and its stored setting (if any). */
export async function findImplicitTransformation(
  db: CatalogDb,
  cloudName: string,
  transformation: string,
): Promise<{ used: boolean; allowedForStrict: boolean | undefined }> {
  const [used, setting] = await Promise.all([
    db
      .selectFrom('derived')
      .innerJoin('assets', 'assets.asset_id', 'derived.asset_id')
      .select(sql<number>`1`.as('one'))
      .where('assets.cloud_name', '=', cloudName)
      .where('derived.transformation', '=', transformation)
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('transformation_settings')
      .select('allowed_for_strict')
      .where('cloud_name', '=', cloudName)
      .where('transformation', '=', transformation)
      .executeTakeFirst(),
  ]);
  return { used: used !== undefined, allowedForStrict: setting?.allowed_for_strict };
}

export async function setImplicitAllowedForStrict(db: CatalogDb, cloudName: string, transformation: string, allowed: boolean): Promise<void> {
  await db
    .insertInto('transformation_settings')
    .values({ cloud_name: cloudName, transformation, allowed_for_strict: allowed })
    .onConflict((c) => c.columns(['cloud_name', 'transformation']).doUpdateSet({ allowed_for_strict: allowed, updated_at: new Date() }))
    .execute();
}

export async function forgetImplicitTransformation(db: CatalogDb, cloudName: string, transformation: string): Promise<boolean> {
  const result = await db
    .deleteFrom('transformation_settings')
    .where('cloud_name', '=', cloudName)
    .where('transformation', '=', transformation)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Whether an unsigned URL may build a derivative of this (canonical, unexpanded) text under strict transformations. */
export async function isAllowedForStrict(db: CatalogDb, cloudName: string, transformation: string): Promise<boolean> {
  const row = await db
    .selectFrom('transformation_settings')
    .select('allowed_for_strict')
    .where('cloud_name', '=', cloudName)
    .where('transformation', '=', transformation)
    .executeTakeFirst();
  return row?.allowed_for_strict ?? false;
}

/** Whether every one of these named transformations exists and is allowed for strict. */
export async function namedAllowedForStrict(db: CatalogDb, cloudName: string, names: string[]): Promise<boolean> {
  if (names.length === 0) return false;
  const rows = await db
    .selectFrom('named_transformations')
    .select('name')
    .where('cloud_name', '=', cloudName)
    .where('name', 'in', names)
    .where('allowed_for_strict', '=', true)
    .execute();
  return new Set(rows.map((row) => row.name)).size === new Set(names).size;
}

/** The derivatives of one canonical text in a cloud, ordered by (asset id, version, hash, format), after a cursor key. */
export async function listDerivedOfTransformation(
  db: CatalogDb,
  cloudName: string,
  transformation: string,
  options: { after?: { assetId: string; format: string }; limit: number },
): Promise<{ asset: AssetRecord; derived: DerivedRecord }[]> {
  let query = db
    .selectFrom('derived')
    .innerJoin('assets', 'assets.asset_id', 'derived.asset_id')
    .selectAll('assets')
    .select([
      'derived.asset_id as d_asset_id',
      'derived.version_id as d_version_id',
      'derived.transformation_hash as d_transformation_hash',
      'derived.format as d_format',
      'derived.transformation as d_transformation',
      'derived.storage_key as d_storage_key',
      'derived.content_type as d_content_type',
      'derived.bytes as d_bytes',
      'derived.width as d_width',
      'derived.height as d_height',
      'derived.etag as d_etag',
      'derived.created_at as d_created_at',
    ])
    .where('assets.cloud_name', '=', cloudName)
    .where('derived.transformation', '=', transformation);
  const after = options.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('derived.asset_id', '>', after.assetId),
        eb.and([eb('derived.asset_id', '=', after.assetId), eb('derived.format', '>', after.format)]),
      ]),
    );
  }
  const rows = await query.orderBy('derived.asset_id').orderBy('derived.format').limit(options.limit).execute();
  return rows.map((row) => ({
    asset: assetRecordFromRow(row),
    derived: derivedRecordFromRow({
      asset_id: row.d_asset_id,
      version_id: row.d_version_id,
      transformation_hash: row.d_transformation_hash,
      format: row.d_format,
      transformation: row.d_transformation,
      storage_key: row.d_storage_key,
      content_type: row.d_content_type,
      bytes: row.d_bytes,
      width: row.d_width,
      height: row.d_height,
      etag: row.d_etag,
      created_at: row.d_created_at,
    }),
  }));
}

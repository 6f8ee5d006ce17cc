import { sql } from 'kysely';
import type { CatalogDb } from './connection.ts';

/** What a cloud holds, counted from the catalog at the moment asked (nothing is sampled or cached). */
export interface CloudUsageCounts {
  /** Assets (originals), each counted once whatever its versions. */
  resources: number;
  /** Stored derivatives of the cloud's assets. */
  derivedResources: number;
  /** Every stored version (current ones and backups, destroyed assets' backups too). */
  originalBytes: number;
  derivedBytes: number;
}

export async function countCloudUsage(db: CatalogDb, cloudName: string): Promise<CloudUsageCounts> {
  const { rows } = await sql<{ resources: number; derived_resources: number; original_bytes: number | string; derived_bytes: number | string }>`
    SELECT
      (SELECT count(*) FROM assets WHERE cloud_name = ${cloudName}) AS resources,
      (SELECT count(*) FROM derived d JOIN assets a ON a.asset_id = d.asset_id WHERE a.cloud_name = ${cloudName}) AS derived_resources,
      (SELECT coalesce(sum(v.bytes), 0) FROM asset_versions v
        WHERE v.asset_id IN (SELECT asset_id FROM assets WHERE cloud_name = ${cloudName}
                             UNION ALL SELECT asset_id FROM deleted_assets WHERE cloud_name = ${cloudName})) AS original_bytes,
      (SELECT coalesce(sum(d.bytes), 0) FROM derived d JOIN assets a ON a.asset_id = d.asset_id WHERE a.cloud_name = ${cloudName}) AS derived_bytes
  `.execute(db);
  const row = rows[0];
  return {
    resources: Number(row?.resources ?? 0),
    derivedResources: Number(row?.derived_resources ?? 0),
    originalBytes: Number(row?.original_bytes ?? 0),
    derivedBytes: Number(row?.derived_bytes ?? 0),
  };
}

/**
 * Those of `candidates` the cloud has assets of, in the order given. One indexed probe per candidate,
 * where a DISTINCT would read every asset of the cloud.
 */
export async function cloudResourceTypes(db: CatalogDb, cloudName: string, candidates: readonly string[]): Promise<string[]> {
  const found = await Promise.all(
    candidates.map(async (resourceType) => {
      const row = await db
        .selectFrom('assets')
        .select('asset_id')
        .where('cloud_name', '=', cloudName)
        .where('resource_type', '=', resourceType)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    }),
  );
  return candidates.filter((_, index) => found[index]);
}

/** When the cloud was made; undefined when there is no such cloud. */
export async function cloudCreatedAt(db: CatalogDb, cloudName: string): Promise<Date | undefined> {
  const row = await db.selectFrom('clouds').select('created_at').where('name', '=', cloudName).executeTakeFirst();
  return row?.created_at;
}

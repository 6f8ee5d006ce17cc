import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import type { CatalogDb } from './connection.ts';
import type { DerivedKey } from './derived-repository.ts';

/**
 * What generate_archive needs of the catalog beyond the Admin API's reads (asset-queries.ts, which
 * select by public_id, prefix and tag): the assets the API selected, read again by id by the archive
 * job, and the derivatives it made for itself, forgotten once the archive is written.
 */

/**
 * The assets of one cloud among `assetIds`, in the order asked (duplicates once). An id that is
 * absent was destroyed since it was selected; an asset renamed or overwritten meanwhile is found,
 * as it is now (its current version).
 */
export async function findAssetsByAssetIds(db: CatalogDb, cloudName: string, assetIds: readonly string[]): Promise<AssetRecord[]> {
  const wanted = [...new Set(assetIds)];
  if (wanted.length === 0) return [];
  const byId = new Map<string, AssetRecord>();
  // Bounded IN lists: one statement's parameters stay far below PostgreSQL's 65,535.
  for (let start = 0; start < wanted.length; start += 1_000) {
    const rows = await db
      .selectFrom('assets')
      .selectAll()
      .where('cloud_name', '=', cloudName)
      .where('asset_id', 'in', wanted.slice(start, start + 1_000))
      .execute();
    for (const row of rows) {
      const asset = assetRecordFromRow(row);
      byId.set(asset.assetId, asset);
    }
  }
  return wanted.flatMap((assetId) => byId.get(assetId) ?? []);
}

/** Forgets one derivative; returns its storage key for the caller to delete (undefined when it was not recorded). */
export async function forgetDerived(db: CatalogDb, key: DerivedKey): Promise<string | undefined> {
  const row = await db
    .deleteFrom('derived')
    .where('asset_id', '=', key.assetId)
    .where('version_id', '=', key.versionId)
    .where('transformation_hash', '=', key.transformationHash)
    .where('format', '=', key.format)
    .returning('storage_key')
    .executeTakeFirst();
  return row?.storage_key;
}

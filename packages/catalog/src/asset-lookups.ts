import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import type { CatalogDb } from './connection.ts';

/** An asset of the cloud shown under this display name (any type), or undefined. */
export async function findAssetByDisplayName(db: CatalogDb, query: { cloudName: string; displayName: string }): Promise<AssetRecord | undefined> {
  const row = await db
    .selectFrom('assets')
    .selectAll()
    .where('cloud_name', '=', query.cloudName)
    .where('display_name', '=', query.displayName)
    .limit(1)
    .executeTakeFirst();
  return row && assetRecordFromRow(row);
}

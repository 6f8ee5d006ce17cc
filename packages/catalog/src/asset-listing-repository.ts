import { sql, type ExpressionBuilder } from 'kysely';
import { escapeLike } from './asset-queries.ts';
import { assetRecordFromRow, type AssetRecord, type AssetScope } from './asset-records.ts';
import type { CatalogDb } from './connection.ts';
import type { Database } from './database-schema.ts';

/**
 * The Admin API's bulk selections (`publish_resources`, `update_access_mode`): named public_ids, a
 * public_id prefix (literal, byte-wise like the listings) or a tag, within one cloud and resource type.
 * (Reads by asset id are archive-selection.ts's findAssetsByAssetIds.)
 */

export type AssetSelection = { publicIds: string[] } | { prefix: string } | { tag: string };

/** Assets of one cloud and resource type, of any of `types`, that a selection names: at most `limit`, in public_id byte order. */
export async function findSelectedAssets(
  db: CatalogDb,
  query: { cloudName: string; resourceType: string; types: string[]; selection: AssetSelection; limit: number },
): Promise<AssetRecord[]> {
  if (query.types.length === 0) return [];
  const rows = await db
    .selectFrom('assets')
    .selectAll()
    .where('cloud_name', '=', query.cloudName)
    .where('resource_type', '=', query.resourceType)
    .where('type', 'in', query.types)
    .where(selectionIs(query.selection))
    .orderBy(sql`public_id COLLATE "C"`)
    .orderBy('type')
    .limit(query.limit)
    .execute();
  return rows.map(assetRecordFromRow);
}

/**
 * Sets the access mode of at most `limit` assets of `scope` that the selection names and that do not
 * have it yet; returns them as they are now, in public_id byte order. Selecting only the ones still to
 * change means a repeated call over a large prefix or tag makes progress.
 */
export async function changeAccessMode(
  db: CatalogDb,
  query: { scope: AssetScope; selection: AssetSelection; accessMode: string; limit: number },
): Promise<AssetRecord[]> {
  const { scope } = query;
  const targets = db
    .selectFrom('assets')
    .select('asset_id')
    .where('cloud_name', '=', scope.cloudName)
    .where('resource_type', '=', scope.resourceType)
    .where('type', '=', scope.type)
    .where('access_mode', '<>', query.accessMode)
    .where(selectionIs(query.selection))
    .orderBy(sql`public_id COLLATE "C"`)
    .limit(query.limit);
  const rows = await db
    .updateTable('assets')
    .set({ access_mode: query.accessMode, updated_at: new Date() })
    .where('asset_id', 'in', targets)
    .returningAll()
    .execute();
  return rows.map(assetRecordFromRow).sort((a, b) => Buffer.compare(Buffer.from(a.publicId), Buffer.from(b.publicId)));
}

function selectionIs(selection: AssetSelection) {
  return (eb: ExpressionBuilder<Database, 'assets'>) => {
    if ('publicIds' in selection) return selection.publicIds.length === 0 ? eb.val(false) : eb('public_id', 'in', selection.publicIds);
    if ('prefix' in selection) return sql<boolean>`public_id COLLATE "C" LIKE ${`${escapeLike(selection.prefix)}%`}`;
    return sql<boolean>`tags @> ARRAY[${selection.tag}]::text[]`;
  };
}

/** How many assets of a cloud (every resource and delivery type) are directly in an asset folder: `resources_by_asset_folder`'s `total_count`. */
export async function countAssetsInAssetFolder(db: CatalogDb, cloudName: string, assetFolder: string): Promise<number> {
  const row = await db
    .selectFrom('assets')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('cloud_name', '=', cloudName)
    .where('asset_folder', '=', assetFolder)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

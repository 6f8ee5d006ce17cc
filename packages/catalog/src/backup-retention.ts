import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './database-schema.ts';

/**
 * The parts of the backup rules (backups-repository.ts) that other repositories' writes run inside
 * their own transactions: whether an overwrite keeps the version it replaces, what a destroy keeps,
 * and forgetting a deleted asset that is live again. Kept apart from the backup reads, which look
 * assets up, so that the asset writes and the backup reads do not import each other.
 */

export async function cloudBackupsEnabled(db: Kysely<Database>, cloudName: string): Promise<boolean> {
  const row = await db.selectFrom('clouds').select('backups').where('name', '=', cloudName).executeTakeFirst();
  return row?.backups ?? true;
}

/**
 * Whether an overwrite keeps the version it replaces: the cloud's default, the replaced version's own
 * `backup=true`, or `backup=true` on the overwriting upload. Runs inside the commit's transaction.
 */
export async function keepsReplacedVersion(
  trx: Transaction<Database>,
  input: { cloudName: string; replacedVersionId: string; forced: boolean },
): Promise<boolean> {
  if (input.forced) return true;
  const replaced = await trx.selectFrom('asset_versions').select('backup').where('version_id', '=', input.replacedVersionId).executeTakeFirst();
  if (replaced?.backup) return true;
  return cloudBackupsEnabled(trx, input.cloudName);
}

/**
 * A destroy's part (the asset row is locked, not yet deleted): version rows that are not backed up
 * go; when any is kept, the asset's identity and fields are recorded in `deleted_assets`. Returns
 * the storage keys of the kept versions: their blobs must stay.
 */
export async function keepBackupsOfDestroyedAsset(trx: Transaction<Database>, assetId: string): Promise<string[]> {
  const asset = await trx.selectFrom('assets').select('cloud_name').where('asset_id', '=', assetId).executeTakeFirst();
  if (!asset) return [];
  const cloudDefault = await cloudBackupsEnabled(trx, asset.cloud_name);
  const versions = await trx.selectFrom('asset_versions').select(['version_id', 'storage_key', 'backup']).where('asset_id', '=', assetId).execute();
  const kept = versions.filter((version) => cloudDefault || version.backup);
  const dropped = versions.filter((version) => !(cloudDefault || version.backup)).map((version) => version.version_id);
  if (dropped.length > 0) await trx.deleteFrom('asset_versions').where('version_id', 'in', dropped).execute();
  if (kept.length > 0) {
    await sql`
      INSERT INTO deleted_assets (asset_id, cloud_name, resource_type, type, public_id, tags, context, metadata,
                                  asset_folder, display_name, original_filename, access_mode, created_at, deleted_at)
      SELECT asset_id, cloud_name, resource_type, type, public_id, tags, context, metadata,
             asset_folder, display_name, original_filename, access_mode, created_at, now()
      FROM assets WHERE asset_id = ${assetId}
      ON CONFLICT (asset_id) DO UPDATE SET
        cloud_name = excluded.cloud_name, resource_type = excluded.resource_type, type = excluded.type,
        public_id = excluded.public_id, tags = excluded.tags, context = excluded.context, metadata = excluded.metadata,
        asset_folder = excluded.asset_folder, display_name = excluded.display_name,
        original_filename = excluded.original_filename, access_mode = excluded.access_mode,
        created_at = excluded.created_at, deleted_at = excluded.deleted_at
    `.execute(trx);
  }
  return kept.map((version) => version.storage_key);
}

/** An asset that is live again (restored) is no longer a deleted one. */
export async function forgetDeletedAsset(trx: Transaction<Database>, assetId: string): Promise<void> {
  await trx.deleteFrom('deleted_assets').where('asset_id', '=', assetId).execute();
}

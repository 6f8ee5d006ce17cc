import type { CatalogDb } from './connection.ts';

/**
 * `api.delete_backed_up_assets(asset_id, version_ids)` in the catalog: the named versions of one asset
 * of the cloud (live, or destroyed with its backups kept) go, with their derivatives. The live asset's
 * current version is the asset itself and is never deleted here: it is reported apart. A destroyed
 * asset whose last version goes is forgotten too (nothing is left to restore).
 */
export type BackupDeletion =
  | { kind: 'asset-not-found' }
  | { kind: 'version-not-found'; versionId: string }
  | {
      kind: 'deleted';
      /** The version_ids deleted, in the order asked. */
      deleted: string[];
      /** Asked for but the live asset's current version: kept. */
      current: string[];
      /** Blobs no row names any more: the originals of the deleted versions and their derivatives. */
      storageKeys: string[];
    };

export async function deleteBackedUpVersions(
  db: CatalogDb,
  input: { cloudName: string; assetId: string; versionIds: string[] },
): Promise<BackupDeletion> {
  const { cloudName, assetId } = input;
  const versionIds = [...new Set(input.versionIds)];
  return db.transaction().execute(async (trx): Promise<BackupDeletion> => {
    // The asset row is locked, so an overwrite cannot make another version current meanwhile.
    const live = await trx
      .selectFrom('assets')
      .select('version_id')
      .where('asset_id', '=', assetId)
      .where('cloud_name', '=', cloudName)
      .forUpdate()
      .executeTakeFirst();
    const destroyed = live
      ? undefined
      : await trx
          .selectFrom('deleted_assets')
          .select('asset_id')
          .where('asset_id', '=', assetId)
          .where('cloud_name', '=', cloudName)
          .forUpdate()
          .executeTakeFirst();
    if (!live && !destroyed) return { kind: 'asset-not-found' };
    if (versionIds.length === 0) return { kind: 'deleted', deleted: [], current: [], storageKeys: [] };

    const rows = await trx
      .selectFrom('asset_versions')
      .select('version_id')
      .where('asset_id', '=', assetId)
      .where('version_id', 'in', versionIds)
      .execute();
    const found = new Set(rows.map((row) => row.version_id.trim()));
    const unknown = versionIds.find((versionId) => !found.has(versionId));
    if (unknown !== undefined) return { kind: 'version-not-found', versionId: unknown };

    const currentId = live?.version_id.trim();
    const current = versionIds.filter((versionId) => versionId === currentId);
    const doomed = versionIds.filter((versionId) => versionId !== currentId);
    if (doomed.length === 0) return { kind: 'deleted', deleted: [], current, storageKeys: [] };

    const derived = await trx
      .deleteFrom('derived')
      .where('asset_id', '=', assetId)
      .where('version_id', 'in', doomed)
      .returning('storage_key')
      .execute();
    const originals = await trx
      .deleteFrom('asset_versions')
      .where('asset_id', '=', assetId)
      .where('version_id', 'in', doomed)
      .returning('storage_key')
      .execute();
    if (destroyed) {
      const left = await trx.selectFrom('asset_versions').select('version_id').where('asset_id', '=', assetId).limit(1).executeTakeFirst();
      if (!left) await trx.deleteFrom('deleted_assets').where('asset_id', '=', assetId).execute();
    }
    return {
      kind: 'deleted',
      deleted: doomed,
      current,
      storageKeys: [...originals.map((row) => row.storage_key), ...derived.map((row) => row.storage_key)],
    };
  });
}

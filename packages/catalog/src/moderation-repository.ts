import { sql } from 'kysely';
import { assetRecordFromRow, type AssetRecord } from './asset-records.ts';
import { inTransaction } from './batches-repository.ts';
import type { CatalogDb } from './connection.ts';
import type { ModerationEntryRow } from './database-schema.ts';

/** What a moderation change did: the entries before it, and the asset after it. */
export interface ModerationChange {
  before: ModerationEntryRow[] | null;
  asset: AssetRecord;
}

/**
 * Changes one asset's moderation under its row lock, so a worker's verdict and a person's decision
 * never overwrite each other. `change` sees the entries now stored and returns the new ones with the
 * overall status, or undefined to leave the row as it is (the entry it meant to decide was decided
 * meanwhile). `versionId` pins the version: an overwrite in between makes the change void. A new chain
 * (explicit's `moderation`) also names the URL its later decisions notify.
 */
export async function changeModeration(
  db: CatalogDb,
  target: { assetId: string; versionId?: string },
  change: (
    entries: ModerationEntryRow[] | null,
    asset: AssetRecord,
  ) => { entries: ModerationEntryRow[]; status: string | null; notificationUrl?: string | null } | undefined,
): Promise<ModerationChange | undefined> {
  return inTransaction(db, async (trx) => {
    let select = trx.selectFrom('assets').selectAll().where('asset_id', '=', target.assetId);
    if (target.versionId !== undefined) select = select.where('version_id', '=', target.versionId);
    const row = await select.forUpdate().executeTakeFirst();
    if (!row) return undefined;
    const asset = assetRecordFromRow(row);
    const next = change(asset.moderation ?? null, asset);
    if (!next) return undefined;
    const updated = await trx
      .updateTable('assets')
      .set({
        moderation: JSON.stringify(next.entries),
        moderation_status: next.status,
        ...(next.notificationUrl !== undefined ? { moderation_notification_url: next.notificationUrl } : {}),
        updated_at: new Date(),
      })
      .where('asset_id', '=', target.assetId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { before: asset.moderation ?? null, asset: assetRecordFromRow(updated) };
  });
}

/** The condition `resources_by_moderation` adds: the asset holds an entry of this kind with this status (GIN-indexed). */
export function moderationEntryIs(entry: { kind: string; status: string }) {
  return sql<boolean>`moderation @> ${JSON.stringify([{ kind: entry.kind, status: entry.status }])}::jsonb`;
}

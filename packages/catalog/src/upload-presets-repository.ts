import { sql, type ColumnType, type Generated, type JSONColumnType } from 'kysely';
import type { CatalogDb } from './connection.ts';

/** Settings as the upload parameters were sent: a string, or a list for `name[]` fields. */
export type PresetSettings = Record<string, string | string[]>;

/**
 * The `upload_presets` table (migration 0005). Declared here and added with `withTables`, so the
 * shared schema file stays untouched by this feature.
 */
export interface UploadPresetsTable {
  cloud_name: string;
  name: string;
  unsigned: Generated<boolean>;
  disallow_public_id: Generated<boolean>;
  live: Generated<boolean>;
  settings: JSONColumnType<PresetSettings>;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export interface UploadPresetRecord {
  cloudName: string;
  name: string;
  unsigned: boolean;
  disallowPublicId: boolean;
  live: boolean;
  settings: PresetSettings;
}

export interface UploadPresetFlags {
  unsigned?: boolean;
  disallowPublicId?: boolean;
  live?: boolean;
}

function presetsDb(db: CatalogDb) {
  return db.withTables<{ upload_presets: UploadPresetsTable }>();
}

type Row = { cloud_name: string; name: string; unsigned: boolean; disallow_public_id: boolean; live: boolean; settings: PresetSettings };

function toRecord(row: Row): UploadPresetRecord {
  return {
    cloudName: row.cloud_name,
    name: row.name,
    unsigned: row.unsigned,
    disallowPublicId: row.disallow_public_id,
    live: row.live,
    settings: row.settings,
  };
}

const COLUMNS = ['cloud_name', 'name', 'unsigned', 'disallow_public_id', 'live', 'settings'] as const;

export async function findUploadPreset(db: CatalogDb, cloudName: string, name: string): Promise<UploadPresetRecord | undefined> {
  const row = await presetsDb(db)
    .selectFrom('upload_presets')
    .select(COLUMNS)
    .where('cloud_name', '=', cloudName)
    .where('name', '=', name)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Inserts a preset; false when the cloud already has one by that name (nothing is changed then). */
export async function insertUploadPreset(db: CatalogDb, preset: UploadPresetRecord): Promise<boolean> {
  const inserted = await presetsDb(db)
    .insertInto('upload_presets')
    .values({
      cloud_name: preset.cloudName,
      name: preset.name,
      unsigned: preset.unsigned,
      disallow_public_id: preset.disallowPublicId,
      live: preset.live,
      settings: JSON.stringify(preset.settings),
    })
    .onConflict((c) => c.columns(['cloud_name', 'name']).doNothing())
    .returning('name')
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Merges `settings` into the stored ones (a key given replaces that key) and sets the flags that are
 * given, in one statement; false when there is no such preset.
 */
export async function updateUploadPreset(
  db: CatalogDb,
  cloudName: string,
  name: string,
  change: { settings: PresetSettings; flags: UploadPresetFlags },
): Promise<boolean> {
  const updated = await presetsDb(db)
    .updateTable('upload_presets')
    .set({
      settings: sql<string>`settings || ${JSON.stringify(change.settings)}::jsonb`,
      updated_at: new Date(),
      ...(change.flags.unsigned !== undefined ? { unsigned: change.flags.unsigned } : {}),
      ...(change.flags.disallowPublicId !== undefined ? { disallow_public_id: change.flags.disallowPublicId } : {}),
      ...(change.flags.live !== undefined ? { live: change.flags.live } : {}),
    })
    .where('cloud_name', '=', cloudName)
    .where('name', '=', name)
    .returning('name')
    .executeTakeFirst();
  return updated !== undefined;
}

export async function deleteUploadPreset(db: CatalogDb, cloudName: string, name: string): Promise<boolean> {
  const deleted = await presetsDb(db)
    .deleteFrom('upload_presets')
    .where('cloud_name', '=', cloudName)
    .where('name', '=', name)
    .returning('name')
    .executeTakeFirst();
  return deleted !== undefined;
}

/** A page of the cloud's presets in name order, starting after `afterName`. */
export async function listUploadPresets(
  db: CatalogDb,
  cloudName: string,
  options: { afterName?: string; limit: number },
): Promise<UploadPresetRecord[]> {
  let query = presetsDb(db).selectFrom('upload_presets').select(COLUMNS).where('cloud_name', '=', cloudName);
  if (options.afterName !== undefined) query = query.where('name', '>', options.afterName);
  const rows = await query.orderBy('name').limit(options.limit).execute();
  return rows.map(toRecord);
}

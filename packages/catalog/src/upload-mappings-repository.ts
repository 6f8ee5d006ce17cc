import { sql, type ColumnType, type Generated } from 'kysely';
import type { CatalogDb } from './connection.ts';

/**
 * The `upload_mappings` table (migration 0025). Declared here and added with `withTables`, so the
 * shared schema file stays untouched by this feature.
 */
export interface UploadMappingsTable {
  cloud_name: string;
  folder: string;
  template: string;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** One upload mapping: a folder and the URL prefix it stands for. */
export interface UploadMappingRecord {
  folder: string;
  template: string;
}

function mappingsDb(db: CatalogDb) {
  return db.withTables<{ upload_mappings: UploadMappingsTable }>();
}

export async function findUploadMapping(db: CatalogDb, cloudName: string, folder: string): Promise<UploadMappingRecord | undefined> {
  return mappingsDb(db)
    .selectFrom('upload_mappings')
    .select(['folder', 'template'])
    .where('cloud_name', '=', cloudName)
    .where('folder', '=', folder)
    .executeTakeFirst();
}

/**
 * The mapping of the longest of `folders` that has one: auto-upload asks with every folder prefix of
 * a delivered public_id, and the deepest mapped folder wins.
 */
export async function findLongestUploadMapping(db: CatalogDb, cloudName: string, folders: readonly string[]): Promise<UploadMappingRecord | undefined> {
  if (folders.length === 0) return undefined;
  return mappingsDb(db)
    .selectFrom('upload_mappings')
    .select(['folder', 'template'])
    .where('cloud_name', '=', cloudName)
    .where('folder', 'in', [...folders])
    .orderBy(sql`length(folder)`, 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Inserts a mapping; false when the cloud already has one for that folder (nothing is changed then). */
export async function insertUploadMapping(db: CatalogDb, cloudName: string, mapping: UploadMappingRecord): Promise<boolean> {
  const inserted = await mappingsDb(db)
    .insertInto('upload_mappings')
    .values({ cloud_name: cloudName, folder: mapping.folder, template: mapping.template })
    .onConflict((c) => c.columns(['cloud_name', 'folder']).doNothing())
    .returning('folder')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Sets a mapping's template; false when there is no mapping for that folder. */
export async function updateUploadMapping(db: CatalogDb, cloudName: string, mapping: UploadMappingRecord): Promise<boolean> {
  const updated = await mappingsDb(db)
    .updateTable('upload_mappings')
    .set({ template: mapping.template, updated_at: new Date() })
    .where('cloud_name', '=', cloudName)
    .where('folder', '=', mapping.folder)
    .returning('folder')
    .executeTakeFirst();
  return updated !== undefined;
}

export async function deleteUploadMapping(db: CatalogDb, cloudName: string, folder: string): Promise<boolean> {
  const deleted = await mappingsDb(db)
    .deleteFrom('upload_mappings')
    .where('cloud_name', '=', cloudName)
    .where('folder', '=', folder)
    .returning('folder')
    .executeTakeFirst();
  return deleted !== undefined;
}

/** A page of the cloud's mappings in folder order (byte order), starting after `afterFolder`. */
export async function listUploadMappings(
  db: CatalogDb,
  cloudName: string,
  options: { afterFolder?: string; limit: number },
): Promise<UploadMappingRecord[]> {
  let query = mappingsDb(db).selectFrom('upload_mappings').select(['folder', 'template']).where('cloud_name', '=', cloudName);
  if (options.afterFolder !== undefined) query = query.where(sql`folder COLLATE "C"`, '>', options.afterFolder);
  return query
    .orderBy(sql`folder COLLATE "C"`)
    .limit(options.limit)
    .execute();
}

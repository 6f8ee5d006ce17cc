import type { CatalogDb } from './connection.ts';

/**
 * A cloud's stored streaming profile (migration 0013): a custom profile, or an override of a
 * predefined one (same name). Predefined profiles themselves are not stored; they live in
 * `@rendition/transform` and a stored row of the same name replaces one for its cloud.
 */
export interface StoredStreamingProfile {
  name: string;
  displayName: string | null;
  /** One canonical transformation string per rendition, in order. */
  representations: string[];
}

const COLUMNS = ['name', 'display_name', 'representations'] as const;

function toProfile(row: { name: string; display_name: string | null; representations: string[] }): StoredStreamingProfile {
  return { name: row.name, displayName: row.display_name, representations: row.representations };
}

export async function findStreamingProfile(db: CatalogDb, cloudName: string, name: string): Promise<StoredStreamingProfile | undefined> {
  const row = await db.selectFrom('streaming_profiles').select(COLUMNS).where('cloud_name', '=', cloudName).where('name', '=', name).executeTakeFirst();
  return row && toProfile(row);
}

/**
 * What a derive job renders for `sp_<name>` in this cloud: the stored representations (a custom
 * profile, or the cloud's override of a predefined one), or undefined, when the caller falls back to
 * the predefined table.
 */
export async function findStreamingProfileRepresentations(db: CatalogDb, cloudName: string, name: string): Promise<string[] | undefined> {
  return (await findStreamingProfile(db, cloudName, name))?.representations;
}

/** The cloud's stored profiles (custom ones and overrides), in name order. */
export async function listStreamingProfiles(db: CatalogDb, cloudName: string): Promise<StoredStreamingProfile[]> {
  const rows = await db.selectFrom('streaming_profiles').select(COLUMNS).where('cloud_name', '=', cloudName).orderBy('name').execute();
  return rows.map(toProfile);
}

/** Inserts a profile; false when the cloud already stores one by that name (nothing is changed then). */
export async function insertStreamingProfile(db: CatalogDb, cloudName: string, profile: StoredStreamingProfile): Promise<boolean> {
  const inserted = await db
    .insertInto('streaming_profiles')
    .values({
      cloud_name: cloudName,
      name: profile.name,
      display_name: profile.displayName,
      representations: JSON.stringify(profile.representations),
    })
    .onConflict((c) => c.columns(['cloud_name', 'name']).doNothing())
    .returning('name')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Inserts or replaces a profile (an update, or the first override of a predefined one). */
export async function saveStreamingProfile(db: CatalogDb, cloudName: string, profile: StoredStreamingProfile): Promise<void> {
  const representations = JSON.stringify(profile.representations);
  await db
    .insertInto('streaming_profiles')
    .values({ cloud_name: cloudName, name: profile.name, display_name: profile.displayName, representations })
    .onConflict((c) => c.columns(['cloud_name', 'name']).doUpdateSet({ display_name: profile.displayName, representations, updated_at: new Date() }))
    .execute();
}

/** Replaces a stored profile's display name and representations; false when the cloud stores none by that name. */
export async function replaceStreamingProfile(db: CatalogDb, cloudName: string, profile: StoredStreamingProfile): Promise<boolean> {
  const updated = await db
    .updateTable('streaming_profiles')
    .set({ display_name: profile.displayName, representations: JSON.stringify(profile.representations), updated_at: new Date() })
    .where('cloud_name', '=', cloudName)
    .where('name', '=', profile.name)
    .returning('name')
    .executeTakeFirst();
  return updated !== undefined;
}

/** Removes a stored profile; false when the cloud stores none by that name. */
export async function deleteStreamingProfile(db: CatalogDb, cloudName: string, name: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('streaming_profiles')
    .where('cloud_name', '=', cloudName)
    .where('name', '=', name)
    .returning('name')
    .executeTakeFirst();
  return deleted !== undefined;
}

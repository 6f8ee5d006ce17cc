import type { CatalogDb } from './connection.ts';
import { ensureCloud } from './clouds-repository.ts';

/**
 * A cloud's own rate limits (migration 0023, docs/operations.md "Rate limits"): each one overrides the
 * global setting (RATE_LIMIT_*) for the cloud's keys. Undefined: the global setting; 0: no limit.
 */
export interface CloudRateLimits {
  adminPerHour?: number;
  uploadsPerMinute?: number;
  uploadsPerHour?: number;
  uploadConcurrency?: number;
}

/** A change to a cloud's rate limits: a number sets it, null goes back to the global setting, absent keeps it. */
export type CloudRateLimitsChange = { [K in keyof CloudRateLimits]?: number | null };

const COLUMNS = {
  adminPerHour: 'rate_limit_admin_per_hour',
  uploadsPerMinute: 'rate_limit_uploads_per_minute',
  uploadsPerHour: 'rate_limit_uploads_per_hour',
  uploadConcurrency: 'rate_limit_upload_concurrency',
} as const;

/** The cloud's overrides; none for a cloud that does not exist. */
export async function cloudRateLimits(db: CatalogDb, cloudName: string): Promise<CloudRateLimits> {
  const row = await db.selectFrom('clouds').select(Object.values(COLUMNS)).where('name', '=', cloudName).executeTakeFirst();
  const limits: CloudRateLimits = {};
  if (!row) return limits;
  for (const [name, column] of Object.entries(COLUMNS) as Array<[keyof CloudRateLimits, (typeof COLUMNS)[keyof CloudRateLimits]]>) {
    const value = row[column];
    if (value !== null) limits[name] = value;
  }
  return limits;
}

/** Applies `change` (the cloud is created if missing); the caller checks that numbers are whole and not negative. */
export async function setCloudRateLimits(db: CatalogDb, cloudName: string, change: CloudRateLimitsChange): Promise<void> {
  await ensureCloud(db, cloudName);
  const values: Partial<Record<(typeof COLUMNS)[keyof CloudRateLimits], number | null>> = {};
  for (const [name, column] of Object.entries(COLUMNS) as Array<[keyof CloudRateLimits, (typeof COLUMNS)[keyof CloudRateLimits]]>) {
    const value = change[name];
    if (value !== undefined) values[column] = value;
  }
  if (Object.keys(values).length === 0) return;
  await db.updateTable('clouds').set(values).where('name', '=', cloudName).execute();
}

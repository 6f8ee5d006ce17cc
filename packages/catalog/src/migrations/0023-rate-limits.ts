import { sql, type Kysely } from 'kysely';

/**
 * Per-cloud rate limits (docs/operations.md "Rate limits"): each column overrides its RATE_LIMIT_*
 * variable for the cloud's keys. Null: the global setting; 0: no limit.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE clouds
      ADD COLUMN rate_limit_admin_per_hour integer CHECK (rate_limit_admin_per_hour >= 0),
      ADD COLUMN rate_limit_uploads_per_minute integer CHECK (rate_limit_uploads_per_minute >= 0),
      ADD COLUMN rate_limit_uploads_per_hour integer CHECK (rate_limit_uploads_per_hour >= 0),
      ADD COLUMN rate_limit_upload_concurrency integer CHECK (rate_limit_upload_concurrency >= 0)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE clouds
      DROP COLUMN rate_limit_admin_per_hour,
      DROP COLUMN rate_limit_uploads_per_minute,
      DROP COLUMN rate_limit_uploads_per_hour,
      DROP COLUMN rate_limit_upload_concurrency
  `.execute(db);
}

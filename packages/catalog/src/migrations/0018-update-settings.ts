import { sql, type Kysely } from 'kysely';

/**
 * Settings the Admin API's `update` stores on an asset (not on a version: an overwrite keeps them):
 * `access_control` (Cloudinary's list of `{access_type, start?, end?}`; delivery honours its anonymous
 * windows, docs/asset-management.md "update") and `quality_override` (what `q_auto` should use).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets ADD COLUMN access_control jsonb`.execute(db);
  await sql`ALTER TABLE assets ADD COLUMN quality_override text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets DROP COLUMN access_control, DROP COLUMN quality_override`.execute(db);
}

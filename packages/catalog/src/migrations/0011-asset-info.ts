import { sql, type Kysely } from 'kysely';

/**
 * The `info` of an asset's current version (raw_convert results, later analysis add-ons), as the
 * Admin API's `resource` shows it. `json`, not `jsonb`, to keep the order of its fields. A new
 * version starts without one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets ADD COLUMN info json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets DROP COLUMN info`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Batch and job results are stored as `json`, which keeps the text as written: jsonb re-orders
 * object keys (shorter keys first), so a result read back from it would lose the field order of
 * Cloudinary's responses, which synchronous eager answers and notifications reproduce.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE batches ALTER COLUMN result TYPE json USING result::json`.execute(db);
  await sql`ALTER TABLE jobs ALTER COLUMN result TYPE json USING result::json`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE batches ALTER COLUMN result TYPE jsonb USING result::jsonb`.execute(db);
  await sql`ALTER TABLE jobs ALTER COLUMN result TYPE jsonb USING result::jsonb`.execute(db);
}

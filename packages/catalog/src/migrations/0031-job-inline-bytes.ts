import { sql, type Kysely } from 'kysely';

/**
 * `jobs.inline_data`: a small upload's bytes (INLINE_UPLOAD_MAX_BYTES), held in its outbox row as
 * bytea rather than as base64 inside `payload`. The intake sends them as one binary parameter, so
 * PostgreSQL neither parses them as JSON text nor stores a third more; the ingest's first statement
 * reads them back (startIngest). Rows written before keep theirs in `payload.source.data`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs ADD COLUMN IF NOT EXISTS inline_data bytea`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs DROP COLUMN IF EXISTS inline_data`.execute(db);
}

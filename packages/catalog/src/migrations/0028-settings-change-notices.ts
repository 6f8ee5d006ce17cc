import { sql, type Kysely } from 'kysely';

/**
 * The tables whose rows processes cache (settings-cache.ts SETTINGS_TABLES, as of this migration):
 * every write to them is announced. Written out, so that the migration never changes after it ran.
 */
const SETTINGS_TABLES = ['clouds', 'api_keys', 'metadata_fields', 'upload_presets'] as const;

/**
 * A NOTIFY on `rendition_settings` after any statement that writes a settings table (issue 17): each
 * process's settings cache forgets what it holds when it hears one. A trigger rather than the
 * repositories, so writes from any process, an older release or psql are announced too. Per row, so a
 * statement that changes nothing (`INSERT … ON CONFLICT DO NOTHING` of an existing cloud) empties no
 * cache; PostgreSQL folds a transaction's identical notices into one, and delivers it at commit, when
 * the change is readable.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION rendition_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('rendition_settings', TG_TABLE_NAME);
      RETURN NULL;
    END
    $$`.execute(db);
  for (const table of SETTINGS_TABLES) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_settings_changed`)}
      AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION rendition_settings_changed()`.execute(db);
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_settings_truncated`)}
      AFTER TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION rendition_settings_changed()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of SETTINGS_TABLES) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_settings_changed`)} ON ${sql.table(table)}`.execute(db);
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_settings_truncated`)} ON ${sql.table(table)}`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS rendition_settings_changed()`.execute(db);
}

import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * Migration 0020's triggers that keep `asset_tag_words` fire only for rows that have tags before or
 * after the change. An untagged asset has no rows there, yet every insert (every upload) ran the
 * PL/pgSQL function and its set-returning word split for nothing: 0.58 ms of the ingest's 1.45 ms
 * commit statement without tags (auto_explain with log_triggers, docs/performance.md "Session 30").
 * A trigger's WHEN clause is evaluated without calling the function.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await createTagWordTriggers(db, { onlyTagged: true });
}

/** Back to 0020's triggers, which fire for every row. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await createTagWordTriggers(db, { onlyTagged: false });
}

const hasTags = (row: 'OLD' | 'NEW'): RawBuilder<unknown> => sql.raw(`coalesce(cardinality(${row}.tags), 0) > 0`);

/** Replaces the three triggers: as 0020 made them, or each guarded by the row's tags (`onlyTagged`). */
async function createTagWordTriggers(db: Kysely<unknown>, { onlyTagged }: { onlyTagged: boolean }): Promise<void> {
  for (const name of ['assets_tag_words_insert', 'assets_tag_words_delete', 'assets_tag_words_update']) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)} ON assets`.execute(db);
  }
  const when = (guard: RawBuilder<unknown>) => (onlyTagged ? sql`WHEN (${guard})` : sql``);
  await sql`
    CREATE TRIGGER assets_tag_words_insert AFTER INSERT ON assets
    FOR EACH ROW ${when(hasTags('NEW'))} EXECUTE FUNCTION rendition_sync_asset_tag_words()`.execute(db);
  await sql`
    CREATE TRIGGER assets_tag_words_delete AFTER DELETE ON assets
    FOR EACH ROW ${when(hasTags('OLD'))} EXECUTE FUNCTION rendition_sync_asset_tag_words()`.execute(db);
  const changed = sql`
    OLD.tags IS DISTINCT FROM NEW.tags OR OLD.format IS DISTINCT FROM NEW.format OR OLD.resource_type IS DISTINCT FROM NEW.resource_type
    OR OLD.type IS DISTINCT FROM NEW.type OR OLD.cloud_name IS DISTINCT FROM NEW.cloud_name OR OLD.asset_id IS DISTINCT FROM NEW.asset_id`;
  const updateGuard = onlyTagged ? sql`(${hasTags('OLD')} OR ${hasTags('NEW')}) AND (${changed})` : changed;
  await sql`
    CREATE TRIGGER assets_tag_words_update AFTER UPDATE OF tags, format, resource_type, type, cloud_name, asset_id ON assets
    FOR EACH ROW WHEN (${updateGuard}) EXECUTE FUNCTION rendition_sync_asset_tag_words()`.execute(db);
}

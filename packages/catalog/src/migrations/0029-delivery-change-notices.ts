import { sql, type Kysely } from 'kysely';

/**
 * A NOTIFY on `rendition_delivery` whenever what a delivery URL resolves to may have changed, for the
 * API's in-process cache of resolved URLs (apps/api delivery-cache.ts, issue 17):
 * - `a:<asset_id>` after an asset row is updated (overwrite, rename, access_control, moderation,
 *   quality_override, tags…) or deleted, and after one of its derived rows is updated or deleted;
 * - `*` after any write to named transformations or streaming profiles (a `t_` or `sp_` may now mean
 *   something else) and after a TRUNCATE of assets or derived.
 * Inserts announce nothing: the cache keeps only URLs that resolved to a stored row, and an insert
 * cannot change which row such a URL names (see delivery-cache.ts). Triggers rather than repositories,
 * so writes from any process, an older release or psql are announced too; PostgreSQL folds a
 * transaction's identical notices into one and delivers them at commit, when the change is readable.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION rendition_delivery_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('rendition_delivery', 'a:' || rtrim(OLD.asset_id));
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION rendition_delivery_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('rendition_delivery', '*');
      RETURN NULL;
    END
    $$`.execute(db);
  for (const table of ['assets', 'derived'] as const) {
    // An UPDATE that changes nothing (a retried job's idempotent write) empties no cache. Compared as
    // jsonb: json columns have no equality operator, so a row comparison could fail the UPDATE itself.
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_delivery_updated`)}
      AFTER UPDATE ON ${sql.table(table)}
      FOR EACH ROW WHEN (to_jsonb(OLD) IS DISTINCT FROM to_jsonb(NEW)) EXECUTE FUNCTION rendition_delivery_row_changed()`.execute(db);
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_delivery_deleted`)}
      AFTER DELETE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION rendition_delivery_row_changed()`.execute(db);
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_delivery_truncated`)}
      AFTER TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION rendition_delivery_all_changed()`.execute(db);
  }
  for (const table of ['named_transformations', 'streaming_profiles'] as const) {
    await sql`
      CREATE TRIGGER ${sql.raw(`${table}_delivery_changed`)}
      AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION rendition_delivery_all_changed()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['assets', 'derived'] as const) {
    for (const suffix of ['updated', 'deleted', 'truncated']) {
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_delivery_${suffix}`)} ON ${sql.table(table)}`.execute(db);
    }
  }
  for (const table of ['named_transformations', 'streaming_profiles'] as const) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${table}_delivery_changed`)} ON ${sql.table(table)}`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS rendition_delivery_row_changed()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_delivery_all_changed()`.execute(db);
}

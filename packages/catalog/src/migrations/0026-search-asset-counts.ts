import { sql, type Kysely } from 'kysely';

/**
 * The Search API's exact counts of whole resource kinds (search-count.ts, docs/search.md "Counts"):
 * `asset_counts` holds signed counts of a cloud's assets by (resource_type, type, format); their sum per
 * key is the number of assets with those values. `resource_type:image AND NOT tags=archived` is then the
 * images (a sum over a few rows) less the archived images (asset_tag_words, index-only), where counting
 * 850,000 images on `assets` reads the whole table.
 *
 * Triggers on `assets` append rows, never update one: after an INSERT or DELETE statement, one row per
 * key with the statement's count (+n, -n: a cloud's deletion, one cascaded DELETE, adds a few rows);
 * after an UPDATE that changes a key column, -1 for the old values and +1 for the new. Appending takes no
 * lock that another upload waits for, where a counter row updated in place would make a cloud's
 * concurrent uploads queue on it. About one changed asset in COMPACT_EVERY (a statement of that many
 * always) also folds the cloud's rows into one per key (rendition_compact_asset_counts): rows that another
 * fold holds are skipped (SKIP LOCKED), so folds never wait either, and each row is folded by exactly one
 * of them; the fold commits or rolls back with the change that ran it. A reader sums the rows its
 * snapshot sees: as exact as a count(*) of `assets` in the same snapshot.
 *
 * Backfilled here, inside the migration's transaction (CREATE TRIGGER holds writes to `assets` off until
 * it commits): one grouped count(*) of `assets`.
 */
const COMPACT_EVERY = 256;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE asset_counts (
      cloud_name text NOT NULL,
      resource_type text NOT NULL,
      type text NOT NULL,
      format text,
      assets bigint NOT NULL
    )`.execute(db);
  // Folding is an optimisation: a transaction that cannot fold now (REPEATABLE READ meeting rows that
  // another one folded after its snapshot) leaves the rows as they are.
  await sql`
    CREATE OR REPLACE FUNCTION rendition_compact_asset_counts(cloud text) RETURNS void
    LANGUAGE plpgsql
    AS $$
    BEGIN
      WITH folded AS (
        DELETE FROM asset_counts
        WHERE ctid = ANY (ARRAY(SELECT ctid FROM asset_counts WHERE cloud_name = cloud FOR UPDATE SKIP LOCKED))
        RETURNING resource_type, type, format, assets
      )
      INSERT INTO asset_counts (cloud_name, resource_type, type, format, assets)
      SELECT cloud, resource_type, type, format, sum(assets) FROM folded
      GROUP BY resource_type, type, format HAVING sum(assets) <> 0;
    EXCEPTION WHEN serialization_failure THEN
      NULL;
    END
    $$`.execute(db);
  // Each branch names only its own transition table (PL/pgSQL plans a statement when it first runs it).
  await sql`
    CREATE OR REPLACE FUNCTION rendition_count_asset_statement() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
      cloud text;
      changed bigint;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        FOR cloud, changed IN
          WITH counted AS (
            INSERT INTO asset_counts (cloud_name, resource_type, type, format, assets)
            SELECT cloud_name, resource_type, type, format, count(*) FROM added GROUP BY cloud_name, resource_type, type, format
            RETURNING cloud_name, assets
          )
          SELECT cloud_name, sum(assets) FROM counted GROUP BY cloud_name
        LOOP
          IF random() * ${sql.raw(String(COMPACT_EVERY))} < changed THEN PERFORM rendition_compact_asset_counts(cloud); END IF;
        END LOOP;
      ELSE
        FOR cloud, changed IN
          WITH counted AS (
            INSERT INTO asset_counts (cloud_name, resource_type, type, format, assets)
            SELECT cloud_name, resource_type, type, format, -count(*) FROM removed GROUP BY cloud_name, resource_type, type, format
            RETURNING cloud_name, assets
          )
          SELECT cloud_name, -sum(assets) FROM counted GROUP BY cloud_name
        LOOP
          IF random() * ${sql.raw(String(COMPACT_EVERY))} < changed THEN PERFORM rendition_compact_asset_counts(cloud); END IF;
        END LOOP;
      END IF;
      RETURN NULL;
    END
    $$`.execute(db);
  // Key changes are rare (an overwrite in another format, a rename to another type): counted per row,
  // and folded by a later insert or delete (never here, so a mass UPDATE never folds over its own rows).
  await sql`
    CREATE OR REPLACE FUNCTION rendition_count_asset_update() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
      INSERT INTO asset_counts (cloud_name, resource_type, type, format, assets)
      VALUES (OLD.cloud_name, OLD.resource_type, OLD.type, OLD.format, -1), (NEW.cloud_name, NEW.resource_type, NEW.type, NEW.format, 1);
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER assets_counts_insert AFTER INSERT ON assets REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION rendition_count_asset_statement()`.execute(db);
  await sql`
    CREATE TRIGGER assets_counts_delete AFTER DELETE ON assets REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION rendition_count_asset_statement()`.execute(db);
  await sql`
    CREATE TRIGGER assets_counts_update AFTER UPDATE OF resource_type, type, format, cloud_name ON assets
    FOR EACH ROW WHEN (
      OLD.resource_type IS DISTINCT FROM NEW.resource_type OR OLD.type IS DISTINCT FROM NEW.type
      OR OLD.format IS DISTINCT FROM NEW.format OR OLD.cloud_name IS DISTINCT FROM NEW.cloud_name
    )
    EXECUTE FUNCTION rendition_count_asset_update()`.execute(db);
  await sql`
    INSERT INTO asset_counts (cloud_name, resource_type, type, format, assets)
    SELECT cloud_name, resource_type, type, format, count(*) FROM assets GROUP BY cloud_name, resource_type, type, format`.execute(db);
  await sql`CREATE INDEX asset_counts_key_idx ON asset_counts (cloud_name, resource_type, type, format) INCLUDE (assets)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['assets_counts_update', 'assets_counts_delete', 'assets_counts_insert']) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)} ON assets`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS rendition_count_asset_update()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_count_asset_statement()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_compact_asset_counts(text)`.execute(db);
  await sql`DROP TABLE IF EXISTS asset_counts`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * The Search API's tag counts (search-count.ts, docs/search.md "Performance"): `asset_tag_words`
 * holds, for every asset, one row per distinct whole tag (`whole`: what `tags=x` compares) and one per
 * distinct word of its tags (`whole` false: the words of 0015's rendition_tag_tokens, what a one-word
 * `tags:x` compares), with the asset's resource_type, type and format. Its btree (the primary key,
 * those three columns INCLUDEd) answers the count and the value aggregations of tag-only expressions
 * index-only, where the GIN index on `assets` must visit the heap page of every matching asset.
 *
 * Triggers on `assets` keep it: after INSERT, after DELETE (a cloud's deletion cascades through them
 * too), after an UPDATE that changes tags, format, resource_type, type, cloud_name or asset_id (an
 * overwrite rewrites the row) the asset's old rows are removed and its new ones added. The old rows
 * are found by the key, from the old tags (the words are a pure function of them). Whole tags and words
 * over 1,000 bytes are left out (a btree entry has a size limit); a search for a longer value does not
 * use the table (search-count.ts). Backfilled here, inside the migration's transaction: CREATE
 * TRIGGER holds writes to `assets` off until it commits.
 *
 * Index-only scans skip the heap only for pages the visibility map marks all-visible: autovacuum keeps it
 * on a live table (the bench runs VACUUM ANALYZE after its fill).
 */
const TAG_WORD_MAX_BYTES = 1000;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION rendition_tag_word_rows(tags text[]) RETURNS TABLE (whole boolean, word text)
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
      SELECT true, tag FROM unnest(tags) AS tag WHERE tag IS NOT NULL AND octet_length(tag) <= ${sql.raw(String(TAG_WORD_MAX_BYTES))}
      UNION
      SELECT false, token FROM unnest(rendition_tag_tokens(tags)) AS token WHERE octet_length(token) <= ${sql.raw(String(TAG_WORD_MAX_BYTES))}
    $$`.execute(db);
  await sql`
    CREATE TABLE asset_tag_words (
      cloud_name text NOT NULL,
      whole boolean NOT NULL,
      word text NOT NULL,
      asset_id char(32) NOT NULL,
      resource_type text NOT NULL,
      type text NOT NULL,
      format text
    )`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION rendition_sync_asset_tag_words() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
      IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM asset_tag_words AS w USING rendition_tag_word_rows(OLD.tags) AS r
        WHERE w.cloud_name = OLD.cloud_name AND w.whole = r.whole AND w.word = r.word AND w.asset_id = OLD.asset_id;
      END IF;
      IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO asset_tag_words (cloud_name, whole, word, asset_id, resource_type, type, format)
        SELECT NEW.cloud_name, r.whole, r.word, NEW.asset_id, NEW.resource_type, NEW.type, NEW.format
        FROM rendition_tag_word_rows(NEW.tags) AS r;
      END IF;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER assets_tag_words_insert AFTER INSERT ON assets
    FOR EACH ROW EXECUTE FUNCTION rendition_sync_asset_tag_words()`.execute(db);
  await sql`
    CREATE TRIGGER assets_tag_words_delete AFTER DELETE ON assets
    FOR EACH ROW EXECUTE FUNCTION rendition_sync_asset_tag_words()`.execute(db);
  await sql`
    CREATE TRIGGER assets_tag_words_update AFTER UPDATE OF tags, format, resource_type, type, cloud_name, asset_id ON assets
    FOR EACH ROW WHEN (
      OLD.tags IS DISTINCT FROM NEW.tags OR OLD.format IS DISTINCT FROM NEW.format OR OLD.resource_type IS DISTINCT FROM NEW.resource_type
      OR OLD.type IS DISTINCT FROM NEW.type OR OLD.cloud_name IS DISTINCT FROM NEW.cloud_name OR OLD.asset_id IS DISTINCT FROM NEW.asset_id
    )
    EXECUTE FUNCTION rendition_sync_asset_tag_words()`.execute(db);
  await sql`
    INSERT INTO asset_tag_words (cloud_name, whole, word, asset_id, resource_type, type, format)
    SELECT a.cloud_name, r.whole, r.word, a.asset_id, a.resource_type, a.type, a.format
    FROM assets AS a CROSS JOIN LATERAL rendition_tag_word_rows(a.tags) AS r`.execute(db);
  await sql`
    ALTER TABLE asset_tag_words ADD CONSTRAINT asset_tag_words_pk
    PRIMARY KEY (cloud_name, whole, word, asset_id) INCLUDE (resource_type, type, format)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of ['assets_tag_words_update', 'assets_tag_words_delete', 'assets_tag_words_insert']) {
    await sql`DROP TRIGGER IF EXISTS ${sql.raw(name)} ON assets`.execute(db);
  }
  await sql`DROP FUNCTION IF EXISTS rendition_sync_asset_tag_words()`.execute(db);
  await sql`DROP TABLE IF EXISTS asset_tag_words`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_tag_word_rows(text[])`.execute(db);
}

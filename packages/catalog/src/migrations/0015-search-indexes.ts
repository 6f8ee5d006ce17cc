import { sql, type Kysely } from 'kysely';

/**
 * The Search API's functions and indexes (search-sql.ts, search-sort.ts; docs/search.md).
 *
 * Word matches (`tags:shirt`, bare words) compare token arrays: a value lowercased and split on
 * anything that is not a letter or digit. The functions are IMMUTABLE so that GIN indexes can hold
 * their results; their bodies call only built-ins (resolved from pg_catalog whatever the search_path
 * of the session that evaluates an index expression, e.g. a restore). lower() and [:alnum:] follow the
 * database's LC_CTYPE, which does not change under a live database.
 *
 * Btree indexes lead with cloud_name (every search is one cloud's): created_at with asset_id serves the
 * default order (created_at desc, asset_id desc, across resource types) and relative dates; public_id
 * byte-wise (`COLLATE "C"`, as the listings) serves exact values and prefixes (`LIKE 'a/%'`: a C-collated
 * btree is what text_pattern_ops would give, and it also serves sort_by public_id); bytes, width, height,
 * and format with bytes, the usual ranges. GIN (jsonb_ops, which has `?` as well as `@>`) serves metadata
 * keys and values.
 *
 * Indexes made by other migrations serve the rest, and are not repeated here: tags (GIN, 0004's
 * assets_tags_idx: `tags=`), context (GIN jsonb_ops, 0017's assets_context_idx: `context.k=v`,
 * `context.k:*`) and asset_folder (C-collated btree, 0016's assets_folder_path_bytes_idx).
 *
 * IF NOT EXISTS: on a large catalog, an operator may build these beforehand with CREATE INDEX
 * CONCURRENTLY under the same names (CREATE INDEX here holds writes off while it builds).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION rendition_search_tokens(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT array_remove(regexp_split_to_array(lower(value), '[^[:alnum:]]+'), '') $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION rendition_tag_tokens(tags text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
      SELECT coalesce(array_agg(token), '{}')
      FROM unnest(tags) AS tag, regexp_split_to_table(lower(tag), '[^[:alnum:]]+') AS token
      WHERE token <> ''
    $$`.execute(db);
  await sql`
    CREATE OR REPLACE FUNCTION rendition_context_tokens(context jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
      SELECT coalesce(array_agg(token), '{}')
      FROM jsonb_each_text(context) AS entry, regexp_split_to_table(lower(entry.value), '[^[:alnum:]]+') AS token
      WHERE token <> ''
    $$`.execute(db);

  for (const [name, definition] of INDEXES) {
    await sql`CREATE INDEX IF NOT EXISTS ${sql.raw(name)} ON assets ${sql.raw(definition)}`.execute(db);
  }
}

const INDEXES: ReadonlyArray<readonly [string, string]> = [
  ['assets_search_created_idx', '(cloud_name, created_at, asset_id)'],
  ['assets_search_public_id_idx', '(cloud_name, (public_id COLLATE "C"))'],
  ['assets_search_bytes_idx', '(cloud_name, bytes)'],
  ['assets_search_width_idx', '(cloud_name, width)'],
  ['assets_search_height_idx', '(cloud_name, height)'],
  ['assets_search_format_idx', '(cloud_name, format, bytes)'],
  ['assets_search_metadata_idx', 'USING gin (metadata)'],
  ['assets_search_tag_tokens_idx', 'USING gin (rendition_tag_tokens(tags))'],
  ['assets_search_public_id_tokens_idx', 'USING gin (rendition_search_tokens(public_id))'],
  ['assets_search_context_tokens_idx', 'USING gin (rendition_context_tokens(context))'],
];

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await sql`DROP INDEX IF EXISTS ${sql.raw(name)}`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_context_tokens(jsonb)`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_tag_tokens(text[])`.execute(db);
  await sql`DROP FUNCTION IF EXISTS rendition_search_tokens(text)`.execute(db);
}

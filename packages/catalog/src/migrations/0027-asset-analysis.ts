import { sql, type Kysely } from 'kysely';

/**
 * What an asset's version tells of its pixels and metadata, kept so the Admin API and the Search API
 * can answer it later (docs/analysis.md): the face and custom regions given with upload, explicit or
 * update (`faces`, `coordinates`), the cinemagraph score when one was computed, and the image's
 * metadata read at ingest (`image_metadata`, bounded by IMAGE_METADATA_MAX_BYTES). A new version
 * replaces them all. Nullable columns without defaults: adding them rewrites no row.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE assets
      ADD COLUMN face_coordinates jsonb,
      ADD COLUMN custom_coordinates jsonb,
      ADD COLUMN cinemagraph_score double precision,
      ADD COLUMN image_metadata jsonb
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE assets
      DROP COLUMN face_coordinates,
      DROP COLUMN custom_coordinates,
      DROP COLUMN cinemagraph_score,
      DROP COLUMN image_metadata
  `.execute(db);
}

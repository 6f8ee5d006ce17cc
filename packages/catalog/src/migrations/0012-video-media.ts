import { sql, type Kysely } from 'kysely';

/**
 * What ffprobe measured of a video or audio version (duration, bit_rate, frame_rate, `video {…}`,
 * `audio {…}`, is_audio, rotation, nb_frames), in the wire form and order Cloudinary's responses use.
 * On the version (a restored backup brings its own back) and on the asset's current version. `json`,
 * not `jsonb`, to keep the order of its fields. Null for images and raw files.
 *
 * And `jobs.progress`: how far a running job is (0..100), reported by long jobs (transcodes) for the
 * batch status API; null for jobs that do not report it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets ADD COLUMN media json`.execute(db);
  await sql`ALTER TABLE asset_versions ADD COLUMN media json`.execute(db);
  await sql`ALTER TABLE jobs ADD COLUMN progress smallint`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE assets DROP COLUMN media`.execute(db);
  await sql`ALTER TABLE asset_versions DROP COLUMN media`.execute(db);
  await sql`ALTER TABLE jobs DROP COLUMN progress`.execute(db);
}

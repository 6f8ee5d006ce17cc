import { sql, type Kysely } from 'kysely';

/**
 * The Admin API's `allowed_for_strict` (docs/compatibility.md "Named and implicit transformations"):
 * per named transformation (created allowed, as Cloudinary does) and per implicit one (a canonical
 * transformation text of the cloud). A named definition also keeps its output extension (`c_scale,w_102/`
 * → '' , Cloudinary's `extension: 'none'`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE named_transformations
      ADD COLUMN allowed_for_strict boolean NOT NULL DEFAULT true,
      ADD COLUMN extension text
  `.execute(db);
  await sql`
    CREATE TABLE transformation_settings (
      cloud_name text NOT NULL REFERENCES clouds(name) ON DELETE CASCADE,
      transformation text NOT NULL,
      allowed_for_strict boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (cloud_name, transformation)
    )
  `.execute(db);
  // The transformations endpoints look derivatives up by their canonical text.
  await sql`CREATE INDEX derived_transformation_idx ON derived (transformation)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS derived_transformation_idx`.execute(db);
  await sql`DROP TABLE IF EXISTS transformation_settings`.execute(db);
  await sql`ALTER TABLE named_transformations DROP COLUMN allowed_for_strict, DROP COLUMN extension`.execute(db);
}

import { sql, type Kysely } from 'kysely';

/**
 * Structured metadata, the rest: `allow_dynamic_list_values` on a field (an enum or set value that
 * names no datasource entry becomes a new entry instead of a refusal), and external_ids that can be
 * used again after their field is deleted. The deleted row (0007's `deleted_at`) stays, but no longer
 * to keep the id taken: a re-creation over it clears the values that writes typed against the old
 * field may have left. Values of fields already deleted leave `deleted_assets` here, so a restore
 * cannot bring them back as values of a field created later under the same id.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE metadata_fields ADD COLUMN allow_dynamic_list_values boolean NOT NULL DEFAULT false`.execute(db);
  await sql`
    UPDATE deleted_assets d
    SET metadata = d.metadata - ARRAY(
      SELECT f.external_id FROM metadata_fields f WHERE f.cloud_name = d.cloud_name AND f.deleted_at IS NOT NULL
    )
    WHERE EXISTS (
      SELECT 1 FROM metadata_fields f
      WHERE f.cloud_name = d.cloud_name AND f.deleted_at IS NOT NULL AND d.metadata ? f.external_id
    )
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE metadata_fields DROP COLUMN allow_dynamic_list_values`.execute(db);
}

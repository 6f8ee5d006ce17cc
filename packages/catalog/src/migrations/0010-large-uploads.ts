import { sql, type Kysely } from 'kysely';

/**
 * Chunked uploads (`upload_large`): one row per `X-Unique-Upload-Id` of a cloud while its parts
 * arrive, and one row per part received. `session_id` is ours (it names the assembly in storage);
 * `driver_state` is what the store needs to resume it (the S3 UploadId). A part is reserved
 * (`stored = false`) before its bytes go to the store and counted once stored. `completing` is set
 * by the one request whose part completes the file. Rows left without a part for LARGE_UPLOAD_TTL_MS
 * are swept by the workers.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('large_uploads')
    .addColumn('cloud_name', 'text', (c) => c.notNull().references('clouds.name').onDelete('cascade'))
    .addColumn('upload_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull().unique())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('driver_state', 'text')
    .addColumn('total_bytes', 'bigint')
    .addColumn('total_parts', 'integer')
    .addColumn('bytes_received', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('completing', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('large_uploads_pk', ['cloud_name', 'upload_id'])
    .execute();
  await db.schema.createIndex('large_uploads_updated_at').on('large_uploads').column('updated_at').execute();
  await db.schema
    .createTable('large_upload_parts')
    .addColumn('session_id', 'text', (c) => c.notNull().references('large_uploads.session_id').onDelete('cascade'))
    .addColumn('part_number', 'integer', (c) => c.notNull())
    /** Byte range [start_byte, end_byte) of the file; for the part-number form, unknown (null) until assembled. */
    .addColumn('start_byte', 'bigint')
    .addColumn('end_byte', 'bigint')
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('md5', 'text', (c) => c.notNull())
    .addColumn('etag', 'text')
    .addColumn('stored', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('large_upload_parts_pk', ['session_id', 'part_number'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('large_upload_parts').ifExists().execute();
  await db.schema.dropTable('large_uploads').ifExists().execute();
}

import { sql, type Kysely } from 'kysely';

/**
 * `rendition_abort(reason)`: raises SQLSTATE RN001 with `reason`. A data-modifying statement that
 * writes several tables at once (an ingest's asset and its job's end, batches-repository.ts
 * finishJobIfBatchUnchanged) calls it when one part found its precondition gone after another part
 * already wrote: the error undoes the whole statement, which is what its caller then knows by the code.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE OR REPLACE FUNCTION rendition_abort(reason text) RETURNS integer LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION USING ERRCODE = 'RN001', MESSAGE = reason;
    END
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION IF EXISTS rendition_abort(text)`.execute(db);
}

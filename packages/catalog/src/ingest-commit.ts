import { sql } from 'kysely';
import type { AssetRecord } from './asset-records.ts';
import { newAssetCtes } from './assets-repository.ts';
import { finishCtes, type UnchangedBatchFinish } from './batches-repository.ts';
import { runPreparedShape, type CatalogDb } from './connection.ts';

/**
 * What commitNewAssetAndFinishJob did: `finished` (the asset and the job's end are recorded), or
 * nothing at all — `not-inserted` (the public_id is taken now) or `not-finished` (the batch row is no
 * longer the seen version, or the job had ended): the caller then commits the asset the usual way
 * (commitAssetVersion) and ends the job after it.
 */
export type IngestCommit = 'finished' | 'not-inserted' | 'not-finished';

/** SQLSTATE of rendition_abort (migration 0030). */
const ABORTED = 'RN001';

/**
 * An upload's whole record in one statement, one round trip and one WAL flush: the new asset (its
 * row, version row, folders: newAssetCtes) and its ingest job's end with its batch (finishCtes, the
 * batch counted off only if the asset was inserted). The asset is inserted before the job's end is
 * known to succeed, so when the batch or the job turns out to have changed, rendition_abort undoes
 * the whole statement. For an upload whose response needs nothing else of the stored asset (no delete
 * token, on_success, first eager item, access_control or breakpoints: ingest-service.ts decides).
 */
export async function commitNewAssetAndFinishJob(
  db: CatalogDb,
  input: UnchangedBatchFinish & { asset: AssetRecord; backup: boolean },
): Promise<IngestCommit> {
  try {
    const statement = sql`
      WITH ${newAssetCtes(db, input.asset, input.backup)}, ${finishCtes(input, 'inserted')}
      SELECT (SELECT count(*) FROM inserted)::int AS inserted,
        CASE WHEN (SELECT count(*) FROM inserted) > 0 AND (SELECT count(*) FROM finished) = 0
          THEN rendition_abort('the batch or the job changed since the ingest began') END AS guard
    `;
    const rows = await runPreparedShape<{ inserted: number }>(db, 'rendition_ingest_commit', statement.compile(db));
    return rows[0]?.inserted === 0 ? 'not-inserted' : 'finished';
  } catch (error) {
    if ((error as { code?: string }).code === ABORTED) return 'not-finished';
    throw error;
  }
}

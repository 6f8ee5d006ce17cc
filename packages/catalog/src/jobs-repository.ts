import type { CatalogDb } from './connection.ts';

export type JobStatus = 'queued' | 'active' | 'completed' | 'failed';

export interface JobRecord {
  id: string;
  cloudName: string;
  kind: string;
  status: JobStatus;
  payload: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: { status: number; message: string } | null;
  attempts: number;
}

export async function markJobActive(db: CatalogDb, id: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'active', attempts: eb('attempts', '+', 1), updated_at: new Date() }))
    .where('id', '=', id)
    .where('finished_at', 'is', null)
    .execute();
}

/** How far a running job is (0..100): shown by the batch status API; a finished job keeps its last value. */
export async function recordJobProgress(db: CatalogDb, id: string, percent: number): Promise<void> {
  const progress = Math.max(0, Math.min(100, Math.round(percent)));
  await db.updateTable('jobs').set({ progress, updated_at: new Date() }).where('id', '=', id).where('finished_at', 'is', null).execute();
}

export async function findJob(db: CatalogDb, id: string): Promise<JobRecord | undefined> {
  const row = await db
    .selectFrom('jobs')
    .select(['id', 'cloud_name', 'kind', 'status', 'payload', 'result', 'error', 'attempts'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    id: row.id,
    cloudName: row.cloud_name,
    kind: row.kind,
    status: row.status as JobStatus,
    payload: row.payload,
    result: row.result,
    error: row.error,
    attempts: row.attempts,
  };
}

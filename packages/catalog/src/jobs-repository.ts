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

/** The durable record of a job; Redis only carries it while in flight. */
export async function createJob(
  db: CatalogDb,
  job: { id: string; cloudName: string; kind: string; payload: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('jobs')
    .values({ id: job.id, cloud_name: job.cloudName, kind: job.kind, status: 'queued', payload: JSON.stringify(job.payload) })
    .execute();
}

export async function markJobActive(db: CatalogDb, id: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set((eb) => ({ status: 'active', attempts: eb('attempts', '+', 1), updated_at: new Date() }))
    .where('id', '=', id)
    .where('finished_at', 'is', null)
    .execute();
}

export async function completeJob(db: CatalogDb, id: string, result: Record<string, unknown>): Promise<void> {
  const now = new Date();
  await db
    .updateTable('jobs')
    .set({ status: 'completed', result: JSON.stringify(result), error: null, updated_at: now, finished_at: now })
    .where('id', '=', id)
    .execute();
}

export async function failJob(db: CatalogDb, id: string, error: { status: number; message: string }): Promise<void> {
  const now = new Date();
  await db
    .updateTable('jobs')
    .set({ status: 'failed', error: JSON.stringify(error), updated_at: now, finished_at: now })
    .where('id', '=', id)
    .where('status', '!=', 'completed')
    .execute();
}

export async function findJob(db: CatalogDb, id: string): Promise<JobRecord | undefined> {
  const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
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

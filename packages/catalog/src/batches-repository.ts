import type { Selectable, Transaction } from 'kysely';
import type { CatalogDb } from './connection.ts';
import type { BatchesTable, Database } from './database-schema.ts';

export type BatchStatus = 'pending' | 'complete' | 'failed';

export interface BatchRecord {
  batchId: string;
  cloudName: string;
  apiKey: string;
  kind: string;
  status: BatchStatus;
  pendingJobs: number;
  notificationUrls: string[];
  eagerAsync: boolean;
  eagerNotificationUrls: string[];
  result: Record<string, unknown> | null;
  error: { status: number; message: string } | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface NewJob {
  id: string;
  queue: string;
  kind: string;
  payload: Record<string, unknown>;
}

export interface NewDelivery {
  id: string;
  url: string;
  body: string;
}

/**
 * Accepting work is one transaction: the batch and every job of it (the outbox) are durable before
 * anything is queued in Redis.
 */
export async function createBatchWithJobs(
  db: CatalogDb,
  batch: {
    batchId: string;
    cloudName: string;
    apiKey: string;
    kind: string;
    notificationUrls: string[];
    eagerAsync?: boolean;
    eagerNotificationUrls?: string[];
    /** The result so far (explicit: the asset as it is); jobs then add to it. */
    result?: Record<string, unknown>;
  },
  jobs: NewJob[],
): Promise<void> {
  const batchRow = {
    batch_id: batch.batchId,
    cloud_name: batch.cloudName,
    api_key: batch.apiKey,
    kind: batch.kind,
    status: 'pending',
    pending_jobs: jobs.length,
    notification_urls: batch.notificationUrls,
    eager_async: batch.eagerAsync ?? false,
    eager_notification_urls: batch.eagerNotificationUrls ?? [],
    ...(batch.result ? { result: JSON.stringify(batch.result) } : {}),
  };
  if (jobs.length === 0) {
    await db.insertInto('batches').values(batchRow).execute();
    return;
  }
  // One statement (a data-modifying CTE) is atomic like a transaction, at a third of the round trips:
  // this is on the path of every accepted upload.
  await db
    .with('batch', (q) => q.insertInto('batches').values(batchRow).returning('batch_id'))
    .insertInto('jobs')
    .values(jobs.map((job) => jobRow(batch.batchId, batch.cloudName, job)))
    .execute();
}

async function insertJobs(trx: Transaction<Database>, batchId: string, cloudName: string, jobs: NewJob[]): Promise<void> {
  if (jobs.length === 0) return;
  await trx
    .insertInto('jobs')
    .values(jobs.map((job) => jobRow(batchId, cloudName, job)))
    .execute();
}

function jobRow(batchId: string, cloudName: string, job: NewJob) {
  return {
    id: job.id,
    batch_id: batchId,
    cloud_name: cloudName,
    queue: job.queue,
    kind: job.kind,
    status: 'queued',
    payload: JSON.stringify(job.payload),
  };
}

export interface FinishJobInput {
  jobId: string;
  outcome: { kind: 'completed'; result: Record<string, unknown> } | { kind: 'failed'; error: { status: number; message: string } };
  /** Computes the batch's new result (what its notifications report) from the current one, under the batch's lock. */
  updateBatchResult?: (current: Record<string, unknown> | null) => Record<string, unknown>;
  /** Notifications to send now, whether or not the batch is finished (an eager_async upload's upload notification). */
  deliveries?: (batch: BatchRecord) => NewDelivery[];
  /** Follow-up jobs of the same batch, queued by the caller after this commits. */
  followUps?: NewJob[];
  /** Called inside the transaction when this was the batch's last job. */
  deliveriesForFinishedBatch(batch: BatchRecord): NewDelivery[];
}

export interface FinishJobResult {
  /** False when the job had been finished before (a retried or relayed duplicate). */
  finishedNow: boolean;
  followUps: NewJob[];
  deliveries: NewDelivery[];
  batch?: BatchRecord;
}

/**
 * Finishes a job and, atomically, counts it off its batch. The batch's last job creates the
 * webhook deliveries in the same transaction, so a crash can never finish a batch without them.
 */
export async function finishJob(db: CatalogDb, input: FinishJobInput): Promise<FinishJobResult> {
  return db.transaction().execute(async (trx) => {
    const job = await trx.selectFrom('jobs').select(['batch_id', 'cloud_name', 'finished_at']).where('id', '=', input.jobId).forUpdate().executeTakeFirst();
    if (!job || job.finished_at !== null) return { finishedNow: false, followUps: [], deliveries: [] };

    const now = new Date();
    await trx
      .updateTable('jobs')
      .set(
        input.outcome.kind === 'completed'
          ? { status: 'completed', result: JSON.stringify(input.outcome.result), error: null, updated_at: now, finished_at: now }
          : { status: 'failed', error: JSON.stringify(input.outcome.error), updated_at: now, finished_at: now },
      )
      .where('id', '=', input.jobId)
      .execute();
    if (job.batch_id === null) return { finishedNow: true, followUps: [], deliveries: [] };

    const followUps = input.outcome.kind === 'completed' ? (input.followUps ?? []) : [];
    await insertJobs(trx, job.batch_id, job.cloud_name, followUps);
    // Jobs of one batch finish concurrently: the row lock orders their read-modify-write of the result.
    const locked = await trx.selectFrom('batches').selectAll().where('batch_id', '=', job.batch_id).forUpdate().executeTakeFirstOrThrow();
    const result = input.updateBatchResult ? input.updateBatchResult(locked.result) : undefined;
    const row = await trx
      .updateTable('batches')
      .set((eb) => ({
        pending_jobs: eb('pending_jobs', '+', followUps.length - 1),
        ...(result ? { result: JSON.stringify(result) } : {}),
        ...(input.outcome.kind === 'failed' ? { error: JSON.stringify(input.outcome.error) } : {}),
      }))
      .where('batch_id', '=', job.batch_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    let batch = toBatch(row);
    const immediate = input.deliveries ? input.deliveries(batch) : [];
    await insertDeliveries(trx, batch, immediate);
    if (batch.pendingJobs > 0) return { finishedNow: true, followUps, deliveries: immediate, batch };

    const status: BatchStatus = batch.error ? 'failed' : 'complete';
    const finished = await trx
      .updateTable('batches')
      .set({ status, completed_at: now })
      .where('batch_id', '=', batch.batchId)
      .returningAll()
      .executeTakeFirstOrThrow();
    batch = toBatch(finished);
    const deliveries = input.deliveriesForFinishedBatch(batch);
    await insertDeliveries(trx, batch, deliveries);
    return { finishedNow: true, followUps, deliveries: [...immediate, ...deliveries], batch };
  });
}

async function insertDeliveries(trx: Transaction<Database>, batch: BatchRecord, deliveries: NewDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await trx
    .insertInto('webhook_deliveries')
    .values(
      deliveries.map((delivery) => ({
        id: delivery.id,
        job_id: delivery.id,
        batch_id: batch.batchId,
        cloud_name: batch.cloudName,
        url: delivery.url,
        body: delivery.body,
        status: 'pending',
      })),
    )
    .execute();
}

/**
 * A batch with no jobs that exists to deliver notifications about a change already made (a destroy,
 * a rename): recorded complete, with its deliveries, in one transaction, so the relay sends them even
 * if queueing fails now.
 */
export async function recordNotificationBatch(
  db: CatalogDb,
  batch: { batchId: string; cloudName: string; apiKey: string; kind: string; result: Record<string, unknown>; notificationUrls: string[] },
  deliveries: (batch: BatchRecord) => NewDelivery[],
): Promise<NewDelivery[]> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('batches')
      .values({
        batch_id: batch.batchId,
        cloud_name: batch.cloudName,
        api_key: batch.apiKey,
        kind: batch.kind,
        status: 'complete',
        pending_jobs: 0,
        notification_urls: batch.notificationUrls,
        result: JSON.stringify(batch.result),
        completed_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const record = toBatch(row);
    const made = deliveries(record);
    await insertDeliveries(trx, record, made);
    return made;
  });
}

export async function findBatch(db: CatalogDb, cloudName: string, batchId: string): Promise<BatchRecord | undefined> {
  const row = await db.selectFrom('batches').selectAll().where('batch_id', '=', batchId).where('cloud_name', '=', cloudName).executeTakeFirst();
  return row && toBatch(row);
}

export async function listBatchJobs(db: CatalogDb, batchId: string) {
  return db
    .selectFrom('jobs')
    .select(['id', 'queue', 'kind', 'status', 'attempts', 'error', 'created_at', 'finished_at'])
    .where('batch_id', '=', batchId)
    .orderBy('created_at')
    .execute();
}

/** Jobs that should be in Redis: not finished, and old enough that their enqueue is not still in flight. */
export async function findUnfinishedJobs(db: CatalogDb, olderThan: Date, limit: number) {
  return db
    .selectFrom('jobs')
    .select(['id', 'queue', 'kind', 'payload'])
    .where('finished_at', 'is', null)
    .where('updated_at', '<', olderThan)
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

function toBatch(row: Selectable<BatchesTable>): BatchRecord {
  return {
    batchId: row.batch_id.trim(),
    cloudName: row.cloud_name,
    apiKey: row.api_key,
    kind: row.kind,
    status: row.status as BatchStatus,
    pendingJobs: row.pending_jobs,
    notificationUrls: row.notification_urls,
    eagerAsync: row.eager_async,
    eagerNotificationUrls: row.eager_notification_urls,
    result: row.result,
    error: row.error,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
}

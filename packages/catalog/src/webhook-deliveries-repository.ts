import { sql, type InferResult, type Selectable } from 'kysely';
import { runPreparedShape, type CatalogDb } from './connection.ts';
import type { WebhookDeliveriesTable } from './database-schema.ts';

export type DeliveryStatus = 'pending' | 'delivered' | 'exhausted' | 'stopped';

export interface DeliveryRecord {
  id: string;
  batchId: string;
  cloudName: string;
  url: string;
  body: string;
  status: DeliveryStatus;
  jobId: string;
  attempts: number;
  lastStatus: number | null;
  nextAttemptAt: Date;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface AttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  outcome: string;
  error: string | null;
}

export async function findDelivery(db: CatalogDb, id: string): Promise<DeliveryRecord | undefined> {
  const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toDelivery(row);
}

/**
 * A delivery with the API key of the request that made it (its batch's), in one statement: what an
 * attempt reads before it signs and sends. Prepared, as the attempt's record: planning the join cost
 * several times its execution, on the path of every webhook.
 */
export async function findDeliveryToAttempt(db: CatalogDb, id: string): Promise<(DeliveryRecord & { apiKey: string | null }) | undefined> {
  const query = db
    .selectFrom('webhook_deliveries')
    .leftJoin('batches', (join) =>
      join.onRef('batches.batch_id', '=', 'webhook_deliveries.batch_id').onRef('batches.cloud_name', '=', 'webhook_deliveries.cloud_name'),
    )
    .selectAll('webhook_deliveries')
    .select('batches.api_key')
    .where('webhook_deliveries.id', '=', id);
  const [row] = await runPreparedShape<InferResult<typeof query>[number]>(db, 'rendition_delivery_to_attempt', query.compile());
  return row && { ...toDelivery(row), apiKey: row.api_key };
}

/**
 * One attempt and the delivery's new state, together (one statement: atomic as a transaction), so the
 * history never disagrees with the state.
 */
export async function recordDeliveryAttempt(
  db: CatalogDb,
  input: {
    deliveryId: string;
    attempt: AttemptRecord;
    next: { status: 'pending'; nextAttemptAt: Date } | { status: Exclude<DeliveryStatus, 'pending'> };
  },
): Promise<void> {
  const { attempt, next } = input;
  const scheduled = next.status === 'pending' ? sql`next_attempt_at = ${next.nextAttemptAt}` : sql`finished_at = ${new Date()}`;
  const statement = sql`
    WITH attempt AS (
      INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, latency_ms, outcome, error)
      VALUES (${input.deliveryId}, ${attempt.attemptedAt}, ${attempt.statusCode}, ${attempt.latencyMs}, ${attempt.outcome}, ${attempt.error})
    )
    UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ${attempt.statusCode}, status = ${next.status}, ${scheduled}
    WHERE id = ${input.deliveryId}
  `;
  await runPreparedShape(db, 'rendition_delivery_attempt', statement.compile(db));
}

export async function listDeliveriesWithAttempts(db: CatalogDb, batchId: string) {
  const deliveries = await db.selectFrom('webhook_deliveries').selectAll().where('batch_id', '=', batchId).orderBy('created_at').execute();
  if (deliveries.length === 0) return [];
  const attempts = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where(
      'delivery_id',
      'in',
      deliveries.map((delivery) => delivery.id),
    )
    .orderBy('id')
    .execute();
  return deliveries.map((row) => ({
    ...toDelivery(row),
    attemptLog: attempts
      .filter((attempt) => attempt.delivery_id === row.id)
      .map((attempt): AttemptRecord => ({
        attemptedAt: attempt.attempted_at,
        statusCode: attempt.status_code,
        latencyMs: attempt.latency_ms,
        outcome: attempt.outcome,
        error: attempt.error,
      })),
  }));
}

export async function findUnfinishedDeliveries(db: CatalogDb, olderThan: Date, limit: number): Promise<DeliveryRecord[]> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('finished_at', 'is', null)
    .where('created_at', '<', olderThan)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}

/** Sends a finished or exhausted delivery again, under a new queue job id; its history is kept. */
export async function reopenDelivery(db: CatalogDb, id: string, jobId: string): Promise<DeliveryRecord | undefined> {
  const row = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', finished_at: null, job_id: jobId, next_attempt_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toDelivery(row);
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>): DeliveryRecord {
  return {
    id: row.id,
    batchId: row.batch_id.trim(),
    cloudName: row.cloud_name,
    url: row.url,
    body: row.body,
    status: row.status as DeliveryStatus,
    jobId: row.job_id,
    attempts: row.attempts,
    lastStatus: row.last_status,
    nextAttemptAt: row.next_attempt_at,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

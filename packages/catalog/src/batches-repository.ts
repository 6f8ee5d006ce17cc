import { sql, type RawBuilder, type Selectable, type Transaction } from 'kysely';
import { runPrepared, runPreparedShape, type CatalogDb } from './connection.ts';
import type { BatchesTable, Database, DerivedTable } from './database-schema.ts';
import { derivedRecordFromRow, insertDerivedUnlessRecorded, type DerivedKey, type DerivedRecord } from './derived-repository.ts';
import type { JobStatus } from './jobs-repository.ts';
import { outcomeSignal } from './outcome-signals.ts';

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
  /** A small upload's bytes, kept in the row's `inline_data` (not in `payload`): the ingest reads them from there. */
  inlineData?: Buffer;
}

export interface NewDelivery {
  id: string;
  url: string;
  body: string;
}

export interface NewBatch {
  batchId: string;
  cloudName: string;
  apiKey: string;
  kind: string;
  notificationUrls: readonly string[];
  eagerAsync?: boolean;
  eagerNotificationUrls?: string[];
  /** The result so far (explicit: the asset as it is); jobs then add to it. */
  result?: Record<string, unknown>;
}

/**
 * Accepting work is one transaction: the batch and every job of it (the outbox) are durable before
 * anything is queued in Redis.
 */
export async function createBatchWithJobs(db: CatalogDb, batch: NewBatch, jobs: NewJob[]): Promise<void> {
  await createBatchesWithJobs(db, [{ batch, jobs }]);
}

/**
 * Several batches, each with its jobs, in one statement (a data-modifying CTE: atomic like a
 * transaction): intake's group commit (packages/intake acceptance-groups.ts) records the uploads that
 * arrived together in one round trip and one commit. All are recorded, or none.
 */
export async function createBatchesWithJobs(db: CatalogDb, entries: ReadonlyArray<{ batch: NewBatch; jobs: NewJob[] }>): Promise<void> {
  if (entries.length === 0) return;
  if (entries.every(({ jobs }) => jobs.length === 0)) {
    await db
      .insertInto('batches')
      .values(entries.map(({ batch }) => batchRow(batch, 0)))
      .execute();
    return;
  }
  // One statement at a third of the round trips of BEGIN/INSERT/INSERT/COMMIT, prepared once per
  // connection: its text is the same for any number of rows, which travel as two JSON parameters,
  // serialised once, as a whole (payload and result stay objects here, not jobRow's text). Small
  // uploads' bytes travel beside them as one binary parameter, each job row naming its slice: as
  // base64 inside the JSON, PostgreSQL's JSON parser read every byte. On the path of every upload.
  const batches = entries.map(({ batch, jobs }) => ({ ...batchColumns(batch, jobs.length), result: batch.result ?? null }));
  const inline: Buffer[] = [];
  let inlineOffset = 0;
  const jobs = entries.flatMap(({ batch, jobs: each }) =>
    each.map((job) => {
      const row = { ...jobColumns(batch.batchId, batch.cloudName, job), payload: job.payload };
      if (job.inlineData === undefined) return row;
      inline.push(job.inlineData);
      const slice = { inline_offset: inlineOffset, inline_length: job.inlineData.length };
      inlineOffset += job.inlineData.length;
      return { ...row, ...slice };
    }),
  );
  await runPrepared(db, 'rendition_create_batches_with_jobs', CREATE_BATCHES_WITH_JOBS, [
    JSON.stringify(batches),
    JSON.stringify(jobs),
    Buffer.concat(inline, inlineOffset),
  ]);
}

const BATCH_COLUMNS = 'batch_id, cloud_name, api_key, kind, status, pending_jobs, notification_urls, eager_async, eager_notification_urls, result';
const JOB_COLUMNS = 'id, batch_id, cloud_name, queue, kind, status, payload';
// Columns named on both sides, so every other column takes its default (json_populate_recordset fills absent keys with NULL).
const CREATE_BATCHES_WITH_JOBS = `WITH batch AS (
    INSERT INTO batches (${BATCH_COLUMNS}) SELECT ${BATCH_COLUMNS} FROM json_populate_recordset(NULL::batches, $1::json) RETURNING batch_id
  )
  INSERT INTO jobs (${JOB_COLUMNS}, inline_data)
  SELECT ${JOB_COLUMNS}, CASE WHEN element->>'inline_length' IS NOT NULL
      THEN substring($3::bytea FROM (element->>'inline_offset')::int + 1 FOR (element->>'inline_length')::int) END
  FROM json_array_elements($2::json) AS element, json_populate_record(NULL::jobs, element)`;

function batchRow(batch: NewBatch, pendingJobs: number) {
  return { ...batchColumns(batch, pendingJobs), ...(batch.result ? { result: JSON.stringify(batch.result) } : {}) };
}

function batchColumns(batch: NewBatch, pendingJobs: number) {
  return {
    batch_id: batch.batchId,
    cloud_name: batch.cloudName,
    api_key: batch.apiKey,
    kind: batch.kind,
    status: 'pending',
    pending_jobs: pendingJobs,
    notification_urls: [...batch.notificationUrls],
    eager_async: batch.eagerAsync ?? false,
    eager_notification_urls: batch.eagerNotificationUrls ?? [],
  };
}

/** A transaction of the catalog: the building blocks below run inside one, composed by packages/batches. */
export type CatalogTransaction = Transaction<Database>;

export function inTransaction<T>(db: CatalogDb, work: (trx: CatalogTransaction) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

function jobRow(batchId: string | null, cloudName: string, job: NewJob) {
  return { ...jobColumns(batchId, cloudName, job), payload: JSON.stringify(job.payload) };
}

function jobColumns(batchId: string | null, cloudName: string, job: NewJob) {
  return {
    id: job.id,
    batch_id: batchId,
    cloud_name: cloudName,
    queue: job.queue,
    kind: job.kind,
    status: 'queued',
  };
}

/** What recordStandaloneJob found: its row new, or the job that had the id already as it was. */
export type StandaloneJobRecord =
  | { inserted: true }
  | { inserted: false; status: JobStatus; error: { status: number; message: string } | null }
  /** A concurrent request's row, not committed when this statement began: its state is unknown here. */
  | { inserted: false; status: undefined };

/**
 * Records a job that belongs to no batch (a first delivery of a derivative), unless a job with its
 * id exists already: its id is made from what it derives, so concurrent requests share one row. One
 * statement, which also returns the existing job's state (the statement's snapshot is taken before
 * its insert, so the second SELECT sees only a row that was there).
 */
export async function recordStandaloneJob(db: CatalogDb, cloudName: string, job: NewJob): Promise<StandaloneJobRecord> {
  const row = jobRow(null, cloudName, job);
  const { rows } = await sql<{ inserted: boolean; status: JobStatus; error: { status: number; message: string } | null }>`
    WITH inserted AS (
      INSERT INTO jobs (id, batch_id, cloud_name, queue, kind, status, payload)
      VALUES (${row.id}, NULL, ${row.cloud_name}, ${row.queue}, ${row.kind}, ${row.status}, ${row.payload}::jsonb)
      ON CONFLICT (id) DO NOTHING
      RETURNING status, error
    )
    SELECT true AS inserted, status, error FROM inserted
    UNION ALL
    SELECT false, status, error FROM jobs WHERE id = ${row.id} AND NOT EXISTS (SELECT 1 FROM inserted)
  `.execute(db);
  const found = rows[0];
  if (!found) return { inserted: false, status: undefined };
  return found.inserted ? { inserted: true } : { inserted: false, status: found.status, error: found.error };
}

type StoredOrJobRow = { [K in keyof Selectable<DerivedTable>]: Selectable<DerivedTable>[K] | null } & {
  job_inserted: boolean;
  job_status: JobStatus | null;
  job_error: { status: number; message: string } | null;
};

/**
 * A first delivery's derivative if it is stored, else its job recorded as recordStandaloneJob records
 * it, in one statement: the request that finds nothing stored sends one round trip fewer. The job is
 * inserted only when no derivative of `key` is visible to the statement (so a stored one never gets a
 * job); a derivative another run records meanwhile is read after the job's signal, as before.
 */
export async function recordStandaloneJobUnlessDerived(
  db: CatalogDb,
  cloudName: string,
  job: NewJob,
  key: DerivedKey,
): Promise<{ derived: DerivedRecord } | StandaloneJobRecord> {
  const row = jobRow(null, cloudName, job);
  const statement = sql<StoredOrJobRow>`
    WITH stored AS (
      SELECT * FROM derived
      WHERE asset_id = ${key.assetId} AND version_id = ${key.versionId} AND transformation_hash = ${key.transformationHash} AND format = ${key.format}
    ),
    inserted AS (
      INSERT INTO jobs (id, batch_id, cloud_name, queue, kind, status, payload)
      SELECT ${row.id}, NULL, ${row.cloud_name}, ${row.queue}, ${row.kind}, ${row.status}, ${row.payload}::jsonb
      WHERE NOT EXISTS (SELECT 1 FROM stored)
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    )
    SELECT stored.*, EXISTS (SELECT 1 FROM inserted) AS job_inserted, earlier.status AS job_status, earlier.error AS job_error
    FROM (SELECT 1) AS one
    LEFT JOIN stored ON true
    LEFT JOIN jobs AS earlier ON earlier.id = ${row.id} AND NOT EXISTS (SELECT 1 FROM stored) AND NOT EXISTS (SELECT 1 FROM inserted)
  `;
  const [found] = await runPreparedShape<StoredOrJobRow>(db, 'rendition_stored_or_job', statement.compile(db));
  if (!found) throw new Error('recordStandaloneJobUnlessDerived answered no row');
  const { job_inserted: inserted, job_status: status, job_error: error, ...stored } = found;
  if (stored.storage_key !== null) return { derived: derivedRecordFromRow(stored as Selectable<DerivedTable>) };
  if (inserted) return { inserted: true };
  // The statement's snapshot predates its insert: a job row it conflicted with but cannot see is a concurrent request's.
  return status === null ? { inserted: false, status: undefined } : { inserted: false, status, error };
}

/** Makes a finished job runnable again (a standalone job whose result must be made anew). */
export async function reopenJob(db: CatalogDb, jobId: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ status: 'queued', error: null, finished_at: null, updated_at: new Date() })
    .where('id', '=', jobId)
    .where('status', 'in', ['completed', 'failed'])
    .execute();
}

export type JobOutcome = { kind: 'completed'; result: Record<string, unknown> } | { kind: 'failed'; error: { status: number; message: string } };

/**
 * Records a job's end and locks its batch, in one statement (one round trip: this is on the path of every
 * job): the job's end is recorded and its batch, if it has one, locked and read as it is now. The
 * lateral `FOR UPDATE` waits for a concurrent finish of the same batch and then reads its committed row.
 */
export async function finishJobLockingBatch(
  trx: CatalogTransaction,
  jobId: string,
  outcome: JobOutcome,
  now: Date,
): Promise<{ batchId: string | null; cloudName: string; batch?: BatchRecord } | undefined> {
  const { rows } = await sql<Selectable<BatchesTable> & { job_batch_id: string | null; job_cloud_name: string }>`
    WITH job AS (
      UPDATE jobs SET ${jobEndSets(outcome, now)}
      WHERE id = ${jobId} AND finished_at IS NULL
      RETURNING batch_id, cloud_name, ${outcomeSignal(`job:${jobId}`)} AS signalled
    )
    SELECT job.batch_id AS job_batch_id, job.cloud_name AS job_cloud_name, locked.*
    FROM job LEFT JOIN LATERAL (SELECT * FROM batches WHERE batches.batch_id = job.batch_id FOR UPDATE) locked ON true
  `.execute(trx);
  const row = rows[0];
  if (!row) return undefined;
  if (row.job_batch_id === null) return { batchId: null, cloudName: row.job_cloud_name };
  return { batchId: row.job_batch_id.trim(), cloudName: row.job_cloud_name, ...(row.batch_id === null ? {} : { batch: toBatch(row) }) };
}

/**
 * The end of a job that belongs to no batch (a first delivery's derive job), in one statement without
 * a transaction: 'finished', or 'not-standalone' when nothing was written — the job had ended already
 * or has a batch after all (finishJobLockingBatch sorts those out).
 */
export async function finishStandaloneJob(db: CatalogDb, jobId: string, outcome: JobOutcome, now: Date): Promise<'finished' | 'not-standalone'> {
  const { rows } = await sql<{ id: string }>`
    UPDATE jobs SET ${jobEndSets(outcome, now)}
    WHERE id = ${jobId} AND finished_at IS NULL AND batch_id IS NULL
    RETURNING id, ${outcomeSignal(`job:${jobId}`)} AS signalled
  `.execute(db);
  return rows.length > 0 ? 'finished' : 'not-standalone';
}

/**
 * A first delivery's derivative recorded and its job ended in one statement (one round trip, one WAL
 * flush): the derived row inserted as recordDerived inserts it, and only if it was, the job — while it
 * is unfinished and of no batch — completed with `job.result` (the caller's: what its kind of job
 * answers), its outcome signalled once both are committed. `jobEnded` false: the job had ended or has a batch, and the caller ends it
 * the usual way (finishJob). Undefined when the derivative was recorded already by another run: nothing
 * was written, and the caller records (recordDerived answers that row) and ends the job the usual way.
 */
export async function recordDerivedEndingStandaloneJob(
  db: CatalogDb,
  derived: Omit<DerivedRecord, 'createdAt'>,
  job: { id: string; result: Record<string, unknown> },
  now: Date,
): Promise<{ derived: DerivedRecord; jobEnded: boolean } | undefined> {
  const jobId = job.id;
  const outcome: JobOutcome = { kind: 'completed', result: job.result };
  const statement = sql<Selectable<DerivedTable> & { job_ended: number }>`
    WITH recorded AS (${insertDerivedUnlessRecorded(db, derived)}),
    ended AS (
      UPDATE jobs SET ${jobEndSets(outcome, now)}
      WHERE id = ${jobId} AND finished_at IS NULL AND batch_id IS NULL AND EXISTS (SELECT 1 FROM recorded)
      RETURNING id, ${outcomeSignal(`job:${jobId}`)} AS signalled
    )
    SELECT recorded.*, (SELECT count(*) FROM ended)::int AS job_ended FROM recorded
  `;
  const [row] = await runPreparedShape<Selectable<DerivedTable> & { job_ended: number }>(
    db,
    'rendition_record_derived_ending_job',
    statement.compile(db),
  );
  if (!row) return undefined;
  const { job_ended: jobEnded, ...derivedRow } = row;
  return { derived: derivedRecordFromRow(derivedRow), jobEnded: jobEnded > 0 };
}

/** A batch as a job read it earlier, with its row version (PostgreSQL's `xmin`): finishJobIfBatchUnchanged checks it. */
export interface SeenBatch {
  batch: BatchRecord;
  rowVersion: string;
}

export type OptimisticFinish = 'finished' | 'finished-before' | 'batch-changed';

/**
 * A job's whole end in one statement, without a transaction around it: the job recorded as
 * finished, its batch counted off (and ended), its follow-up jobs and its notifications, all made
 * from `seen`, the batch as the job read it earlier. Only if the batch row is still that version
 * (no other job of the batch finished meanwhile) and the job had not ended: otherwise nothing is
 * written ('batch-changed': the caller takes the locking path, finishJobLockingBatch;
 * 'finished-before': a retried or relayed duplicate). An upload's batch has its ingest job alone, so
 * this is the common case, and it saves BEGIN, COMMIT and a statement on every upload.
 *
 * The job row is locked first (`FOR UPDATE`: a concurrent finish of the same job waits, then finds it
 * ended); the batch UPDATE re-checks the version after any wait (PostgreSQL re-evaluates its WHERE
 * on the row's newest version), and the job's own UPDATE and the inserts happen only if it counted.
 */
export async function finishJobIfBatchUnchanged(db: CatalogDb, input: UnchangedBatchFinish): Promise<OptimisticFinish> {
  const statement = sql`
    WITH ${finishCtes(input)}
    SELECT (SELECT count(*) FROM job)::int AS unfinished, (SELECT count(*) FROM finished)::int AS counted
  `;
  const [row] = await runPreparedShape<{ unfinished: number; counted: number }>(db, 'rendition_finish_job', statement.compile(db));
  if (!row || row.unfinished === 0) return 'finished-before';
  return row.counted === 0 ? 'batch-changed' : 'finished';
}

/** What finishJobIfBatchUnchanged writes: the job's end and what it does to its batch, made from `seen`. */
export interface UnchangedBatchFinish {
  jobId: string;
  outcome: JobOutcome;
  now: Date;
  seen: SeenBatch;
  change: BatchProgress;
  followUps: NewJob[];
  deliveries: NewDelivery[];
}

/**
 * The CTEs of finishJobIfBatchUnchanged: `job` (the job, locked, if unfinished), `counted` (the
 * batch, if still the seen version), `finished` (the job's end, if counted), `followed` and
 * `notified`. With `onlyIf`, the batch is counted off only when that CTE (of the same statement) has
 * a row: an ingest's `inserted` asset (ingest-commit.ts).
 */
export function finishCtes(input: UnchangedBatchFinish, onlyIf?: 'inserted'): RawBuilder<unknown> {
  const { batch } = input.seen;
  const condition = onlyIf === undefined ? sql`` : sql` AND EXISTS (SELECT 1 FROM ${sql.raw(onlyIf)})`;
  return sql`job AS (
      SELECT id FROM jobs WHERE id = ${input.jobId} AND finished_at IS NULL FOR UPDATE
    ), counted AS (
      UPDATE batches SET ${batchProgressSets(input.change)}
      WHERE batch_id = ${batch.batchId} AND xmin = ${input.seen.rowVersion}::xid AND EXISTS (SELECT 1 FROM job)${condition}
      RETURNING ${countedReturning(batch.batchId, input.change)}
    ), finished AS (
      UPDATE jobs SET ${jobEndSets(input.outcome, input.now)}
      WHERE id IN (SELECT id FROM job) AND EXISTS (SELECT 1 FROM counted)
      RETURNING id, ${outcomeSignal(`job:${input.jobId}`)} AS signalled
    )${followedCte(batch, input.followUps)}${notifiedCte(batch, input.deliveries)}`;
}

/** A job's end: its outcome, and the time (updated_at, finished_at). */
function jobEndSets(outcome: JobOutcome, now: Date): RawBuilder<unknown> {
  const recorded =
    outcome.kind === 'completed'
      ? sql`status = 'completed', result = ${JSON.stringify(outcome.result)}::json, error = NULL`
      : sql`status = 'failed', error = ${JSON.stringify(outcome.error)}::jsonb`;
  return sql`${recorded}, updated_at = ${now}, finished_at = ${now}`;
}

/** A batch counted off (or on), with its result and error; `finished` also ends it. */
function batchProgressSets(change: BatchProgress): RawBuilder<unknown> {
  return sql.join([
    sql`pending_jobs = pending_jobs + ${change.pendingJobsDelta}`,
    ...(change.result ? [sql`result = ${JSON.stringify(change.result)}::json`] : []),
    ...(change.error ? [sql`error = ${JSON.stringify(change.error)}::jsonb`] : []),
    ...(change.finished ? [sql`status = ${change.finished.status}`, sql`completed_at = ${change.finished.at}`] : []),
  ]);
}

/** The RETURNING of the `counted` CTE: the batch, and its end announced (`batch:<id>`, heard at commit) when the change ends it. */
function countedReturning(batchId: string, change: BatchProgress): RawBuilder<unknown> {
  return change.finished ? sql`batch_id, ${outcomeSignal(`batch:${batchId}`)} AS signalled` : sql`batch_id`;
}

/** The `followed` CTE: the follow-up jobs, inserted only if `counted` has its row. */
function followedCte(batch: Pick<BatchRecord, 'batchId' | 'cloudName'>, followUps: NewJob[]): RawBuilder<unknown> {
  if (followUps.length === 0) return sql``;
  const rows = followUps.map(
    (job) =>
      sql`(${job.id}::uuid, ${batch.batchId}::text, ${batch.cloudName}::text, ${job.queue}::text, ${job.kind}::text, ${JSON.stringify(job.payload)}::jsonb)`,
  );
  return sql`, followed AS (
      INSERT INTO jobs (id, batch_id, cloud_name, queue, kind, status, payload)
      SELECT v.id, v.batch_id, v.cloud_name, v.queue, v.kind, 'queued', v.payload
      FROM (VALUES ${sql.join(rows)}) AS v(id, batch_id, cloud_name, queue, kind, payload)
      WHERE EXISTS (SELECT 1 FROM counted)
      RETURNING id
    )`;
}

/** The `notified` CTE: the batch's webhook deliveries, inserted only if `counted` has its row. */
function notifiedCte(batch: Pick<BatchRecord, 'batchId' | 'cloudName'>, deliveries: NewDelivery[]): RawBuilder<unknown> {
  if (deliveries.length === 0) return sql``;
  const rows = deliveries.map((delivery) => sql`(${delivery.id}::text, ${delivery.url}::text, ${delivery.body}::text)`);
  return sql`, notified AS (
      INSERT INTO webhook_deliveries (id, job_id, batch_id, cloud_name, url, body, status)
      SELECT v.id, v.id, ${batch.batchId}, ${batch.cloudName}, v.url, v.body, 'pending'
      FROM (VALUES ${sql.join(rows)}) AS v(id, url, body)
      WHERE EXISTS (SELECT 1 FROM counted)
      RETURNING id
    )`;
}

/** A batch row as `row_to_json` gives it (startIngest reads the job's batch that way), as a record. */
export function batchFromJson(row: Record<string, unknown>): BatchRecord {
  return toBatch({
    ...(row as unknown as Selectable<BatchesTable>),
    created_at: new Date(String(row.created_at)),
    completed_at: row.completed_at === null || row.completed_at === undefined ? null : new Date(String(row.completed_at)),
  });
}

/**
 * A batch's progress in one statement: the batch counted off (and
 * ended), its follow-up jobs and its notifications recorded together. The caller holds the batch's
 * lock and made `deliveries` from the batch as this change leaves it (batchAfter).
 */
export async function recordBatchProgress(
  trx: CatalogTransaction,
  batch: Pick<BatchRecord, 'batchId' | 'cloudName'>,
  change: BatchProgress,
  followUps: NewJob[],
  deliveries: NewDelivery[],
): Promise<void> {
  const { rows } = await sql<{ batch_id: string }>`
    WITH counted AS (
      UPDATE batches SET ${batchProgressSets(change)} WHERE batch_id = ${batch.batchId}
      RETURNING ${countedReturning(batch.batchId, change)}
    )${followedCte(batch, followUps)}${notifiedCte(batch, deliveries)}
    SELECT batch_id FROM counted
  `.execute(trx);
  if (rows.length === 0) throw new Error(`batch ${batch.batchId} is missing`);
}

/** What a batch is after `change`, as recordBatchProgress will store it (its notifications are made from it). */
export function batchAfter(locked: BatchRecord, change: BatchProgress): BatchRecord {
  return {
    ...locked,
    pendingJobs: locked.pendingJobs + change.pendingJobsDelta,
    // As a JSON column gives it back.
    ...(change.result ? { result: JSON.parse(JSON.stringify(change.result)) as Record<string, unknown> } : {}),
    ...(change.error ? { error: { ...change.error } } : {}),
    ...(change.finished ? { status: change.finished.status, completedAt: change.finished.at } : {}),
  };
}

export interface BatchProgress {
  pendingJobsDelta: number;
  result?: Record<string, unknown>;
  error?: { status: number; message: string };
  finished?: { status: Exclude<BatchStatus, 'pending'>; at: Date };
}

function deliveryRows(batch: Pick<BatchRecord, 'batchId' | 'cloudName'>, deliveries: NewDelivery[]) {
  return deliveries.map((delivery) => ({
    id: delivery.id,
    job_id: delivery.id,
    batch_id: batch.batchId,
    cloud_name: batch.cloudName,
    url: delivery.url,
    body: delivery.body,
    status: 'pending',
  }));
}

export async function insertDeliveries(
  trx: CatalogTransaction,
  batch: Pick<BatchRecord, 'batchId' | 'cloudName'>,
  deliveries: NewDelivery[],
): Promise<void> {
  if (deliveries.length === 0) return;
  await trx.insertInto('webhook_deliveries').values(deliveryRows(batch, deliveries)).execute();
}

/**
 * A batch with no jobs that exists to deliver notifications about a change already made (a destroy,
 * a rename): inserted complete; its deliveries go in the same transaction (insertDeliveries).
 */
export async function insertFinishedBatch(
  trx: CatalogTransaction,
  batch: { batchId: string; cloudName: string; apiKey: string; kind: string; result: Record<string, unknown>; notificationUrls: string[] },
): Promise<BatchRecord> {
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
  return toBatch(row);
}

export async function findBatch(db: CatalogDb, cloudName: string, batchId: string): Promise<BatchRecord | undefined> {
  const row = await db.selectFrom('batches').selectAll().where('batch_id', '=', batchId).where('cloud_name', '=', cloudName).executeTakeFirst();
  return row && toBatch(row);
}

export async function listBatchJobs(db: CatalogDb, batchId: string) {
  return db
    .selectFrom('jobs')
    .select(['id', 'queue', 'kind', 'status', 'attempts', 'progress', 'error', 'created_at', 'finished_at'])
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

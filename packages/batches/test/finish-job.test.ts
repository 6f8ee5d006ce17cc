import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishJob, waitForBatch, waitForJob, type EagerResultItem, type FinishJobInput } from '@rendition/batches';
import {
  batchFromJson,
  commitAssetVersion,
  createBatchWithJobs,
  findDerived,
  findJob,
  recordDerived,
  recordDerivedEndingStandaloneJob,
  recordStandaloneJob,
  recordStandaloneJobUnlessDerived,
  runWithStatementTally,
  type AssetRecord,
  type NewJob,
  type SeenBatch,
} from '@rendition/catalog';
import type { DeriveJobV1 } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { buildEagerNotification, buildUploadNotification, serializeNotification } from '@rendition/webhooks';
import { assetRecordFixture, hex32, newBatchId, startDomainTestServices, type DomainTestServices } from '@rendition/testing';

let services: DomainTestServices;
let deps: { db: DomainTestServices['db']; queues: DomainTestServices['queues']; logger: DomainTestServices['logger'] };

beforeAll(async () => {
  services = await startDomainTestServices('batches');
  deps = { db: services.db, queues: services.queues, logger: services.logger };
  // The waiter's LISTEN connection is opened by its first wait: open it now, so the timing tests below
  // measure the signal and not the connection's start.
  await services.outcomes.waitFor('job:warm-up', async () => undefined, 300);
});

afterAll(async () => {
  await services?.stop();
});

const HOOK_A = 'http://hooks.example/a';
const HOOK_B = 'http://hooks.example/b';
const HOOK_EAGER = 'http://hooks.example/eager';

// An upload response in Cloudinary's order (not alphabetical), so a store that sorts keys would show.
function uploadResponse(publicId: string): Record<string, unknown> & { asset_id: string; public_id: string } {
  return {
    asset_id: hex32(),
    public_id: publicId,
    version: 1_700_000_000,
    width: 576,
    height: 384,
    format: 'png',
    resource_type: 'image',
    bytes: 12_345,
    type: 'upload',
    url: `http://127.0.0.1/demo/image/upload/v1700000000/${publicId}.png`,
    api_key: services.credentials.apiKey,
  };
}

function eagerEntry(index: number): EagerResultItem {
  return {
    transformation: `c_scale,w_${10 + index}`,
    width: 10 + index,
    height: 7,
    bytes: 100 + index,
    format: 'jpg',
    url: `http://127.0.0.1/demo/image/upload/c_scale,w_${10 + index}/v1/p.jpg`,
    secure_url: `https://127.0.0.1/demo/image/upload/c_scale,w_${10 + index}/v1/p.jpg`,
  };
}

function ingestLikeJob(): NewJob {
  return { id: randomUUID(), queue: 'ingest', kind: 'ingest', payload: { v: 1, marker: randomUUID() } };
}

function deriveFollowUp(batchId: string, index: number): NewJob & { payload: DeriveJobV1 } {
  const id = randomUUID();
  return {
    id,
    queue: 'derive',
    kind: 'derive',
    payload: {
      v: 1,
      cloudName: 'demo',
      assetId: hex32(),
      versionId: hex32(),
      transformation: `c_scale,w_${10 + index}`,
      format: 'jpg',
      eager: { jobId: id, batchId, index, requested: `w_${10 + index}` },
    },
  };
}

async function makeBatch(options: {
  jobs: NewJob[];
  notificationUrls?: string[];
  eagerAsync?: boolean;
  eagerNotificationUrls?: string[];
  batchId?: string;
}): Promise<string> {
  const batchId = options.batchId ?? newBatchId();
  await createBatchWithJobs(
    services.db,
    {
      batchId,
      cloudName: 'demo',
      apiKey: services.credentials.apiKey,
      kind: 'upload',
      notificationUrls: options.notificationUrls ?? [HOOK_A],
      ...(options.eagerAsync !== undefined ? { eagerAsync: options.eagerAsync } : {}),
      ...(options.eagerNotificationUrls ? { eagerNotificationUrls: options.eagerNotificationUrls } : {}),
    },
    options.jobs,
  );
  return batchId;
}

const batchRow = (batchId: string) => services.db.selectFrom('batches').selectAll().where('batch_id', '=', batchId).executeTakeFirstOrThrow();
const jobRow = (id: string) => services.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
const deliveryRows = (batchId: string) =>
  services.db.selectFrom('webhook_deliveries').selectAll().where('batch_id', '=', batchId).orderBy('created_at').orderBy('url').execute();

const envelope = (batchId: string, triggeredAt: Date) => ({ requestId: batchId.slice(0, 32), triggeredAt, apiKey: services.credentials.apiKey });

const completed = (result: Record<string, unknown>): FinishJobInput['outcome'] => ({ kind: 'completed', result });
const failed = (status: number, message: string): FinishJobInput['outcome'] => ({ kind: 'failed', error: { status, message } });

describe('finishJob: counting jobs off their batch', () => {
  it('counts off a job, and the last one completes the batch with one delivery per distinct URL', async () => {
    const [first, second] = [ingestLikeJob(), ingestLikeJob()];
    const batchId = await makeBatch({ jobs: [first!, second!], notificationUrls: [HOOK_A, HOOK_B, HOOK_A] });
    const response = uploadResponse('shop/shoe');

    const one = await finishJob(deps, {
      jobId: first!.id,
      outcome: completed({ response }),
      resultChange: { kind: 'upload-stored', response, keepEager: true },
    });
    expect(one).toMatchObject({ finishedNow: true, followUps: [], deliveries: [] });
    expect(one.batch).toMatchObject({ batchId, status: 'pending', pendingJobs: 1, completedAt: null, error: null });
    let batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs, completedAt: batch.completed_at }).toEqual({
      status: 'pending',
      pending: 1,
      completedAt: null,
    });
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify(response));
    const firstRow = await jobRow(first!.id);
    expect({ status: firstRow?.status, result: firstRow?.result, error: firstRow?.error }).toEqual({
      status: 'completed',
      result: { response },
      error: null,
    });
    expect(firstRow?.finished_at).toBeInstanceOf(Date);
    expect((await jobRow(second!.id))?.status).toBe('queued');
    expect((await jobRow(second!.id))?.finished_at).toBeNull();
    expect(await deliveryRows(batchId)).toEqual([]);

    const two = await finishJob(deps, {
      jobId: second!.id,
      outcome: completed(eagerEntry(0)),
      resultChange: { kind: 'eager-item', index: 0, item: eagerEntry(0) },
    });
    expect(two.finishedNow).toBe(true);
    expect(two.batch).toMatchObject({ batchId, status: 'complete', pendingJobs: 0, error: null });
    batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(batch.completed_at).toBeInstanceOf(Date);
    const finalResult = { ...response, eager: [eagerEntry(0)] };
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify(finalResult));

    const rows = await deliveryRows(batchId);
    expect(rows.map((row) => row.url).sort()).toEqual([HOOK_A, HOOK_B]);
    const body = serializeNotification(buildUploadNotification(finalResult, envelope(batchId, batch.completed_at!)));
    for (const row of rows) {
      expect(row.body).toBe(body);
      expect(row.id).toMatch(/^msg_/);
      expect({ job: row.job_id, status: row.status, attempts: row.attempts, cloud: row.cloud_name, finished: row.finished_at }).toEqual({
        job: row.id,
        status: 'pending',
        attempts: 0,
        cloud: 'demo',
        finished: null,
      });
    }
    expect(new Set(rows.map((row) => row.id)).size).toBe(2);
    expect(two.deliveries.map((delivery) => delivery.id).sort()).toEqual(rows.map((row) => row.id).sort());
    expect(two.deliveries.every((delivery) => delivery.body === body)).toBe(true);
    // After the commit, each delivery is queued as a notify job whose id is the delivery's.
    for (const row of rows) expect(await services.queues.isQueued('notify', row.id)).toBe(true);
  });

  it.each([
    ['the failing job finishes last', ['completed', 'failed']],
    ['the failing job finishes first', ['failed', 'completed']],
  ] as const)('fails the batch when any job failed (%s) and notifies the failure', async (_label, order) => {
    const jobs = [ingestLikeJob(), ingestLikeJob()];
    const batchId = await makeBatch({ jobs });
    const response = uploadResponse('failing');
    for (const [index, kind] of order.entries()) {
      await finishJob(deps, {
        jobId: jobs[index]!.id,
        ...(kind === 'completed'
          ? { outcome: completed({ response }), resultChange: { kind: 'upload-stored', response, keepEager: true } }
          : { outcome: failed(400, 'Could not generate the derivative: bad crop') }),
      });
    }
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs, error: batch.error }).toEqual({
      status: 'failed',
      pending: 0,
      error: { status: 400, message: 'Could not generate the derivative: bad crop' },
    });
    expect(batch.completed_at).toBeInstanceOf(Date);
    const failedJob = await jobRow(jobs[order.indexOf('failed')]!.id);
    expect({ status: failedJob?.status, error: failedJob?.error, result: failedJob?.result }).toEqual({
      status: 'failed',
      error: { status: 400, message: 'Could not generate the derivative: bad crop' },
      result: null,
    });
    const rows = await deliveryRows(batchId);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.url).toBe(HOOK_A);
    expect(rows[0]?.body).toBe(
      serializeNotification(
        buildUploadNotification(
          { status: 'failed', batch_id: batchId, error: { message: 'Could not generate the derivative: bad crop' } },
          envelope(batchId, batch.completed_at!),
        ),
      ),
    );
  });

  it('changes nothing on a duplicate finish of the same job and says finishedNow=false', async () => {
    const jobs = [ingestLikeJob(), ingestLikeJob()];
    const batchId = await makeBatch({ jobs });
    await finishJob(deps, {
      jobId: jobs[0]!.id,
      outcome: completed({ n: 1 }),
      resultChange: { kind: 'upload-stored', response: { n: 1 }, keepEager: true },
    });
    const before = await jobRow(jobs[0]!.id);

    const duplicate = await finishJob(deps, {
      jobId: jobs[0]!.id,
      outcome: failed(500, 'a relayed duplicate'),
      resultChange: { kind: 'upload-stored', response: { n: 2 }, keepEager: true },
      followUps: [deriveFollowUp(batchId, 1)],
    });
    expect(duplicate).toEqual({ finishedNow: false, followUps: [], deliveries: [] });
    expect(await jobRow(jobs[0]!.id)).toEqual(before);
    let batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs, result: batch.result, error: batch.error }).toEqual({
      status: 'pending',
      pending: 1,
      result: { n: 1 },
      error: null,
    });
    expect(await services.db.selectFrom('jobs').select('id').where('batch_id', '=', batchId).execute()).toHaveLength(2);

    await finishJob(deps, { jobId: jobs[1]!.id, outcome: completed({}) });
    expect(await deliveryRows(batchId)).toHaveLength(1);
    const lastAgain = await finishJob(deps, { jobId: jobs[1]!.id, outcome: completed({}) });
    expect(lastAgain).toEqual({ finishedNow: false, followUps: [], deliveries: [] });
    batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(await deliveryRows(batchId)).toHaveLength(1);

    expect(await finishJob(deps, { jobId: randomUUID(), outcome: completed({}) })).toEqual({ finishedNow: false, followUps: [], deliveries: [] });
  });

  it("inserts a completed job's followUps as jobs of its batch, raises pending_jobs and queues them", async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest] });
    const followUps = [deriveFollowUp(batchId, 1), deriveFollowUp(batchId, 2)];
    const response = uploadResponse('with-eager');
    const result = await finishJob(deps, {
      jobId: ingest.id,
      outcome: completed({ response }),
      resultChange: { kind: 'upload-stored', response, keepEager: true },
      followUps,
    });
    expect(result.followUps).toEqual(followUps);
    expect(result.deliveries).toEqual([]);
    expect(result.batch).toMatchObject({ status: 'pending', pendingJobs: 2 });
    expect((await batchRow(batchId)).pending_jobs).toBe(2);
    for (const followUp of followUps) {
      const row = await jobRow(followUp.id);
      expect({
        batch: row?.batch_id,
        cloud: row?.cloud_name,
        queue: row?.queue,
        kind: row?.kind,
        status: row?.status,
        payload: row?.payload,
        finished: row?.finished_at,
      }).toEqual({
        batch: batchId,
        cloud: 'demo',
        queue: 'derive',
        kind: 'derive',
        status: 'queued',
        payload: followUp.payload,
        finished: null,
      });
      expect(await services.queues.isQueued('derive', followUp.id)).toBe(true);
    }

    await finishJob(deps, {
      jobId: followUps[0]!.id,
      outcome: completed(eagerEntry(1)),
      resultChange: { kind: 'eager-item', index: 1, item: eagerEntry(1) },
    });
    expect(await batchRow(batchId)).toMatchObject({ status: 'pending', pending_jobs: 1 });
    const last = await finishJob(deps, {
      jobId: followUps[1]!.id,
      outcome: completed(eagerEntry(2)),
      resultChange: { kind: 'eager-item', index: 2, item: eagerEntry(2) },
    });
    expect(last.batch).toMatchObject({ status: 'complete', pendingJobs: 0 });
    expect(last.deliveries).toHaveLength(1);
    const batch = await batchRow(batchId);
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify({ ...response, eager: [null, eagerEntry(1), eagerEntry(2)] }));
  });

  it("drops a failed job's followUps: no rows, nothing queued, the batch fails", async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest] });
    const followUp = deriveFollowUp(batchId, 0);
    const result = await finishJob(deps, { jobId: ingest.id, outcome: failed(400, 'Invalid image file'), followUps: [followUp] });
    expect(result.followUps).toEqual([]);
    expect(result.batch).toMatchObject({ status: 'failed', pendingJobs: 0, error: { status: 400, message: 'Invalid image file' } });
    expect(await jobRow(followUp.id)).toBeUndefined();
    expect(await services.queues.isQueued('derive', followUp.id)).toBe(false);
    expect(await services.db.selectFrom('jobs').select('id').where('batch_id', '=', batchId).execute()).toEqual([{ id: ingest.id }]);
    expect(await deliveryRows(batchId)).toHaveLength(1);
  });

  it('orders concurrent finishes of one batch: no eager item is lost and exactly one finish completes it', async () => {
    const batchId = newBatchId();
    const jobs = [0, 1, 2, 3, 4].map((index) => deriveFollowUp(batchId, index));
    await makeBatch({ batchId, jobs, notificationUrls: [HOOK_A, HOOK_B] });
    const results = await Promise.all(
      jobs.map((job, index) =>
        finishJob(deps, { jobId: job.id, outcome: completed(eagerEntry(index)), resultChange: { kind: 'eager-item', index, item: eagerEntry(index) } }),
      ),
    );
    expect(results.filter((result) => result.batch?.status === 'complete')).toHaveLength(1);
    expect(results.flatMap((result) => result.deliveries)).toHaveLength(2);
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(batch.result).toEqual({ eager: [0, 1, 2, 3, 4].map(eagerEntry) });
    expect(await deliveryRows(batchId)).toHaveLength(2);
  });

  it('records nothing when making the deliveries fails: the job, its count and its batch roll back together', async () => {
    const job = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [job] });
    await sql`CREATE FUNCTION refuse_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'deliveries refused for this test'; END $$`.execute(
      services.db,
    );
    await sql`CREATE TRIGGER refuse_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_delivery()`.execute(services.db);
    try {
      const response = uploadResponse('rolled-back');
      await expect(
        finishJob(deps, { jobId: job.id, outcome: completed({ response }), resultChange: { kind: 'upload-stored', response, keepEager: true } }),
      ).rejects.toThrow('deliveries refused for this test');
    } finally {
      await sql`DROP TRIGGER refuse_delivery ON webhook_deliveries`.execute(services.db);
      await sql`DROP FUNCTION refuse_delivery()`.execute(services.db);
    }
    const row = await jobRow(job.id);
    expect({ status: row?.status, result: row?.result, finished: row?.finished_at }).toEqual({ status: 'queued', result: null, finished: null });
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs, result: batch.result, completed: batch.completed_at }).toEqual({
      status: 'pending',
      pending: 1,
      result: null,
      completed: null,
    });
    // The job can still be finished: a retry of the same job does it.
    const retried = await finishJob(deps, { jobId: job.id, outcome: completed({}) });
    expect(retried.finishedNow).toBe(true);
    expect(retried.batch?.status).toBe('complete');
    expect(await deliveryRows(batchId)).toHaveLength(1);
  });
});

/** The batch as a job reads it when it starts (startIngest): its row and its row version. */
async function seenBatch(batchId: string): Promise<SeenBatch> {
  const { rows } = await sql<{ row: Record<string, unknown>; version: string }>`
    SELECT row_to_json(batches) AS row, xmin::text AS version FROM batches WHERE batch_id = ${batchId}
  `.execute(services.db);
  return { batch: batchFromJson(rows[0]!.row), rowVersion: rows[0]!.version };
}

async function statementsOf<T>(work: () => Promise<T>): Promise<{ value: T; statements: number }> {
  const tally = { statements: 0 };
  const value = await runWithStatementTally(tally, work);
  return { value, statements: tally.statements };
}

describe('finishJob with the batch the job saw (one statement)', () => {
  it('records the end, the count, the follow-ups and the notifications in one statement when the batch is unchanged', async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest], notificationUrls: [HOOK_A, HOOK_B] });
    const seen = await seenBatch(batchId);
    const response = uploadResponse('seen/one');

    const { value: finished, statements } = await statementsOf(() =>
      finishJob(deps, {
        jobId: ingest.id,
        outcome: completed({ response }),
        resultChange: { kind: 'upload-stored', response, keepEager: true },
        seenBatch: seen,
      }),
    );
    expect(statements).toBe(1);
    expect(finished).toMatchObject({ finishedNow: true, followUps: [] });
    expect(finished.batch).toMatchObject({ batchId, status: 'complete', pendingJobs: 0 });
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify(response));
    expect(batch.completed_at?.getTime()).toBe(finished.batch?.completedAt?.getTime());
    const row = await jobRow(ingest.id);
    expect({ status: row?.status, finished: row?.finished_at !== null }).toEqual({ status: 'completed', finished: true });
    expect(JSON.stringify(row?.result)).toBe(JSON.stringify({ response }));
    const deliveries = await deliveryRows(batchId);
    expect(deliveries.map((delivery) => delivery.url).sort()).toEqual([HOOK_A, HOOK_B]);
    const body = serializeNotification(buildUploadNotification(response, envelope(batchId, batch.completed_at!)));
    for (const delivery of deliveries) expect(delivery.body).toBe(body);
    expect(deliveries.map((delivery) => delivery.id).sort()).toEqual(finished.deliveries.map((delivery) => delivery.id).sort());

    // Follow-ups too: a second batch whose ingest adds two derive jobs, in the same one statement.
    const second = ingestLikeJob();
    const followedBatch = await makeBatch({ jobs: [second] });
    const followUps = [deriveFollowUp(followedBatch, 0), deriveFollowUp(followedBatch, 1)];
    const { statements: withFollowUps } = await statementsOf(async () =>
      finishJob(deps, { jobId: second.id, outcome: completed({}), followUps, seenBatch: await seenBatch(followedBatch) }),
    );
    expect(withFollowUps).toBe(2); // the seenBatch read above is in the tally too
    const followed = await batchRow(followedBatch);
    expect({ status: followed.status, pending: followed.pending_jobs }).toEqual({ status: 'pending', pending: 2 });
    const added = await services.db
      .selectFrom('jobs')
      .select(['id', 'status', 'kind', 'payload'])
      .where('batch_id', '=', followedBatch)
      .where('kind', '=', 'derive')
      .execute();
    expect(added.map((job) => job.id).sort()).toEqual(followUps.map((job) => job.id).sort());
    expect(added.every((job) => job.status === 'queued')).toBe(true);
    expect(added.find((job) => job.id === followUps[0]!.id)?.payload).toEqual(followUps[0]!.payload);
    for (const job of followUps) expect(await services.queues.isQueued('derive', job.id)).toBe(true);
  });

  it('takes the locking path when another job of the batch finished since the job read it: nothing is lost', async () => {
    const batchId = newBatchId();
    const jobs = [0, 1, 2].map((index) => deriveFollowUp(batchId, index));
    await makeBatch({ batchId, jobs, notificationUrls: [HOOK_A] });
    const stale = await seenBatch(batchId);
    await finishJob(deps, {
      jobId: jobs[0]!.id,
      outcome: completed(eagerEntry(0)),
      resultChange: { kind: 'eager-item', index: 0, item: eagerEntry(0) },
    });

    const { value: second, statements } = await statementsOf(() =>
      finishJob(deps, {
        jobId: jobs[1]!.id,
        outcome: completed(eagerEntry(1)),
        resultChange: { kind: 'eager-item', index: 1, item: eagerEntry(1) },
        seenBatch: stale,
      }),
    );
    // The one statement changed nothing; BEGIN, the job with its batch locked, the progress, COMMIT.
    expect(statements).toBe(5);
    expect(second.batch).toMatchObject({ status: 'pending', pendingJobs: 1 });
    const third = await finishJob(deps, {
      jobId: jobs[2]!.id,
      outcome: completed(eagerEntry(2)),
      resultChange: { kind: 'eager-item', index: 2, item: eagerEntry(2) },
      seenBatch: stale,
    });
    expect(third.batch).toMatchObject({ status: 'complete', pendingJobs: 0 });
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(batch.result).toEqual({ eager: [0, 1, 2].map(eagerEntry) });
    expect(await deliveryRows(batchId)).toHaveLength(1);
  });

  it('orders concurrent finishes that all saw the same batch: exactly one completes it, every item kept', async () => {
    const batchId = newBatchId();
    const jobs = [0, 1, 2, 3].map((index) => deriveFollowUp(batchId, index));
    await makeBatch({ batchId, jobs, notificationUrls: [HOOK_A, HOOK_B] });
    const seen = await seenBatch(batchId);
    const results = await Promise.all(
      jobs.map((job, index) =>
        finishJob(deps, {
          jobId: job.id,
          outcome: completed(eagerEntry(index)),
          resultChange: { kind: 'eager-item', index, item: eagerEntry(index) },
          seenBatch: seen,
        }),
      ),
    );
    expect(results.every((result) => result.finishedNow)).toBe(true);
    expect(results.filter((result) => result.batch?.status === 'complete')).toHaveLength(1);
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(batch.result).toEqual({ eager: [0, 1, 2, 3].map(eagerEntry) });
    expect(await deliveryRows(batchId)).toHaveLength(2);
  });

  it('changes nothing on a duplicate finish, and nothing at all when its notifications cannot be recorded', async () => {
    const job = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [job] });
    const seen = await seenBatch(batchId);
    await sql`CREATE FUNCTION refuse_seen_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for this test'; END $$`.execute(
      services.db,
    );
    await sql`CREATE TRIGGER refuse_seen_delivery BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_seen_delivery()`.execute(
      services.db,
    );
    try {
      await expect(finishJob(deps, { jobId: job.id, outcome: completed({ n: 1 }), seenBatch: seen })).rejects.toThrow('refused for this test');
    } finally {
      await sql`DROP TRIGGER refuse_seen_delivery ON webhook_deliveries`.execute(services.db);
      await sql`DROP FUNCTION refuse_seen_delivery()`.execute(services.db);
    }
    const row = await jobRow(job.id);
    expect({ status: row?.status, finished: row?.finished_at }).toEqual({ status: 'queued', finished: null });
    expect((await batchRow(batchId)).pending_jobs).toBe(1);

    const done = await finishJob(deps, { jobId: job.id, outcome: completed({ n: 2 }), seenBatch: seen });
    expect(done.finishedNow).toBe(true);
    const again = await finishJob(deps, { jobId: job.id, outcome: failed(500, 'a relayed duplicate'), seenBatch: await seenBatch(batchId) });
    expect(again).toEqual({ finishedNow: false, followUps: [], deliveries: [] });
    expect(JSON.stringify((await jobRow(job.id))?.result)).toBe(JSON.stringify({ n: 2 }));
    expect(await deliveryRows(batchId)).toHaveLength(1);
  });
});

/** What the combined statement inserts: a PNG asset in `folder` (its folder rows are checked). */
function newAsset(publicId: string, folder = ''): AssetRecord {
  return assetRecordFixture(publicId, {
    width: 40,
    height: 30,
    pages: 1,
    bytes: 123,
    etag: hex32(),
    tags: ['t'],
    context: { k: 'v' },
    assetFolder: folder,
    originalFilename: null,
    createdAt: new Date('2026-11-30T10:00:00.000Z'),
  });
}

const assetRowOf = (assetId: string) => services.db.selectFrom('assets').selectAll().where('asset_id', '=', assetId).executeTakeFirst();
const versionRowOf = (versionId: string) => services.db.selectFrom('asset_versions').selectAll().where('version_id', '=', versionId).executeTakeFirst();

describe("finishJob with the upload's new asset (one statement for the whole ingest)", () => {
  it('records the asset, its version, its folders and the job with its batch in one statement', async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest], notificationUrls: [HOOK_A] });
    const seen = await seenBatch(batchId);
    const asset = newAsset(`combined/${randomUUID()}`, 'combined/deep');
    const response = uploadResponse(asset.publicId);
    const { value: finished, statements } = await statementsOf(() =>
      finishJob(deps, {
        jobId: ingest.id,
        outcome: completed({ response }),
        resultChange: { kind: 'upload-stored', response, keepEager: true },
        seenBatch: seen,
        newAsset: { asset, backup: true },
      }),
    );
    expect(statements).toBe(1);
    expect(finished.finishedNow).toBe(true);
    expect(finished.assetRecorded).toBeUndefined();
    expect(await assetRowOf(asset.assetId)).toMatchObject({
      public_id: asset.publicId,
      version_id: asset.versionId,
      storage_key: asset.storageKey,
      width: 40,
    });
    expect(await versionRowOf(asset.versionId)).toMatchObject({ asset_id: asset.assetId, backup: true, bytes: 123, storage_key: asset.storageKey });
    const folders = await sql<{ path: string }>`SELECT path FROM folders WHERE cloud_name = 'demo' AND path LIKE 'combined%' ORDER BY path`.execute(
      services.db,
    );
    expect(folders.rows.map((row) => row.path)).toEqual(['combined', 'combined/deep']);
    expect((await jobRow(ingest.id))?.status).toBe('completed');
    expect((await batchRow(batchId)).status).toBe('complete');
    expect(await deliveryRows(batchId)).toHaveLength(1);
  });

  it('records nothing when the public_id is taken by then, and says so (the caller commits the usual way)', async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest] });
    const seen = await seenBatch(batchId);
    const taken = newAsset(`taken/${randomUUID()}`);
    const first = ingestLikeJob();
    const firstBatch = await makeBatch({ jobs: [first] });
    await finishJob(deps, {
      jobId: first.id,
      outcome: completed({}),
      seenBatch: await seenBatch(firstBatch),
      newAsset: { asset: taken, backup: false },
    });
    expect(await assetRowOf(taken.assetId)).toBeDefined();

    const again = newAsset(taken.publicId);
    const finished = await finishJob(deps, {
      jobId: ingest.id,
      outcome: completed({ n: 1 }),
      seenBatch: seen,
      newAsset: { asset: again, backup: false },
    });
    expect(finished).toEqual({ finishedNow: false, followUps: [], deliveries: [], assetRecorded: false });
    expect(await assetRowOf(again.assetId)).toBeUndefined();
    expect(await versionRowOf(again.versionId)).toBeUndefined();
    expect(await jobRow(ingest.id)).toMatchObject({ status: 'queued', finished_at: null });
    expect((await batchRow(batchId)).pending_jobs).toBe(1);
    expect(await deliveryRows(batchId)).toHaveLength(0);
  });

  it('undoes the asset too when the batch changed or the job had ended: nothing of the statement stays', async () => {
    const batchId = newBatchId();
    const jobs = [ingestLikeJob(), ingestLikeJob()];
    await makeBatch({ batchId, jobs });
    const stale = await seenBatch(batchId);
    await finishJob(deps, { jobId: jobs[0]!.id, outcome: completed({}) });
    const asset = newAsset(`undone/${randomUUID()}`, 'undone');
    const finished = await finishJob(deps, { jobId: jobs[1]!.id, outcome: completed({}), seenBatch: stale, newAsset: { asset, backup: false } });
    expect(finished.assetRecorded).toBe(false);
    expect(await assetRowOf(asset.assetId)).toBeUndefined();
    expect(await versionRowOf(asset.versionId)).toBeUndefined();
    const folders = await sql<{ path: string }>`SELECT path FROM folders WHERE cloud_name = 'demo' AND path = 'undone'`.execute(services.db);
    expect(folders.rows).toEqual([]);
    expect(await jobRow(jobs[1]!.id)).toMatchObject({ status: 'queued', finished_at: null });
    expect((await batchRow(batchId)).pending_jobs).toBe(1);

    // A job that had ended: the same.
    const ended = await finishJob(deps, {
      jobId: jobs[0]!.id,
      outcome: completed({}),
      seenBatch: await seenBatch(batchId),
      newAsset: { asset, backup: false },
    });
    expect(ended.assetRecorded).toBe(false);
    expect(await assetRowOf(asset.assetId)).toBeUndefined();
  });
});

describe('finishJob: eager_async batches', () => {
  it('sends the upload notification at once (notifyUploadNow) and the eager one, to eager_notification_url only, at the end', async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest], notificationUrls: [HOOK_A], eagerAsync: true, eagerNotificationUrls: [HOOK_EAGER] });
    const followUp = deriveFollowUp(batchId, 0);
    const response = {
      ...uploadResponse('async-eager'),
      eager: [{ status: 'processing', batch_id: batchId, transformation: 'w_10', url: 'u', secure_url: 's' }],
    };

    const stored = await finishJob(deps, {
      jobId: ingest.id,
      outcome: completed({ response }),
      resultChange: { kind: 'upload-stored', response, keepEager: false },
      followUps: [followUp],
      notifyUploadNow: response,
    });
    expect(stored.batch).toMatchObject({ status: 'pending', pendingJobs: 1 });
    expect(stored.deliveries).toHaveLength(1);
    let rows = await deliveryRows(batchId);
    expect(rows.map((row) => row.url)).toEqual([HOOK_A]);
    const sent = JSON.parse(rows[0]!.body) as { notification_type: string; notification_context: { triggered_at: string } };
    expect(sent.notification_type).toBe('upload');
    // The exact body, field order included, for the moment it was made.
    expect(rows[0]!.body).toBe(
      serializeNotification(buildUploadNotification(response, envelope(batchId, new Date(sent.notification_context.triggered_at)))),
    );
    expect(stored.deliveries[0]).toEqual({ id: rows[0]!.id, url: HOOK_A, body: rows[0]!.body });
    expect(await services.queues.isQueued('notify', rows[0]!.id)).toBe(true);

    const derived = await finishJob(deps, {
      jobId: followUp.id,
      outcome: completed(eagerEntry(0)),
      resultChange: { kind: 'eager-item', index: 0, item: eagerEntry(0) },
    });
    expect(derived.batch).toMatchObject({ status: 'complete', pendingJobs: 0 });
    rows = await deliveryRows(batchId);
    expect(rows.map((row) => row.url)).toEqual([HOOK_A, HOOK_EAGER]);
    const batch = await batchRow(batchId);
    expect(rows[1]!.body).toBe(
      serializeNotification(
        buildEagerNotification(
          { eager: [eagerEntry(0)], batchId, assetId: response.asset_id, publicId: response.public_id },
          envelope(batchId, batch.completed_at!),
        ),
      ),
    );
    expect(derived.deliveries.map((delivery) => delivery.id)).toEqual([rows[1]!.id]);
  });

  it('sends the eager notification to notification_url when there is no eager_notification_url', async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest], notificationUrls: [HOOK_A], eagerAsync: true });
    const followUp = deriveFollowUp(batchId, 0);
    const response = uploadResponse('async-eager-one-url');
    await finishJob(deps, {
      jobId: ingest.id,
      outcome: completed({ response }),
      resultChange: { kind: 'upload-stored', response, keepEager: false },
      followUps: [followUp],
      notifyUploadNow: response,
    });
    await finishJob(deps, {
      jobId: followUp.id,
      outcome: completed(eagerEntry(0)),
      resultChange: { kind: 'eager-item', index: 0, item: eagerEntry(0) },
    });
    const rows = await deliveryRows(batchId);
    expect(rows.map((row) => [row.url, (JSON.parse(row.body) as { notification_type: string }).notification_type])).toEqual([
      [HOOK_A, 'upload'],
      [HOOK_A, 'eager'],
    ]);
  });

  it('notifies a failed eager_async batch on both URLs', async () => {
    const ingest = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [ingest], notificationUrls: [HOOK_A], eagerAsync: true, eagerNotificationUrls: [HOOK_EAGER] });
    const followUp = deriveFollowUp(batchId, 0);
    const response = uploadResponse('async-eager-failing');
    await finishJob(deps, {
      jobId: ingest.id,
      outcome: completed({ response }),
      resultChange: { kind: 'upload-stored', response, keepEager: false },
      followUps: [followUp],
      notifyUploadNow: response,
    });
    await finishJob(deps, { jobId: followUp.id, outcome: failed(400, 'Requested output of 100000x7 exceeds the maximum of 10000 pixels per side') });
    const batch = await batchRow(batchId);
    const failure = serializeNotification(
      buildUploadNotification(
        { status: 'failed', batch_id: batchId, error: { message: 'Requested output of 100000x7 exceeds the maximum of 10000 pixels per side' } },
        envelope(batchId, batch.completed_at!),
      ),
    );
    const rows = await deliveryRows(batchId);
    expect(
      rows
        .slice(1)
        .map((row) => [row.url, row.body])
        .sort(),
    ).toEqual([
      [HOOK_A, failure],
      [HOOK_EAGER, failure],
    ]);
    expect(rows).toHaveLength(3);
  });
});

describe('outcome signals', () => {
  /** Starts a wait, lets it do its first read and go to sleep, then finishes the job; returns ms from commit to answer. */
  async function answeredAfterCommit<T>(wait: () => Promise<T>, finish: () => Promise<unknown>): Promise<{ value: T; afterCommitMs: number }> {
    let answeredAt = 0;
    const waiting = wait().then((value) => {
      answeredAt = performance.now();
      return value;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answeredAt).toBe(0);
    await finish();
    const committedAt = performance.now();
    const value = await waiting;
    return { value, afterCommitMs: answeredAt - committedAt };
  }

  it('wakes waitForJob as soon as finishJob commits, well before the 1 s safety re-read', async () => {
    const jobId = randomUUID();
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload: { v: 1 } });
    let finished: Awaited<ReturnType<typeof finishJob>> | undefined;
    const { value, afterCommitMs } = await answeredAfterCommit(
      () => waitForJob(services, jobId, 10_000),
      async () => {
        finished = await finishJob(deps, { jobId, outcome: completed({ storage_key: 'k' }) });
      },
    );
    // A job of no batch: recorded and signalled, nothing counted.
    expect(finished).toEqual({ finishedNow: true, followUps: [], deliveries: [] });
    expect(value).toMatchObject({ id: jobId, status: 'completed', result: { storage_key: 'k' }, error: null });
    expect(afterCommitMs).toBeLessThan(500);
  });

  it('ends a standalone job in one statement, signalled; a duplicate end changes nothing; a job of a batch takes the locking path', async () => {
    const jobId = randomUUID();
    expect(await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload: { v: 1 } })).toEqual({
      inserted: true,
    });
    const tally = { statements: 0 };
    const { value, afterCommitMs } = await answeredAfterCommit(
      () => waitForJob(services, jobId, 10_000),
      async () => {
        expect(
          await runWithStatementTally(tally, () => finishJob(deps, { jobId, outcome: completed({ storage_key: 's' }), standalone: true })),
        ).toEqual({ finishedNow: true, followUps: [], deliveries: [] });
      },
    );
    expect(tally.statements).toBe(1);
    expect(value).toMatchObject({ id: jobId, status: 'completed', result: { storage_key: 's' } });
    expect(afterCommitMs).toBeLessThan(500);
    // Ended before: nothing written, and the locking path says so.
    expect(await finishJob(deps, { jobId, outcome: completed({ storage_key: 'other' }), standalone: true })).toMatchObject({ finishedNow: false });
    expect(await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload: { v: 1 } })).toEqual({
      inserted: false,
      status: 'completed',
      error: null,
    });

    // Called standalone by mistake, a job of a batch still counts off its batch.
    const job = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [job] });
    expect(await finishJob(deps, { jobId: job.id, outcome: completed({ n: 1 }), standalone: true })).toMatchObject({
      finishedNow: true,
      batch: { batchId, status: 'complete', pendingJobs: 0 },
    });
  });

  it("records a first delivery's derivative and ends its job in one statement, signalled; or writes only what it may", async () => {
    const committed = await commitAssetVersion(services.db, { asset: assetRecordFixture(`signals/${hex32()}`), overwrite: false });
    if (committed.kind !== 'created') throw new Error(`unexpected commit ${committed.kind}`);
    const { assetId, versionId } = committed.asset;
    const key = (hash: string) => ({ assetId, versionId, transformationHash: hash, format: 'jpg' });
    const row = (hash: string) => ({
      ...key(hash),
      transformation: 'w_10',
      storageKey: `derived/${hash}.jpg`,
      contentType: 'image/jpeg',
      bytes: 10,
      width: 10,
      height: 8,
      etag: 'e'.repeat(32),
    });
    // The job's result as the derive job gives it: where the derivative is stored.
    const ending = (id: string, hash: string) => ({ id, result: { storage_key: `derived/${hash}.jpg` } });
    const standalone = async () => {
      const id = randomUUID();
      await recordStandaloneJob(services.db, 'demo', { id, queue: 'derive', kind: 'derive', payload: { v: 1 } });
      return id;
    };

    const jobId = await standalone();
    const tally = { statements: 0 };
    let recorded: Awaited<ReturnType<typeof recordDerivedEndingStandaloneJob>>;
    const { value, afterCommitMs } = await answeredAfterCommit(
      () => waitForJob(services, jobId, 10_000),
      async () => {
        recorded = await runWithStatementTally(tally, () => recordDerivedEndingStandaloneJob(services.db, row('a'), ending(jobId, 'a'), new Date()));
      },
    );
    expect(tally.statements).toBe(1);
    expect(recorded!).toEqual({ derived: await findDerived(services.db, key('a')), jobEnded: true });
    expect(recorded!.derived).toMatchObject({ storageKey: 'derived/a.jpg', bytes: 10, width: 10, height: 8 });
    expect(value).toMatchObject({ id: jobId, status: 'completed', result: { storage_key: 'derived/a.jpg' }, error: null });
    expect(afterCommitMs).toBeLessThan(500);

    // The derivative recorded by another run first: nothing written, the job left for the usual end.
    const second = await standalone();
    expect(
      await recordDerivedEndingStandaloneJob(services.db, { ...row('a'), storageKey: 'derived/other.jpg' }, ending(second, 'other'), new Date()),
    ).toBeUndefined();
    expect(await findJob(services.db, second)).toMatchObject({ status: 'queued', result: null });
    expect(await findDerived(services.db, key('a'))).toMatchObject({ storageKey: 'derived/a.jpg' });

    // A job that had ended, or that has a batch: the derivative recorded, the job untouched.
    expect(await recordDerivedEndingStandaloneJob(services.db, row('b'), ending(jobId, 'b'), new Date())).toMatchObject({
      jobEnded: false,
      derived: { storageKey: 'derived/b.jpg' },
    });
    expect(await findJob(services.db, jobId)).toMatchObject({ status: 'completed', result: { storage_key: 'derived/a.jpg' } });
    const ofBatch = ingestLikeJob();
    await makeBatch({ jobs: [ofBatch] });
    expect(await recordDerivedEndingStandaloneJob(services.db, row('c'), ending(ofBatch.id, 'c'), new Date())).toMatchObject({ jobEnded: false });
    expect(await findJob(services.db, ofBatch.id)).toMatchObject({ status: 'queued', result: null });

    // An asset that is gone (the foreign key): neither the derivative nor the job's end.
    const third = await standalone();
    await expect(
      recordDerivedEndingStandaloneJob(services.db, { ...row('d'), assetId: hex32() }, ending(third, 'd'), new Date()),
    ).rejects.toMatchObject({
      code: '23503',
    });
    expect(await findJob(services.db, third)).toMatchObject({ status: 'queued', result: null });
  });

  it('recordStandaloneJobUnlessDerived answers a stored derivative, else records or joins the job, in one statement', async () => {
    const committed = await commitAssetVersion(services.db, { asset: assetRecordFixture(`unless/${hex32()}`), overwrite: false });
    if (committed.kind !== 'created') throw new Error(`unexpected commit ${committed.kind}`);
    const key = { assetId: committed.asset.assetId, versionId: committed.asset.versionId, transformationHash: 'h-unless', format: 'png' };
    const job = (id: string) => ({ id, queue: 'derive' as const, kind: 'derive' as const, payload: { v: 1 } });
    const counted = async (id: string) => {
      const tally = { statements: 0 };
      const answer = await runWithStatementTally(tally, () => recordStandaloneJobUnlessDerived(services.db, 'demo', job(id), key));
      expect(tally.statements).toBe(1);
      return answer;
    };

    const jobId = randomUUID();
    expect(await counted(jobId)).toEqual({ inserted: true });
    expect(await findJob(services.db, jobId)).toMatchObject({ status: 'queued', cloudName: 'demo', kind: 'derive' });
    // Joined: the job's state as it was.
    expect(await counted(jobId)).toEqual({ inserted: false, status: 'queued', error: null });
    await finishJob(deps, { jobId, outcome: { kind: 'failed', error: { status: 400, message: 'Invalid image file' } }, standalone: true });
    expect(await counted(jobId)).toEqual({ inserted: false, status: 'failed', error: { status: 400, message: 'Invalid image file' } });

    // Stored: the derivative, as findDerived reads it, and no job recorded for it.
    await recordDerived(services.db, {
      ...key,
      transformation: 'w_1',
      storageKey: 'derived/unless.png',
      contentType: 'image/png',
      bytes: 7,
      width: 1,
      height: 1,
      etag: 'c'.repeat(32),
    });
    const other = randomUUID();
    expect(await counted(other)).toEqual({ derived: await findDerived(services.db, key) });
    expect(await findJob(services.db, other)).toBeUndefined();
  });

  it("recordStandaloneJob returns a failed job's error as it was", async () => {
    const jobId = randomUUID();
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload: { v: 1 } });
    await finishJob(deps, { jobId, outcome: { kind: 'failed', error: { status: 400, message: 'Invalid image file' } }, standalone: true });
    expect(await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload: { v: 2 } })).toEqual({
      inserted: false,
      status: 'failed',
      error: { status: 400, message: 'Invalid image file' },
    });
  });

  it('answers undefined from waitForJob at the deadline of a job that never finishes', async () => {
    const jobId = randomUUID();
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload: { v: 1 } });
    const started = performance.now();
    expect(await waitForJob(services, jobId, 300)).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('wakes waitForBatch with the result when the last job commits, not before', async () => {
    const jobs = [ingestLikeJob(), ingestLikeJob()];
    const batchId = await makeBatch({ jobs });
    const response = uploadResponse('waited');
    const { value, afterCommitMs } = await answeredAfterCommit(
      () => waitForBatch(services, 'demo', batchId, 10_000),
      async () => {
        await finishJob(deps, {
          jobId: jobs[0]!.id,
          outcome: completed({ response }),
          resultChange: { kind: 'upload-stored', response, keepEager: true },
        });
        // The first job's signal is for the job, not the batch: the wait goes on.
        await new Promise((resolve) => setTimeout(resolve, 150));
        await finishJob(deps, {
          jobId: jobs[1]!.id,
          outcome: completed(eagerEntry(0)),
          resultChange: { kind: 'eager-item', index: 0, item: eagerEntry(0) },
        });
      },
    );
    expect(JSON.stringify(value)).toBe(JSON.stringify({ ...response, eager: [eagerEntry(0)] }));
    expect(afterCommitMs).toBeLessThan(500);
  });

  it("rejects waitForBatch with a failed batch's own status and message", async () => {
    const job = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [job] });
    // The rejection is caught from the start: it may come while finishJob is still being awaited.
    const waiting = waitForBatch(services, 'demo', batchId, 10_000).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    await finishJob(deps, { jobId: job.id, outcome: failed(400, 'Invalid image file') });
    const error = await waiting;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message: 'Invalid image file', expose: true });
  });

  it('times out waitForBatch with the exact 500 of a batch still processing', async () => {
    const job = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [job] });
    const started = performance.now();
    const error = await waitForBatch(services, 'demo', batchId, 300).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 500,
      expose: true,
      message: `Eager transformations are still processing (batch ${batchId}); they will complete in the background`,
    });
  });

  it('does not answer waitForBatch for a batch of another cloud', async () => {
    const job = ingestLikeJob();
    const batchId = await makeBatch({ jobs: [job] });
    await finishJob(deps, { jobId: job.id, outcome: completed({}), resultChange: { kind: 'upload-stored', response: { ok: true }, keepEager: false } });
    expect(await waitForBatch(services, 'demo', batchId, 1_000)).toEqual({ ok: true });
    await expect(waitForBatch(services, 'other-cloud', batchId, 200)).rejects.toMatchObject({ status: 500 });
  });
});

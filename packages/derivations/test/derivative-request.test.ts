import { randomUUID } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { SelectQueryNode, TableNode, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishJob } from '@rendition/batches';
import {
  commitAssetVersion,
  findJob,
  recordDerived,
  recordDerivedEndingStandaloneJob,
  saveNamedTransformation,
  type AssetRecord,
  type DerivedRecord,
} from '@rendition/catalog';
import { derivativeJobId, obtainDerivative, planDerivative, resolveEagerSpecs, type DerivativeRequest } from '@rendition/derivations';
import { createJobQueues, createRedisConnection, type JobQueues } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { originalKey } from '@rendition/storage';
import { parseTransformation, planHash } from '@rendition/transform';
import { startRedisServer, hex32, TEST_REDIS_URL as REDIS_URL, startDomainTestServices, until, type DomainTestServices } from '@rendition/testing';

let services: DomainTestServices;
/** Looks at the derive queue as BullMQ holds it, under this file's prefix. */
let deriveQueue: Queue;
let image: AssetRecord;

const LIMITS = { maxDimension: 4_000, maxPixels: 5_000_000 };
const VIDEO_LIMITS = { maxSyncBytes: 100_000_000, maxPixels: 35_389_440, maxFrameRate: 240, maxBitRate: 100_000_000 };

function assetRecord(overrides: Partial<AssetRecord> = {}): AssetRecord {
  const assetId = hex32();
  const versionId = hex32();
  return {
    cloudName: 'demo',
    resourceType: 'image',
    type: 'upload',
    publicId: `photos/${assetId}`,
    assetId,
    version: 1_700_000_000,
    versionId,
    format: 'png',
    width: 1_000,
    height: 800,
    pages: 1,
    bytes: 12_345,
    etag: 'e'.repeat(32),
    contentType: 'image/png',
    storageKey: originalKey(assetId, versionId),
    tags: [],
    context: {},
    metadata: {},
    assetFolder: '',
    displayName: assetId,
    originalFilename: null,
    accessMode: 'public',
    createdAt: new Date(),
    ...overrides,
  };
}

beforeAll(async () => {
  services = await startDomainTestServices('derivations');
  deriveQueue = new Queue('derive', { connection: createRedisConnection(REDIS_URL, 'worker'), prefix: services.prefix });
  const committed = await commitAssetVersion(services.db, { asset: assetRecord(), overwrite: false });
  if (committed.kind !== 'created') throw new Error(`expected a new asset, got ${committed.kind}`);
  image = committed.asset;
  await saveNamedTransformation(services.db, 'demo', 'thumb', 'c_fill,h_50,w_50');
  await services.outcomes.waitFor('job:warm-up', async () => undefined, 300);
});

afterAll(async () => {
  await deriveQueue?.close();
  await services?.stop();
});

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([promise, new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('resolveEagerSpecs', () => {
  it('answers no items for no eager text', async () => {
    expect(await resolveEagerSpecs(services.db, 'demo', undefined)).toEqual([]);
    expect(await resolveEagerSpecs(services.db, 'demo', '')).toEqual([]);
    expect(await resolveEagerSpecs(services.db, 'demo', '   ')).toEqual([]);
  });

  it('keeps each item as requested, makes it canonical and picks its format', async () => {
    const specs = await resolveEagerSpecs(
      services.db,
      'demo',
      'w_400,h_300,c_pad|w_260,h_200,c_crop,g_north/JPEG|w_10,f_webp|f_auto,w_30|t_thumb/png|/jpg',
    );
    expect(specs).toEqual([
      { requested: 'w_400,h_300,c_pad', transformation: 'c_pad,h_300,w_400', format: null },
      { requested: 'w_260,h_200,c_crop,g_north/JPEG', transformation: 'c_crop,g_north,h_200,w_260', format: 'jpg' },
      { requested: 'w_10,f_webp', transformation: 'f_webp,w_10', format: 'webp' },
      // f_auto is decided per request, so the item has no fixed format.
      { requested: 'f_auto,w_30', transformation: 'f_auto,w_30', format: null },
      // A named transformation is expanded: the derivative's identity is what it does.
      { requested: 't_thumb/png', transformation: 'c_fill,h_50,w_50', format: 'png' },
      { requested: '/jpg', transformation: '', format: 'jpg' },
    ]);
  });

  it.each([
    ['w_100|w_abc', 'Invalid width in transformation: abc'],
    ['w_100|c_nope', 'Invalid crop mode - nope'],
    ['w_100||w_20', 'Invalid eager transformation - empty item in w_100||w_20'],
    ['w_100/tiff', 'Invalid eager format tiff'],
    ['t_missing', 'Unknown transformation missing'],
  ])('refuses %s with a 400 naming the bad item', async (text, message) => {
    const error = await refusal(resolveEagerSpecs(services.db, 'demo', text));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message });
  });
});

/** planDerivative of `image` (or `extra.asset`) with this file's limits. */
function plan(transformation: string, extra: { urlFormat?: string; accept?: string; asset?: AssetRecord } = {}): Promise<DerivativeRequest> {
  return planDerivative(services.db, extra.asset ?? image, {
    transformation,
    urlFormat: extra.urlFormat,
    accept: extra.accept,
    limits: LIMITS,
    video: VIDEO_LIMITS,
  });
}

describe('planDerivative', () => {
  it('names one canonical derivative, whatever the parameter order', async () => {
    const request = await plan('w_100,c_fill,h_50', { urlFormat: 'webp' });
    expect(request).toEqual({
      canonical: 'c_fill,h_50,w_100',
      hash: planHash(parseTransformation('c_fill,h_50,w_100')),
      format: 'webp',
      variesOnAccept: false,
      dependsOnMoreThanTheAsset: false,
    });
    expect(await plan('h_50,w_100,c_fill', { urlFormat: 'webp' })).toEqual(request);
    expect(await plan('h_50%2Cw_100%2Cc_fill', { urlFormat: 'webp' })).toEqual(request);
    expect(await plan('t_thumb', { urlFormat: 'webp' })).toMatchObject({ canonical: 'c_fill,h_50,w_50' });
  });

  it('refuses a raw asset with a 400 before anything else', async () => {
    for (const resourceType of ['raw'] as const) {
      const error = await refusal(plan('w_100', { asset: { ...image, resourceType } }));
      expect({ status: error.status, message: error.message }).toEqual({
        status: 400,
        message: 'Transformations of raw assets are not supported',
      });
    }
  });

  it("projects the output from the catalog's dimensions against the size limits", async () => {
    const perSide = await refusal(plan('w_5000'));
    expect({ status: perSide.status, message: perSide.message }).toEqual({
      status: 400,
      message: 'Requested output of 5000x4000 exceeds the maximum of 4000 pixels per side',
    });
    const pixels = await refusal(plan('w_3000'));
    expect({ status: pixels.status, message: pixels.message }).toEqual({
      status: 400,
      message: 'Requested output of 3000x2400 exceeds the maximum of 5000000 pixels',
    });
    // Within the limits, and a chain that only shrinks again afterwards is still refused at its large step.
    expect(await plan('w_2000')).toMatchObject({ canonical: 'w_2000' });
    await expect(plan('w_5000/w_100')).rejects.toMatchObject({
      status: 400,
      message: 'Requested output of 5000x4000 exceeds the maximum of 4000 pixels per side',
    });
    // An original without known dimensions cannot be projected: the worker's executor checks instead.
    expect(await plan('w_5000', { asset: { ...image, width: null, height: null } })).toMatchObject({ canonical: 'w_5000' });
  });

  it('lets f_auto pick AVIF, then WebP, from Accept, and says the answer varies on it', async () => {
    expect(await plan('f_auto,w_10', { accept: 'image/avif,image/webp,*/*', urlFormat: 'jpg' })).toMatchObject({
      format: 'avif',
      variesOnAccept: true,
    });
    expect(await plan('f_auto,w_10', { accept: 'image/webp,*/*', urlFormat: 'jpg' })).toMatchObject({ format: 'webp', variesOnAccept: true });
    expect(await plan('f_auto,w_10', { accept: 'image/*', urlFormat: 'jpeg' })).toMatchObject({ format: 'jpg', variesOnAccept: true });
    expect(await plan('f_auto,w_10', { accept: undefined })).toMatchObject({ format: 'png', variesOnAccept: true });
    expect(await plan('f_auto,w_10', { accept: 'text/html', asset: { ...image, format: 'bmp' } })).toMatchObject({
      format: 'jpg',
      variesOnAccept: true,
    });
  });

  it('takes the format from f_, else the URL, else the original', async () => {
    expect(await plan('f_png,w_10', { urlFormat: 'webp', accept: 'image/avif' })).toMatchObject({ format: 'png', variesOnAccept: false });
    expect(await plan('w_10', { urlFormat: 'jpeg' })).toMatchObject({ format: 'jpg', variesOnAccept: false });
    expect(await plan('w_10', { urlFormat: 'gif' })).toMatchObject({ format: 'gif', variesOnAccept: false });
    expect(await plan('w_10')).toMatchObject({ format: 'png', variesOnAccept: false });
    expect(await plan('', { asset: { ...image, format: 'heic' } })).toMatchObject({ canonical: '', format: 'jpg', variesOnAccept: false });
    const error = await refusal(plan('w_10', { urlFormat: 'tiff' }));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: 'Unsupported delivery format tiff' });
  });
});

describe('obtainDerivative (no worker: this test plays the worker)', () => {
  const deps = () => ({ db: services.db, outcomes: services.outcomes, queues: services.queues, waitTimeoutMs: 10_000, maxSyncVideoBytes: 100_000_000 });

  /**
   * Takes the next derive job from Redis the way a worker does and ends it failed there for good, as
   * the worker pool does after a RejectedJobError or the last attempt.
   */
  async function failInRedis(expectedId: string): Promise<void> {
    const worker = new Worker('derive', null, { connection: createRedisConnection(REDIS_URL, 'worker'), prefix: services.prefix, autorun: false });
    try {
      const token = 'test-worker';
      const job = (await worker.getNextJob(token)) as Job | undefined;
      expect(job?.id).toBe(expectedId);
      await job!.moveToFailed(new UnrecoverableError('handled by the test'), token);
    } finally {
      await worker.close();
    }
  }

  /** The call's outcome, how long it took, and when it settled (performance.now()). */
  async function settled<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; ms: number; at: number }> {
    const started = performance.now();
    try {
      const value = await promise;
      return { value, ms: performance.now() - started, at: performance.now() };
    } catch (error) {
      return { error, ms: performance.now() - started, at: performance.now() };
    }
  }

  it('records a standalone job, queues it, and reports a 400 failure to the waiting call at once; a second call answers without queueing', async () => {
    const request: DerivativeRequest = await plan('w_50', { urlFormat: 'webp' });
    const jobId = derivativeJobId(image.versionId, request.hash, 'webp');
    const payload = { v: 1, cloudName: 'demo', assetId: image.assetId, versionId: image.versionId, transformation: 'w_50', format: 'webp' };

    const waiting = settled(obtainDerivative(deps(), image, request));
    await until(() => services.queues.isQueued('derive', jobId), 5_000, 'the derive job in Redis');
    const row = await services.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
    expect({ batch: row.batch_id, cloud: row.cloud_name, queue: row.queue, kind: row.kind, status: row.status, payload: row.payload }).toEqual({
      batch: null,
      cloud: 'demo',
      queue: 'derive',
      kind: 'derive',
      status: 'queued',
      payload,
    });
    const queued = await deriveQueue.getJob(jobId);
    expect({ name: queued?.name, data: queued?.data, attempts: queued?.opts.attempts }).toEqual({ name: 'derive', data: payload, attempts: 3 });

    // The worker refuses the job (bad input): it records the failure, then BullMQ marks it failed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await finishJob(
      { db: services.db, queues: services.queues, logger: services.logger },
      { jobId, outcome: { kind: 'failed', error: { status: 400, message: 'Invalid image file' } } },
    );
    const committedAt = performance.now();
    await failInRedis(jobId);
    const outcome = await waiting;
    expect(outcome.error).toBeInstanceOf(ApiError);
    expect(outcome.error).toMatchObject({ status: 400, message: 'Could not generate the derivative: Invalid image file' });
    expect(outcome.at - committedAt).toBeLessThan(500);

    // Bad input fails the same way every time: answered from the row, nothing queued again.
    const again = await settled(obtainDerivative(deps(), image, request));
    expect(again.error).toMatchObject({ status: 400, message: 'Could not generate the derivative: Invalid image file' });
    expect(again.ms).toBeLessThan(500);
    expect(await deriveQueue.getJobState(jobId)).toBe('failed');
    expect(await deriveQueue.getWaitingCount()).toBe(0);
    expect(await findJob(services.db, jobId)).toMatchObject({ status: 'failed', error: { status: 400, message: 'Invalid image file' } });
  });

  it('reopens and queues again a derivative whose job failed for an internal reason, and answers with the stored derivative', async () => {
    const request = await plan('w_60');
    const jobId = derivativeJobId(image.versionId, request.hash, 'png');
    // Asked of Redis by obtainDerivative: whether a job is queued already.
    let asked = 0;
    const counting: JobQueues = { ...services.queues, isQueued: (queue, id) => ((asked += 1), services.queues.isQueued(queue, id)) };
    const first = settled(obtainDerivative({ ...deps(), queues: counting }, image, request));
    await until(() => services.queues.isQueued('derive', jobId), 5_000, 'the derive job in Redis');
    // A new job row: queued without asking.
    expect(asked).toBe(0);
    await failInRedis(jobId);
    await finishJob(
      { db: services.db, queues: services.queues, logger: services.logger },
      { jobId, outcome: { kind: 'failed', error: { status: 500, message: 'Internal error while deriving: disk full' } } },
    );
    // Our own failure: a 500 that does not tell the client why.
    expect((await first).error).toMatchObject({ status: 500, message: 'Could not generate the derivative; try again shortly' });
    expect(await deriveQueue.getJobState(jobId)).toBe('failed');

    const second = settled(obtainDerivative({ ...deps(), queues: counting }, image, request));
    await until(async () => (await deriveQueue.getJobState(jobId)) === 'waiting', 5_000, 'the derive job queued again');
    // A reopened job: Redis still held the failed one, which had to be cleared before it could be queued again.
    expect(asked).toBe(1);
    expect(await findJob(services.db, jobId)).toMatchObject({ status: 'queued', error: null });
    const reopened = await services.db.selectFrom('jobs').select(['finished_at', 'result']).where('id', '=', jobId).executeTakeFirstOrThrow();
    expect(reopened).toEqual({ finished_at: null, result: null });

    // The worker succeeds this time: the derivative is recorded, then the job.
    const derived: DerivedRecord = await recordDerived(services.db, {
      assetId: image.assetId,
      versionId: image.versionId,
      transformationHash: request.hash,
      format: 'png',
      transformation: request.canonical,
      storageKey: `assets/${image.assetId}/${image.versionId}/derived/${request.hash}.png`,
      contentType: 'image/png',
      bytes: 321,
      width: 60,
      height: 48,
      etag: 'f'.repeat(32),
    });
    await finishJob(
      { db: services.db, queues: services.queues, logger: services.logger },
      { jobId, outcome: { kind: 'completed', result: { storage_key: derived.storageKey } } },
    );
    const answered = await second;
    expect(answered.value).toEqual(derived);

    // Stored now: answered from the catalog, no job touched.
    const third = await settled(obtainDerivative(deps(), image, request));
    expect(third.value).toEqual(derived);
    expect(await findJob(services.db, jobId)).toMatchObject({ status: 'completed' });
    await deriveQueue.remove(jobId);
  });

  it('answers the derivative when its job completes between the read of the derivative and the read of the job', async () => {
    const request = await plan('w_95', { urlFormat: 'jpg' });
    const jobId = derivativeJobId(image.versionId, request.hash, 'jpg');
    // The worker commits the derivative and the job's end (one statement, as a first delivery's job does)
    // right after the wait's read of the derivative found nothing, before its read of the job.
    const derivedQueries = new Set<unknown>();
    let recorded: DerivedRecord | undefined;
    const racing: KyselyPlugin = {
      transformQuery({ node, queryId }) {
        const from = SelectQueryNode.is(node) ? node.from?.froms[0] : undefined;
        if (from && TableNode.is(from) && from.table.identifier.name === 'derived') derivedQueries.add(queryId);
        return node;
      },
      async transformResult({ result, queryId }) {
        if (!derivedQueries.delete(queryId) || recorded || result.rows.length > 0) return result;
        const derived = {
          assetId: image.assetId,
          versionId: image.versionId,
          transformationHash: request.hash,
          format: 'jpg',
          transformation: request.canonical,
          storageKey: `assets/${image.assetId}/${image.versionId}/derived/${request.hash}.jpg`,
          contentType: 'image/jpeg',
          bytes: 222,
          width: 95,
          height: 72,
          etag: 'd'.repeat(32),
        };
        recorded = (
          await recordDerivedEndingStandaloneJob(services.db, derived, { id: jobId, result: { storage_key: derived.storageKey } }, new Date())
        )?.derived;
        return result;
      },
    };
    const outcome = await settled(obtainDerivative({ ...deps(), db: services.db.withPlugin(racing) }, image, request));
    expect(recorded).toBeDefined();
    expect(outcome.error).toBeUndefined();
    expect(outcome.value).toEqual(recorded);
    await deriveQueue.remove(jobId);
  });

  it('joins concurrent first requests to one job', async () => {
    const request = await plan('w_70', { urlFormat: 'jpg' });
    const jobId = derivativeJobId(image.versionId, request.hash, 'jpg');
    const waiting = [0, 1, 2].map(() => settled(obtainDerivative(deps(), image, request)));
    await until(() => services.queues.isQueued('derive', jobId), 5_000, 'the derive job in Redis');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await deriveQueue.getWaitingCount()).toBe(1);
    expect(await services.db.selectFrom('jobs').select('id').where('id', '=', jobId).execute()).toHaveLength(1);
    await finishJob(
      { db: services.db, queues: services.queues, logger: services.logger },
      { jobId, outcome: { kind: 'failed', error: { status: 400, message: 'nope' } } },
    );
    for (const outcome of await Promise.all(waiting))
      expect(outcome.error).toMatchObject({ status: 400, message: 'Could not generate the derivative: nope' });
    await deriveQueue.remove(jobId);
  });

  it('answers 500 when the job has not finished by the deadline', async () => {
    const request = await plan('w_80', { urlFormat: 'jpg' });
    const outcome = await settled(obtainDerivative({ ...deps(), waitTimeoutMs: 300 }, image, request));
    expect(outcome.error).toMatchObject({ status: 500, expose: true, message: 'The derivative is still being generated; try again shortly' });
    expect(outcome.ms).toBeGreaterThanOrEqual(290);
    await deriveQueue.remove(derivativeJobId(image.versionId, request.hash, 'jpg'));
  });

  it('answers 503 at once when Redis has gone away', async () => {
    const redis = await startRedisServer();
    const queues = createJobQueues({ redisUrl: redis.url, prefix: services.prefix });
    try {
      await until(() => queues.isConnected(), 5_000, 'the private Redis');
      // The API has used its derive queue before Redis went away (see the report: a queue first used
      // while Redis is away is not refused fast).
      expect(await queues.isQueued('derive', randomUUID())).toBe(false);
      await redis.stop();
      await until(() => !queues.isConnected(), 5_000, 'the connection to notice');
      const request = await plan('w_90', { urlFormat: 'jpg' });
      const outcome = await settled(withDeadline(obtainDerivative({ ...deps(), queues }, image, request), 5_000));
      expect(outcome.error).toMatchObject({
        status: 503,
        expose: true,
        message: 'Service unavailable: the job queue cannot be reached, try again shortly',
      });
      expect(outcome.ms).toBeLessThan(1_000);
    } finally {
      await queues.close();
      await redis.close();
    }
  });
});

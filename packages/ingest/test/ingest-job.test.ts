import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchWithJobs, findAsset, findDerived } from '@rendition/catalog';
import { createIngestHandler, ingest, recordExhaustedIngestJob, runIngestJob, type IngestJobDependencies } from '@rendition/ingest';
import { IngestJobV1Schema, RejectedJobError, type IngestJobV1 } from '@rendition/jobs';
import { createGuardedFetcher } from '@rendition/net';
import { assetPrefix, originalKey, stagingKey } from '@rendition/storage';
import { ingestTestDependencies } from './ingest-test-dependencies.ts';
import { parseTransformation, planHash } from '@rendition/transform';
import { buildUploadNotification, serializeNotification } from '@rendition/webhooks';
import { fixturePath, hex32, newBatchId, startDomainTestServices, type DomainTestServices } from '@rendition/testing';

const PUBLIC_BASE = 'http://media.test:8080';
const SECURE_BASE = 'https://media.test';
const HOOK_A = 'http://hooks.example/a';
const HOOK_B = 'http://hooks.example/b';

let services: DomainTestServices;
let test: ReturnType<typeof ingestTestDependencies>;
let deps: IngestJobDependencies;
/** 576x384 PNG with alpha (sharp's test fixture). */
let png: Buffer;
/** 2725x2225 JPEG photo. */
let jpeg: Buffer;

beforeAll(async () => {
  services = await startDomainTestServices('ingest');
  test = ingestTestDependencies(services, { remoteRetries: 2, publicBaseUrl: PUBLIC_BASE, secureBaseUrl: SECURE_BASE });
  deps = test.deps;

  png = await readFile(fixturePath('images/embedgravitybird.png'));
  jpeg = await readFile(fixturePath('images/2569067123_aca715a2ee_o.jpg'));
});

afterAll(async () => {
  await test?.close();
  await services?.stop();
});

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

/** Stages `bytes` as the API does and records the upload's batch with its one ingest job. */
async function acceptedUpload(
  bytes: Buffer,
  options: {
    publicId?: string;
    measured?: boolean;
    /**
     * Held in the job's row (INLINE_UPLOAD_MAX_BYTES) instead of staged: `row` as intake writes it
     * (the bytes in inline_data); `payload` as rows written before migration 0031 (base64 in the payload).
     */
    inline?: 'row' | 'payload';
    resourceType?: IngestJobV1['request']['resourceType'];
    eager?: IngestJobV1['eager'];
    eagerInIngest?: boolean;
  } = {},
): Promise<IngestJobV1> {
  const key = stagingKey(randomUUID());
  if (!options.inline) await services.store.put(key, bytes);
  const jobId = randomUUID();
  const batchId = newBatchId();
  const job = IngestJobV1Schema.parse({
    v: 1,
    jobId,
    batchId,
    cloudName: 'demo',
    apiKey: services.credentials.apiKey,
    source: options.inline
      ? {
          kind: 'inline',
          ...(options.inline === 'payload' ? { data: bytes.toString('base64') } : {}),
          filename: 'bird.png',
          bytes: bytes.length,
          md5: md5(bytes),
        }
      : { kind: 'staged', key, filename: 'bird.png', ...(options.measured === false ? {} : { bytes: bytes.length, md5: md5(bytes) }) },
    newAssetId: hex32(),
    request: {
      resourceType: options.resourceType ?? 'image',
      type: 'upload',
      publicId: options.publicId ?? `birds/${hex32()}`,
      publicIdGenerated: false,
      originalFilename: 'bird',
      assetFolder: 'birds',
      displayName: null,
      overwrite: true,
      tags: ['a', 'b'],
      context: {},
      format: null,
      allowedFormats: [],
      accessMode: 'public',
    },
    eager: options.eager ?? [],
    eagerInIngest: options.eagerInIngest ?? false,
  });
  await createBatchWithJobs(
    services.db,
    { batchId, cloudName: 'demo', apiKey: services.credentials.apiKey, kind: 'upload', notificationUrls: [HOOK_A, HOOK_B] },
    [{ id: jobId, queue: 'ingest', kind: 'ingest', payload: job, ...(options.inline === 'row' ? { inlineData: bytes } : {}) }],
  );
  return job;
}

const jobRow = (id: string) => services.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const batchRow = (batchId: string) => services.db.selectFrom('batches').selectAll().where('batch_id', '=', batchId).executeTakeFirstOrThrow();
const deliveryRows = (batchId: string) =>
  services.db.selectFrom('webhook_deliveries').selectAll().where('batch_id', '=', batchId).orderBy('url').execute();
const versionRows = (assetId: string) => services.db.selectFrom('asset_versions').selectAll().where('asset_id', '=', assetId).execute();
const envelope = (batchId: string, triggeredAt: Date) => ({ requestId: batchId.slice(0, 32), triggeredAt, apiKey: services.credentials.apiKey });

async function storedKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of services.store.list(prefix)) keys.push(blob.key);
  return keys;
}

async function rejection(promise: Promise<unknown>): Promise<RejectedJobError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RejectedJobError);
  return error as RejectedJobError;
}

describe('the ingest job on a staged upload', () => {
  it('stores the original, commits the asset, completes the job and its batch with one delivery per URL', async () => {
    const job = await acceptedUpload(png);
    const handler = createIngestHandler(deps);
    const result = (await handler.handle(job, { jobId: job.jobId, attempt: 1, signal: new AbortController().signal })) as {
      response: Record<string, unknown>;
    };

    const versionId = job.jobId.replaceAll('-', '');
    const asset = await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId });
    expect(asset).toMatchObject({
      assetId: job.newAssetId,
      versionId,
      format: 'png',
      width: 576,
      height: 384,
      pages: 1,
      bytes: png.length,
      etag: md5(png),
      contentType: 'image/png',
      storageKey: originalKey(job.newAssetId, versionId),
      tags: ['a', 'b'],
      assetFolder: 'birds',
      displayName: job.request.publicId.split('/')[1],
      originalFilename: 'bird',
    });
    expect(await versionRows(job.newAssetId)).toHaveLength(1);
    // The original's bytes, unchanged; the staged copy is gone and so is the job's scratch directory.
    expect((await buffer(await services.store.get(originalKey(job.newAssetId, versionId)))).equals(png)).toBe(true);
    expect(await services.store.head(job.source.kind === 'staged' ? job.source.key : '')).toBeNull();
    expect(await readdir(services.scratchDir)).toEqual([]);

    const response = result.response;
    const version = asset!.version;
    expect(Object.keys(response)).toEqual([
      'asset_id',
      'public_id',
      'version',
      'version_id',
      'signature',
      'width',
      'height',
      'format',
      'resource_type',
      'created_at',
      'tags',
      'pages',
      'bytes',
      'type',
      'etag',
      'placeholder',
      'url',
      'secure_url',
      'folder',
      'asset_folder',
      'display_name',
      'access_mode',
      'original_filename',
      'api_key',
    ]);
    expect(response).toMatchObject({
      asset_id: job.newAssetId,
      public_id: job.request.publicId,
      version,
      version_id: versionId,
      signature: createHash('sha1').update(`public_id=${job.request.publicId}&version=${version}${services.credentials.apiSecret}`).digest('hex'),
      width: 576,
      height: 384,
      format: 'png',
      resource_type: 'image',
      bytes: png.length,
      type: 'upload',
      etag: md5(png),
      url: `${PUBLIC_BASE}/demo/image/upload/v${version}/${job.request.publicId}.png`,
      secure_url: `${SECURE_BASE}/demo/image/upload/v${version}/${job.request.publicId}.png`,
      folder: 'birds',
      api_key: services.credentials.apiKey,
    });

    const row = await jobRow(job.jobId);
    expect({ status: row.status, attempts: row.attempts, error: row.error }).toEqual({ status: 'completed', attempts: 1, error: null });
    expect(JSON.stringify(row.result)).toBe(JSON.stringify({ response }));
    const batch = await batchRow(job.batchId);
    expect({ status: batch.status, pending: batch.pending_jobs, error: batch.error }).toEqual({ status: 'complete', pending: 0, error: null });
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify(response));
    const deliveries = await deliveryRows(job.batchId);
    expect(deliveries.map((delivery) => delivery.url)).toEqual([HOOK_A, HOOK_B]);
    const body = serializeNotification(buildUploadNotification(response, envelope(job.batchId, batch.completed_at!)));
    for (const delivery of deliveries) {
      expect(delivery.body).toBe(body);
      expect(await services.queues.isQueued('notify', delivery.id)).toBe(true);
    }
  });

  it('reads a staged upload where the store keeps it, with no scratch copy or directory, and stores the same original', async () => {
    // No scratch directory can be made here: a staged file the store lends in place needs none.
    const noScratch = { ...deps, tmpDir: join(services.scratchDir, 'absent') };
    const eager = [{ requested: 'w_100', transformation: 'w_100', format: null }];
    const job = await acceptedUpload(png, { eager, eagerInIngest: true });
    const { response } = await runIngestJob(noScratch, job);
    expect(response).toMatchObject({ width: 576, height: 384, format: 'png', bytes: png.length, etag: md5(png) });
    const versionId = job.jobId.replaceAll('-', '');
    expect((await buffer(await services.store.get(originalKey(job.newAssetId, versionId)))).equals(png)).toBe(true);
    expect(await services.store.head(job.source.kind === 'staged' ? job.source.key : '')).toBeNull();
    const derived = await findDerived(services.db, {
      assetId: job.newAssetId,
      versionId,
      transformationHash: planHash(parseTransformation('w_100')),
      format: 'png',
    });
    expect(derived).toMatchObject({ width: 100, height: 67, format: 'png' });

    // A store that cannot lend a local file (S3): the staged bytes are copied to scratch, which it needs.
    const store = services.store;
    const storeWithoutLocalFile = new Proxy(store, {
      get: (target, name: keyof typeof store) =>
        name === 'localFile' ? undefined : typeof target[name] === 'function' ? target[name].bind(target) : target[name],
    });
    await expect(runIngestJob({ ...noScratch, store: storeWithoutLocalFile }, await acceptedUpload(png))).rejects.toThrow(/absent/);
    const copied = await acceptedUpload(png, { eager, eagerInIngest: true });
    const { response: throughScratch } = await runIngestJob({ ...deps, store: storeWithoutLocalFile }, copied);
    expect(throughScratch).toMatchObject({ width: 576, height: 384, format: 'png', bytes: png.length, etag: md5(png) });
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('reads a staged upload it has no measurements for (stream path) the same way', async () => {
    const job = await acceptedUpload(jpeg, { measured: false });
    const { response } = await runIngestJob(deps, job);
    expect(response).toMatchObject({ width: 2725, height: 2225, format: 'jpg', bytes: jpeg.length, etag: md5(jpeg) });
    const versionId = job.jobId.replaceAll('-', '');
    expect((await buffer(await services.store.get(originalKey(job.newAssetId, versionId)))).equals(jpeg)).toBe(true);
  });

  it('reads a small file from its outbox row, where intake recorded it beside the payload (bytea), never in the queued job', async () => {
    const job = await acceptedUpload(png, { inline: 'row' });
    const row = await jobRow(job.jobId);
    expect(row.inline_data?.equals(png)).toBe(true);
    expect(row.payload).toMatchObject({ source: { kind: 'inline', bytes: png.length, md5: md5(png) } });
    expect(JSON.stringify(row.payload)).not.toContain('"data"');
    const { response } = await runIngestJob(deps, job, { markActive: true, deferNewAsset: true });
    expect(response).toMatchObject({ width: 576, height: 384, format: 'png', bytes: png.length, etag: md5(png) });
    const versionId = job.jobId.replaceAll('-', '');
    expect((await buffer(await services.store.get(originalKey(job.newAssetId, versionId)))).equals(png)).toBe(true);
    expect((await jobRow(job.jobId)).status).toBe('completed');
  });

  it('stores a small image from memory, with no scratch file or directory, recording what a staged upload of it records', async () => {
    // No scratch directory can be made here: the ingest must not need one.
    const noScratch = { ...deps, tmpDir: join(services.scratchDir, 'absent') };
    const inline = await acceptedUpload(png, { inline: 'row' });
    const { response } = await runIngestJob(noScratch, inline, { markActive: true, deferNewAsset: true });
    expect(response).toMatchObject({ width: 576, height: 384, format: 'png', bytes: png.length, etag: md5(png) });
    const versionId = inline.jobId.replaceAll('-', '');
    expect((await buffer(await services.store.get(originalKey(inline.newAssetId, versionId)))).equals(png)).toBe(true);

    const staged = await acceptedUpload(png);
    await runIngestJob(deps, staged);
    const stored = async (job: IngestJobV1) =>
      findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId });
    const [fromMemory, fromStaging] = [await stored(inline), await stored(staged)];
    expect(fromMemory?.imageMetadata).toMatchObject({ ImageWidth: '576', ColorType: 'RGB with Alpha', DPI: '72' });
    expect(fromMemory?.imageMetadata).toEqual(fromStaging?.imageMetadata);
    const facts = (asset: typeof fromMemory) =>
      asset && [asset.format, asset.width, asset.height, asset.pages, asset.bytes, asset.etag, asset.contentType];
    expect(facts(fromMemory)).toEqual(facts(fromStaging));
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('writes a small upload to scratch for a step that needs a file (a conversion on upload), and removes it after', async () => {
    const job = await acceptedUpload(png, { inline: 'row' });
    const converting = { ...job, request: { ...job.request, format: 'jpg' } };
    const { response } = await runIngestJob(deps, converting, { markActive: true, deferNewAsset: true });
    expect(response).toMatchObject({ width: 576, height: 384, format: 'jpg' });
    const versionId = job.jobId.replaceAll('-', '');
    const stored = await buffer(await services.store.get(originalKey(job.newAssetId, versionId)));
    expect([...stored.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(await readdir(services.scratchDir)).toEqual([]);
    // The same upload without a scratch directory fails for want of one: the conversion did read a file.
    const again = await acceptedUpload(png, { inline: 'row' });
    const failure: unknown = await runIngestJob(
      { ...deps, tmpDir: join(services.scratchDir, 'absent') },
      { ...again, request: { ...again.request, format: 'jpg' } },
      { markActive: true, deferNewAsset: true },
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ENOENT' });
  });

  it('fails the job for another attempt when storing the original fails while the upload is probed, recording nothing', async () => {
    const failingPut = new Proxy(services.store, {
      get(target, name) {
        if (name === 'put') return () => Promise.reject(new Error('disk full'));
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const job = await acceptedUpload(png, { inline: 'row' });
    const failure: unknown = await runIngestJob({ ...deps, store: failingPut }, job, { markActive: true, deferNewAsset: true }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(RejectedJobError);
    expect((failure as Error).message).toBe('disk full');
    expect(await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId })).toBeUndefined();
    expect(await storedKeys(assetPrefix(job.newAssetId))).toEqual([]);
    expect((await jobRow(job.jobId)).status).toBe('active');
    // The next attempt, with a store that works, stores and records it.
    const { response } = await runIngestJob(deps, job, { markActive: true, deferNewAsset: true });
    expect(response).toMatchObject({ width: 576, height: 384, bytes: png.length });
    const versionId = job.jobId.replaceAll('-', '');
    expect((await buffer(await services.store.get(originalKey(job.newAssetId, versionId)))).equals(png)).toBe(true);
  });

  it('refuses a truncated small image from memory with the 400 a staged one gets, storing nothing', async () => {
    const half = png.subarray(0, png.length >> 1);
    const job = await acceptedUpload(half, { inline: 'row' });
    const error = await rejection(
      runIngestJob({ ...deps, tmpDir: join(services.scratchDir, 'absent') }, job, { markActive: true, deferNewAsset: true }),
    );
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: 'Invalid image file' });
    expect(await storedKeys(assetPrefix(job.newAssetId))).toEqual([]);
    expect((await jobRow(job.jobId)).status).toBe('failed');
  });

  it('reads a row written before migration 0031 (the bytes as base64 in the payload) whether the queued job carries them or not', async () => {
    for (const carried of [false, true]) {
      const job = await acceptedUpload(png, { inline: 'payload' });
      expect((await jobRow(job.jobId)).inline_data).toBeNull();
      const { data: inRow, ...source } = job.source as Extract<IngestJobV1['source'], { kind: 'inline' }>;
      expect(inRow).toBe(png.toString('base64'));
      const { response } = await runIngestJob(deps, carried ? job : { ...job, source }, { markActive: true, deferNewAsset: true });
      expect(response).toMatchObject({ width: 576, height: 384, bytes: png.length, etag: md5(png) });
      const versionId = job.jobId.replaceAll('-', '');
      expect((await buffer(await services.store.get(originalKey(job.newAssetId, versionId)))).equals(png)).toBe(true);
    }
  });

  it('fails a queued job without bytes whose row has ended, storing nothing', async () => {
    const job = await acceptedUpload(png, { inline: 'row' });
    await services.db.updateTable('jobs').set({ status: 'failed', finished_at: new Date() }).where('id', '=', job.jobId).execute();
    const error = await rejection(runIngestJob(deps, job, { markActive: true, deferNewAsset: true }));
    expect(error.message).toBe(`The bytes of job ${job.jobId} are not in its outbox row: it has ended`);
    expect(await storedKeys(assetPrefix(job.newAssetId))).toEqual([]);
    expect(await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId })).toBeUndefined();
  });

  it('refuses a truncated image with Cloudinary 400, fails the job and its batch, and deletes the staged bytes', async () => {
    const half = jpeg.subarray(0, Math.floor(jpeg.length / 2));
    const job = await acceptedUpload(half);
    const error = await rejection(createIngestHandler(deps).handle(job, { jobId: job.jobId, attempt: 1, signal: new AbortController().signal }));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: 'Invalid image file' });

    expect(await services.store.head(job.source.kind === 'staged' ? job.source.key : '')).toBeNull();
    expect(await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId })).toBeUndefined();
    expect(await storedKeys(`assets/${job.newAssetId}/`)).toEqual([]);
    expect(await readdir(services.scratchDir)).toEqual([]);
    const row = await jobRow(job.jobId);
    expect({ status: row.status, error: row.error, result: row.result }).toEqual({
      status: 'failed',
      error: { status: 400, message: 'Invalid image file' },
      result: null,
    });
    const batch = await batchRow(job.batchId);
    expect({ status: batch.status, pending: batch.pending_jobs, error: batch.error, result: batch.result }).toEqual({
      status: 'failed',
      pending: 0,
      error: { status: 400, message: 'Invalid image file' },
      result: null,
    });
    const body = serializeNotification(
      buildUploadNotification(
        { status: 'failed', batch_id: job.batchId, error: { message: 'Invalid image file' } },
        envelope(job.batchId, batch.completed_at!),
      ),
    );
    expect((await deliveryRows(job.batchId)).map((delivery) => [delivery.url, delivery.body])).toEqual([
      [HOOK_A, body],
      [HOOK_B, body],
    ]);
  });

  it.each([
    ['bytes that are no image at all', () => Buffer.from('just some text, not an image'), 'image', 'Invalid image file'],
    ['an image sent as a video', () => png, 'video', 'Invalid video file'],
  ] as const)('refuses %s with a 400', async (_label, bytes, resourceType, message) => {
    const job = await acceptedUpload(bytes(), { resourceType });
    const error = await rejection(runIngestJob(deps, job));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message });
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'failed', error: { status: 400, message } });
    expect(await services.store.head(job.source.kind === 'staged' ? job.source.key : '')).toBeNull();
  });

  it('ends the job and its batch as failed (401) when the requesting key no longer exists, so nothing waits forever', async () => {
    const job = { ...(await acceptedUpload(png)), apiKey: '999999999999999' };
    const error = await rejection(runIngestJob(deps, job));
    expect({ status: error.status, message: error.message }).toEqual({ status: 401, message: 'Unknown API key 999999999999999' });
    const row = await jobRow(job.jobId);
    expect({ status: row.status, error: row.error }).toEqual({ status: 'failed', error: { status: 401, message: 'Unknown API key 999999999999999' } });
    const batch = await batchRow(job.batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'failed', pending: 0 });
  });

  it('records the upload the usual way when its public_id is taken after the ingest began (overwrite=false: existing)', async () => {
    const handle = (job: IngestJobV1) => createIngestHandler(deps).handle(job, { jobId: job.jobId, attempt: 1, signal: new AbortController().signal });
    const template = await acceptedUpload(png);
    await handle(template);
    const templateAsset = await findAsset(services.db, {
      cloudName: 'demo',
      resourceType: 'image',
      type: 'upload',
      publicId: template.request.publicId,
    });
    const queued = await acceptedUpload(png);
    const job = { ...queued, request: { ...queued.request, overwrite: false } };
    const takerId = hex32();
    // As a concurrent upload would: the public_id is taken right after the ingest's first statement read it free.
    await sql`CREATE FUNCTION take_public_id() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO assets SELECT (jsonb_populate_record(NULL::assets, to_jsonb(a) || jsonb_build_object('asset_id', '${sql.raw(takerId)}', 'public_id', '${sql.raw(job.request.publicId)}'))).*
      FROM assets a WHERE asset_id = '${sql.raw(templateAsset!.assetId)}';
      RETURN NULL; END $$`.execute(services.db);
    await sql`CREATE TRIGGER take_public_id AFTER UPDATE ON jobs FOR EACH ROW WHEN (NEW.id = '${sql.raw(job.jobId)}' AND NEW.status = 'active') EXECUTE FUNCTION take_public_id()`.execute(
      services.db,
    );
    let result;
    try {
      result = (await handle(job)) as { response: Record<string, unknown> };
    } finally {
      await sql`DROP TRIGGER take_public_id ON jobs`.execute(services.db);
      await sql`DROP FUNCTION take_public_id()`.execute(services.db);
    }
    expect(result.response).toMatchObject({ existing: true, asset_id: takerId, public_id: job.request.publicId });
    expect(await services.db.selectFrom('assets').select('asset_id').where('asset_id', '=', job.newAssetId).executeTakeFirst()).toBeUndefined();
    // The blob it stored for the asset it could not record is gone again.
    expect(await storedKeys(assetPrefix(job.newAssetId))).toEqual([]);
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'completed', attempts: 1 });
    const batch = await batchRow(job.batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify(result.response));
    expect(await deliveryRows(job.batchId)).toHaveLength(2);
  });

  it('is idempotent: the same job run twice yields one asset version and one set of notifications', async () => {
    const job = await acceptedUpload(png);
    const first = await runIngestJob(deps, job);
    const second = await runIngestJob(deps, job);
    expect(second).toEqual(first);
    const versions = await versionRows(job.newAssetId);
    expect(versions.map((version) => version.version_id)).toEqual([job.jobId.replaceAll('-', '')]);
    expect(await storedKeys(`assets/${job.newAssetId}/`)).toEqual([originalKey(job.newAssetId, job.jobId.replaceAll('-', ''))]);
    expect(await deliveryRows(job.batchId)).toHaveLength(2);
    expect(await batchRow(job.batchId)).toMatchObject({ status: 'complete', pending_jobs: 0 });
  });

  it('finishes a job whose version was committed before a crash, without storing it again, and deletes the staged bytes', async () => {
    const job = await acceptedUpload(png);
    const stagedKey = job.source.kind === 'staged' ? job.source.key : '';
    // The first attempt stored and committed, then died before it deleted the staged bytes and finished its job.
    const committed = await ingest(deps, job);
    await services.store.put(stagedKey, png);
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'queued', finished_at: null });
    const { response } = await runIngestJob(deps, job);
    expect(await services.store.head(stagedKey)).toBeNull();
    expect(await readdir(services.scratchDir)).toEqual([]);
    expect(response).toMatchObject({ asset_id: committed.asset.assetId, version: committed.asset.version, version_id: committed.asset.versionId });
    expect(await versionRows(job.newAssetId)).toHaveLength(1);
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'completed' });
    expect(await batchRow(job.batchId)).toMatchObject({ status: 'complete' });
  });

  it('derives the first eager item itself and queues the others as derive jobs of the batch', async () => {
    const eager = [
      { requested: 'w_100', transformation: 'w_100', format: null },
      { requested: 'w_50/webp', transformation: 'w_50', format: 'webp' },
    ];
    const job = await acceptedUpload(png, { eager, eagerInIngest: true });
    const { response } = await runIngestJob(deps, job);
    const versionId = job.jobId.replaceAll('-', '');
    const derived = await findDerived(services.db, {
      assetId: job.newAssetId,
      versionId,
      transformationHash: planHash(parseTransformation('w_100')),
      format: 'png',
    });
    expect(derived).toMatchObject({ width: 100, height: 67, format: 'png', transformation: 'w_100' });
    expect((await services.store.head(derived!.storageKey))?.size).toBe(derived!.bytes);

    const batch = await batchRow(job.batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'pending', pending: 1 });
    expect(batch.result).toEqual({
      ...response,
      eager: [
        {
          transformation: 'w_100',
          width: 100,
          height: 67,
          bytes: derived!.bytes,
          format: 'png',
          url: `${PUBLIC_BASE}/demo/image/upload/w_100/v${response.version as number}/${job.request.publicId}.png`,
          secure_url: `${SECURE_BASE}/demo/image/upload/w_100/v${response.version as number}/${job.request.publicId}.png`,
        },
      ],
    });
    const followUps = await services.db.selectFrom('jobs').selectAll().where('batch_id', '=', job.batchId).where('kind', '=', 'derive').execute();
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatchObject({
      queue: 'derive',
      status: 'queued',
      payload: {
        v: 1,
        cloudName: 'demo',
        assetId: job.newAssetId,
        versionId,
        transformation: 'w_50',
        format: 'webp',
        eager: { jobId: followUps[0]!.id, batchId: job.batchId, index: 1, requested: 'w_50/webp' },
      },
    });
    expect(await services.queues.isQueued('derive', followUps[0]!.id)).toBe(true);
    expect(await deliveryRows(job.batchId)).toEqual([]);
  });

  it("derives a small upload's first eager item from memory into memory, with no scratch directory; the same bytes as through files", async () => {
    const eager = [{ requested: 'w_100', transformation: 'w_100', format: null }];
    const storedItem = async (job: IngestJobV1) => {
      const derived = await findDerived(services.db, {
        assetId: job.newAssetId,
        versionId: job.jobId.replaceAll('-', ''),
        transformationHash: planHash(parseTransformation('w_100')),
        format: 'png',
      });
      return { derived, bytes: derived && (await buffer(await services.store.get(derived.storageKey))) };
    };
    // No scratch directory can be made: the original, the derivation and its output all stay in memory.
    const inline = await acceptedUpload(png, { inline: 'row', eager, eagerInIngest: true });
    await runIngestJob({ ...deps, tmpDir: join(services.scratchDir, 'absent') }, inline, { markActive: true, deferNewAsset: true });
    // The same upload staged, its item written to a scratch file (no output kept in memory).
    const staged = await acceptedUpload(png, { eager, eagerInIngest: true });
    await runIngestJob({ ...deps, limits: { ...deps.limits, inMemoryOutputPixels: 0 } }, staged);

    const [fromMemory, throughFiles] = [await storedItem(inline), await storedItem(staged)];
    expect(fromMemory.derived).toMatchObject({ width: 100, height: 67, format: 'png', bytes: fromMemory.bytes!.length, etag: md5(fromMemory.bytes!) });
    expect(throughFiles.derived).toMatchObject({ width: 100, height: 67, bytes: throughFiles.bytes!.length, etag: md5(throughFiles.bytes!) });
    expect(fromMemory.bytes!.equals(throughFiles.bytes!)).toBe(true);
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('records an exhausted job (internal failures) as a 500 and deletes the staged bytes', async () => {
    const job = await acceptedUpload(png);
    await recordExhaustedIngestJob(deps, job, new Error('connection reset'));
    expect(await services.store.head(job.source.kind === 'staged' ? job.source.key : '')).toBeNull();
    expect(await jobRow(job.jobId)).toMatchObject({
      status: 'failed',
      error: { status: 500, message: 'Internal error while processing the upload: connection reset' },
    });
    expect(await batchRow(job.batchId)).toMatchObject({
      status: 'failed',
      error: { status: 500, message: 'Internal error while processing the upload: connection reset' },
    });
  });
});

describe('the ingest job on a remote source', () => {
  /** A recorded upload, run as if its source were `url` (the job row's payload is not read by the handler). */
  async function acceptedRemoteUpload(url: string): Promise<IngestJobV1> {
    const job = await acceptedUpload(png);
    if (job.source.kind === 'staged') await services.store.delete(job.source.key);
    return IngestJobV1Schema.parse({ ...job, source: { kind: 'remote', url } });
  }

  it('refuses a source it cannot connect to with a 400 on the first attempt, without a retry of the job', async () => {
    const loopback = createGuardedFetcher({ allow: ['127.0.0.1/32'], timeoutMs: 2_000, maxBytes: 1_000_000, maxRedirects: 0 });
    try {
      const { createServer } = await import('node:net');
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as { port: number }).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const url = `http://127.0.0.1:${port}/x.png`;
      const job = await acceptedRemoteUpload(url);
      const started = Date.now();
      const error = await rejection(
        createIngestHandler({ ...deps, fetcher: loopback }).handle(job, { jobId: job.jobId, attempt: 1, signal: new AbortController().signal }),
      );
      expect(error).toBeInstanceOf(RejectedJobError);
      expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: `Error in loading ${url} - connection refused` });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await jobRow(job.jobId)).toMatchObject({
        status: 'failed',
        error: { status: 400, message: `Error in loading ${url} - connection refused` },
      });
      expect(await readdir(services.scratchDir)).toEqual([]);
    } finally {
      await loopback.close();
    }
  });
});

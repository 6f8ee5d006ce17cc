import { createHash, randomUUID } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitAssetVersion,
  createBatchWithJobs,
  findDerived,
  recordDerived,
  recordStandaloneJob,
  runWithStatementTally,
  type AssetRecord,
} from '@rendition/catalog';
import { createDeriveHandler, type DeriveHandlerDependencies } from '@rendition/derive';
import { derivativeJobId, eagerDeriveJobs, type EagerSpec } from '@rendition/derivations';
import { RejectedJobError, type DeriveJobV1 } from '@rendition/jobs';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS, probeImage, type DocumentEngine } from '@rendition/media';
import { derivedKey, originalKey } from '@rendition/storage';
import { parseTransformation, planHash } from '@rendition/transform';
import { fixturePath, hex32, newBatchId, popplerPage, renderingLikeness, startDomainTestServices, type DomainTestServices } from '@rendition/testing';
import { DERIVE_TEST_LIMITS } from './derive-test-limits.ts';

const PUBLIC_BASE = 'http://media.test:8080';
const SECURE_BASE = 'https://media.test';

let services: DomainTestServices;
let deps: DeriveHandlerDependencies;
let documents: DocumentEngine;
/** How many pages the engine rendered: a refusal before rendering leaves it unchanged. */
let renders = 0;
/** A committed 576x384 PNG (sharp's embedgravitybird.png), stored under its original key. */
let bird: AssetRecord;

/** A fixture committed as ingest records it: its original under its key, its facts in the catalog. */
async function commitFixture(
  publicId: string,
  original: { fixture: string; format: string; contentType: string; width: number | null; height: number | null; pages: number },
  assetId = hex32(),
): Promise<AssetRecord> {
  const versionId = hex32();
  const storageKey = originalKey(assetId, versionId);
  const { size } = await services.store.putFile(storageKey, fixturePath(original.fixture));
  const committed = await commitAssetVersion(services.db, {
    overwrite: true,
    asset: {
      cloudName: 'demo',
      resourceType: 'image',
      type: 'upload',
      publicId,
      assetId,
      version: Math.floor(Date.now() / 1000),
      versionId,
      format: original.format,
      width: original.width,
      height: original.height,
      pages: original.pages,
      bytes: size,
      etag: 'e'.repeat(32),
      contentType: original.contentType,
      storageKey,
      tags: [],
      context: {},
      metadata: {},
      assetFolder: '',
      displayName: publicId,
      originalFilename: null,
      accessMode: 'public',
      createdAt: new Date(),
    },
  });
  if (committed.kind !== 'created' && committed.kind !== 'overwritten') throw new Error(`unexpected commit ${committed.kind}`);
  return committed.asset;
}

const BIRD = { fixture: 'images/embedgravitybird.png', format: 'png', contentType: 'image/png', width: 576, height: 384, pages: 1 };
const commitBird = (publicId: string, assetId?: string) => commitFixture(publicId, BIRD, assetId);

beforeAll(async () => {
  services = await startDomainTestServices('derive');
  documents = createDocumentEngine(DEFAULT_DOCUMENT_LIMITS);
  const counted: DocumentEngine = {
    probePdf: (path) => documents.probePdf(path),
    extractText: (path) => documents.extractText(path),
    renderPdfPage: (path, outputPath, options) => {
      renders += 1;
      return documents.renderPdfPage(path, outputPath, options);
    },
    close: () => documents.close(),
  };
  deps = {
    db: services.db,
    store: services.store,
    queues: services.queues,
    logger: services.logger,
    tmpDir: services.scratchDir,
    limits: DERIVE_TEST_LIMITS,
    documents: counted,
    publicBaseUrl: PUBLIC_BASE,
    secureBaseUrl: SECURE_BASE,
  };
  bird = await commitBird('birds/gravity');
});

afterAll(async () => {
  await documents?.close();
  await services?.stop();
});

const jobRow = (id: string) => services.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const batchRow = (batchId: string) => services.db.selectFrom('batches').selectAll().where('batch_id', '=', batchId).executeTakeFirstOrThrow();

/** An explicit-style batch: the asset's response so far, and one derive job per eager item. */
async function eagerBatch(asset: AssetRecord, specs: EagerSpec[]) {
  const batchId = newBatchId();
  const jobs = eagerDeriveJobs(asset, specs, batchId);
  await createBatchWithJobs(
    services.db,
    {
      batchId,
      cloudName: 'demo',
      apiKey: services.credentials.apiKey,
      kind: 'explicit',
      notificationUrls: ['http://hooks.example/a'],
      result: { public_id: asset.publicId, asset_id: asset.assetId },
    },
    jobs,
  );
  return { batchId, jobs };
}

const run = (payload: DeriveJobV1, jobId: string) =>
  createDeriveHandler(deps).handle(payload, { jobId, attempt: 1, signal: new AbortController().signal });

async function rejection(promise: Promise<unknown>): Promise<RejectedJobError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RejectedJobError);
  return error as RejectedJobError;
}

describe('the derive job of an eager item', () => {
  const specs: EagerSpec[] = [
    { requested: 'w_100', transformation: 'w_100', format: null },
    { requested: 'e_grayscale/jpg', transformation: 'e_grayscale', format: 'jpg' },
    { requested: 'w_150,h_100,c_fill/webp', transformation: 'c_fill,h_100,w_150', format: 'webp' },
  ];

  it('puts its item at its index of the batch eager list, with the derived dimensions, and stores the derivative', async () => {
    const { batchId, jobs } = await eagerBatch(bird, specs);
    const third = jobs[2]!;
    const answer = await run(third.payload, third.id);

    const hash = planHash(parseTransformation('c_fill,h_100,w_150'));
    const derived = await findDerived(services.db, { assetId: bird.assetId, versionId: bird.versionId, transformationHash: hash, format: 'webp' });
    expect(derived).toMatchObject({ width: 150, height: 100, format: 'webp', contentType: 'image/webp', transformation: 'c_fill,h_100,w_150' });
    expect(derived?.storageKey).toBe(derivedKey(bird.assetId, bird.versionId, hash, 'webp'));
    expect(answer).toEqual({ storageKey: derived!.storageKey });
    // The stored bytes are that WebP.
    const bytes = await buffer(await services.store.get(derived!.storageKey));
    expect(bytes.length).toBe(derived!.bytes);
    const copy = join(services.scratchDir, `check-${randomUUID()}.webp`);
    await writeFile(copy, bytes);
    expect(await probeImage(copy, { maxInputPixels: 1_000_000, timeoutSeconds: 5 })).toMatchObject({ format: 'webp', width: 150, height: 100 });
    await rm(copy);

    const item = {
      transformation: 'w_150,h_100,c_fill/webp',
      width: 150,
      height: 100,
      bytes: derived!.bytes,
      format: 'webp',
      url: `${PUBLIC_BASE}/demo/image/upload/c_fill,h_100,w_150/v${bird.version}/birds/gravity.webp`,
      secure_url: `${SECURE_BASE}/demo/image/upload/c_fill,h_100,w_150/v${bird.version}/birds/gravity.webp`,
    };
    const batch = await batchRow(batchId);
    expect({ status: batch.status, pending: batch.pending_jobs }).toEqual({ status: 'pending', pending: 2 });
    // Items 0 and 1 are not done yet: their places stay empty.
    expect(JSON.stringify(batch.result)).toBe(JSON.stringify({ public_id: 'birds/gravity', asset_id: bird.assetId, eager: [null, null, item] }));
    const row = await jobRow(third.id);
    expect({ status: row.status, error: row.error }).toEqual({ status: 'completed', error: null });
    expect(JSON.stringify(row.result)).toBe(JSON.stringify(item));

    await run(jobs[0]!.payload, jobs[0]!.id);
    await run(jobs[1]!.payload, jobs[1]!.id);
    const done = await batchRow(batchId);
    expect({ status: done.status, pending: done.pending_jobs }).toEqual({ status: 'complete', pending: 0 });
    const eager = (done.result as { eager: Array<Record<string, unknown>> }).eager;
    expect(eager.map((entry) => [entry.transformation, entry.width, entry.height, entry.format])).toEqual([
      ['w_100', 100, 67, 'png'],
      ['e_grayscale/jpg', 576, 384, 'jpg'],
      ['w_150,h_100,c_fill/webp', 150, 100, 'webp'],
    ]);
    expect(await services.db.selectFrom('webhook_deliveries').select('id').where('batch_id', '=', batchId).execute()).toHaveLength(1);
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('is idempotent: a rerun of the same job keeps the one derivative and changes nothing', async () => {
    const { batchId, jobs } = await eagerBatch(bird, specs.slice(0, 1));
    await run(jobs[0]!.payload, jobs[0]!.id);
    const before = { batch: await batchRow(batchId), job: await jobRow(jobs[0]!.id) };
    expect(await run(jobs[0]!.payload, jobs[0]!.id)).toEqual({
      storageKey: derivedKey(bird.assetId, bird.versionId, planHash(parseTransformation('w_100')), 'png'),
    });
    expect(await batchRow(batchId)).toEqual(before.batch);
    expect(await jobRow(jobs[0]!.id)).toEqual(before.job);
    expect(
      await services.db.selectFrom('derived').select('format').where('version_id', '=', bird.versionId).where('transformation', '=', 'w_100').execute(),
    ).toHaveLength(1);
  });

  it('refuses a derive of a replaced (deleted) version with a 404 and fails its job and batch', async () => {
    const first = await commitBird(`birds/replaced-${hex32()}`);
    const { batchId, jobs } = await eagerBatch(first, specs.slice(0, 1));
    const second = await commitBird(first.publicId, first.assetId);
    expect(second.versionId).not.toBe(first.versionId);

    const error = await rejection(run(jobs[0]!.payload, jobs[0]!.id));
    expect({ status: error.status, message: error.message }).toEqual({
      status: 404,
      message: 'Resource not found - the asset version no longer exists',
    });
    const row = await jobRow(jobs[0]!.id);
    expect({ status: row.status, error: row.error, result: row.result }).toEqual({
      status: 'failed',
      error: { status: 404, message: 'Resource not found - the asset version no longer exists' },
      result: null,
    });
    expect(await batchRow(batchId)).toMatchObject({
      status: 'failed',
      pending_jobs: 0,
      error: { status: 404, message: 'Resource not found - the asset version no longer exists' },
    });
    expect(await services.db.selectFrom('derived').select('format').where('version_id', '=', first.versionId).execute()).toEqual([]);
  });

  it('refuses a transformation beyond the output limits with a 400 and stores nothing', async () => {
    const { batchId, jobs } = await eagerBatch(bird, [{ requested: 'w_20000', transformation: 'w_20000', format: null }]);
    const error = await rejection(run(jobs[0]!.payload, jobs[0]!.id));
    expect({ status: error.status, message: error.message }).toEqual({
      status: 400,
      message: 'Requested output of 20000x13333 exceeds the maximum of 10000 pixels per side',
    });
    expect(await jobRow(jobs[0]!.id)).toMatchObject({ status: 'failed', error: { status: 400, message: error.message } });
    expect(await batchRow(batchId)).toMatchObject({ status: 'failed' });
    expect(await services.db.selectFrom('derived').select('format').where('transformation', '=', 'w_20000').execute()).toEqual([]);
  });
});

describe('the derive job of a first delivery', () => {
  it('finishes its standalone job with the storage key, in the statement that records the derivative', async () => {
    const hash = planHash(parseTransformation('w_64'));
    const jobId = derivativeJobId(bird.versionId, hash, 'avif');
    const payload: DeriveJobV1 = { v: 1, cloudName: 'demo', assetId: bird.assetId, versionId: bird.versionId, transformation: 'w_64', format: 'avif' };
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload });
    const tally = { statements: 0 };
    const answer = await runWithStatementTally(tally, () => run(payload, jobId));
    // Its start (the derivative or its asset), then the derivative recorded with the job's end.
    expect(tally.statements).toBe(2);
    expect(answer).toEqual({ storageKey: derivedKey(bird.assetId, bird.versionId, hash, 'avif') });
    expect(await jobRow(jobId)).toMatchObject({
      status: 'completed',
      batch_id: null,
      result: { storage_key: derivedKey(bird.assetId, bird.versionId, hash, 'avif') },
    });
    expect(
      await findDerived(services.db, { assetId: bird.assetId, versionId: bird.versionId, transformationHash: hash, format: 'avif' }),
    ).toMatchObject({ width: 64, height: 43 });
  });

  it('records the derivative another run stored meanwhile, and ends its job the usual way', async () => {
    const hash = planHash(parseTransformation('w_66'));
    const jobId = derivativeJobId(bird.versionId, hash, 'png');
    const payload: DeriveJobV1 = { v: 1, cloudName: 'demo', assetId: bird.assetId, versionId: bird.versionId, transformation: 'w_66', format: 'png' };
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload });
    const storageKey = derivedKey(bird.assetId, bird.versionId, hash, 'png');
    // The other run records its row while this one stores the bytes (the same key: a derivative's key is its identity).
    const racing = new Proxy(services.store, {
      get(target, name) {
        if (name === 'put' || name === 'putFile') {
          return async (...args: unknown[]) => {
            await recordDerived(services.db, {
              assetId: bird.assetId,
              versionId: bird.versionId,
              transformationHash: hash,
              format: 'png',
              transformation: 'w_66',
              storageKey,
              contentType: 'image/png',
              bytes: 1,
              width: 66,
              height: 44,
              etag: 'b'.repeat(32),
            });
            return (Reflect.get(target, name) as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const answer = await createDeriveHandler({ ...deps, store: racing }).handle(payload, { jobId, attempt: 1, signal: new AbortController().signal });
    expect(answer).toEqual({ storageKey });
    // The first writer's row stands; the job ended all the same.
    expect(await findDerived(services.db, { assetId: bird.assetId, versionId: bird.versionId, transformationHash: hash, format: 'png' })).toMatchObject(
      {
        etag: 'b'.repeat(32),
      },
    );
    expect(await jobRow(jobId)).toMatchObject({ status: 'completed', result: { storage_key: storageKey } });
  });

  it('records an exhausted job as a 500, and has nothing to record for a queue id that is no outbox id', async () => {
    const hash = planHash(parseTransformation('w_65'));
    const jobId = derivativeJobId(bird.versionId, hash, 'jpg');
    const payload: DeriveJobV1 = { v: 1, cloudName: 'demo', assetId: bird.assetId, versionId: bird.versionId, transformation: 'w_65', format: 'jpg' };
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload });
    const handler = createDeriveHandler(deps);
    await handler.onExhausted!(payload, new Error('disk full'), { jobId: 'legacy-id', attempt: 3, signal: new AbortController().signal });
    expect(await jobRow(jobId)).toMatchObject({ status: 'queued', finished_at: null });
    await handler.onExhausted!(payload, new Error('disk full'), { jobId, attempt: 3, signal: new AbortController().signal });
    expect(await jobRow(jobId)).toMatchObject({ status: 'failed', error: { status: 500, message: 'Internal error while deriving: disk full' } });
  });
});

describe('where a derivative is encoded', () => {
  const firstDelivery = (asset: AssetRecord, transformation: string, format: DeriveJobV1['format']): DeriveJobV1 => ({
    v: 1,
    cloudName: 'demo',
    assetId: asset.assetId,
    versionId: asset.versionId,
    transformation,
    format,
  });
  const stored = async (asset: AssetRecord, transformation: string, format: string) => {
    const key = { assetId: asset.assetId, versionId: asset.versionId, transformationHash: planHash(parseTransformation(transformation)), format };
    const derived = await findDerived(services.db, key);
    const bytes = await buffer(await services.store.get(derived!.storageKey));
    return { derived: derived!, bytes };
  };
  const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

  it('stores a derivative within the in-memory bound from memory, with no scratch directory; the same bytes and etag as through a file', async () => {
    // A scratch directory that cannot be made: only a derivation that needs none succeeds.
    const noScratch = join(services.scratchDir, `missing-${randomUUID()}`, 'scratch');
    const inMemory = { ...deps, tmpDir: noScratch, limits: { ...deps.limits, inMemoryOutputPixels: 80 * 53 } };
    const viaFile = { ...deps, limits: { ...deps.limits, inMemoryOutputPixels: 80 * 53 - 1 } };
    const [one, two] = [await commitBird('birds/in-memory'), await commitBird('birds/via-file')];

    await createDeriveHandler(inMemory).handle(firstDelivery(one, 'w_80', 'jpg'), { jobId: 'q-1', attempt: 1, signal: new AbortController().signal });
    // One pixel over the bound, the same derivation needs its scratch file.
    await expect(
      createDeriveHandler({ ...viaFile, tmpDir: noScratch }).handle(firstDelivery(two, 'w_80', 'jpg'), {
        jobId: 'q-2',
        attempt: 1,
        signal: new AbortController().signal,
      }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    await createDeriveHandler(viaFile).handle(firstDelivery(two, 'w_80', 'jpg'), { jobId: 'q-3', attempt: 1, signal: new AbortController().signal });

    const [fromMemory, fromFile] = [await stored(one, 'w_80', 'jpg'), await stored(two, 'w_80', 'jpg')];
    expect(fromMemory.bytes.equals(fromFile.bytes)).toBe(true);
    expect(fromMemory.derived).toMatchObject({
      width: 80,
      height: 53,
      bytes: fromMemory.bytes.length,
      etag: md5(fromMemory.bytes),
      contentType: 'image/jpeg',
    });
    expect(fromFile.derived).toMatchObject({ width: 80, height: 53, bytes: fromFile.bytes.length, etag: md5(fromFile.bytes) });
    expect(await sharp(fromMemory.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 80, height: 53 });
  });
});

describe('the derive job of a PDF asset', () => {
  /** tracemonkey.pdf: 14 letter pages (612x792 points), committed as ingest records a PDF. */
  let pdf: AssetRecord;

  const commitPdf = (publicId: string, facts: { width: number | null; height: number | null; pages: number }) =>
    commitFixture(publicId, { fixture: 'documents/tracemonkey.pdf', format: 'pdf', contentType: 'application/pdf', ...facts });

  beforeAll(async () => {
    pdf = await commitPdf('docs/tracemonkey', { width: 612, height: 792, pages: 14 });
  });

  /** Records a first-delivery derive job of `asset`, as delivery does; run it with `run(payload, jobId)`. */
  async function deliveryJob(asset: AssetRecord, transformation: string, format: DeriveJobV1['format']) {
    const hash = planHash(parseTransformation(transformation));
    const jobId = derivativeJobId(asset.versionId, hash, format);
    const payload: DeriveJobV1 = { v: 1, cloudName: 'demo', assetId: asset.assetId, versionId: asset.versionId, transformation, format };
    await recordStandaloneJob(services.db, 'demo', { id: jobId, queue: 'derive', kind: 'derive', payload });
    return { payload, jobId, hash };
  }

  async function derivedBytes(asset: AssetRecord, hash: string, format: string) {
    const derived = await findDerived(services.db, { assetId: asset.assetId, versionId: asset.versionId, transformationHash: hash, format });
    expect(derived).toBeDefined();
    return { derived: derived!, bytes: await buffer(await services.store.get(derived!.storageKey)) };
  }

  it.each<[string, DeriveJobV1['format'], number, number, number, number]>([
    // transformation, format, expected width/height, the page and dpi poppler renders to compare
    ['pg_2', 'jpg', 612, 792, 2, 72],
    ['', 'png', 612, 792, 1, 72],
    ['dn_144,pg_3', 'png', 1224, 1584, 3, 144],
    ['pg_3,w_300', 'webp', 300, 388, 3, 72],
  ])('renders %s as %s at %ix%i, looking like poppler’s page', async (transformation, format, width, height, page, dpi) => {
    const before = renders;
    const { payload, jobId, hash } = await deliveryJob(pdf, transformation, format);
    await run(payload, jobId);
    expect(renders).toBe(before + 1);
    const { derived, bytes } = await derivedBytes(pdf, hash, format);
    expect(derived).toMatchObject({ width, height, format });
    const metadata = await sharp(bytes).metadata();
    expect([metadata.width, metadata.height]).toEqual([width, height]);
    const reference = await sharp(await popplerPage(fixturePath('documents/tracemonkey.pdf'), page, dpi))
      .resize(width, height, { fit: 'fill' })
      .png()
      .toBuffer();
    const alike = await renderingLikeness(bytes, reference);
    expect(alike.luminance).toBeLessThan(2);
    expect(alike.pixels).toBeLessThan(6);
    // and not like another page
    expect(
      (await renderingLikeness(bytes, await popplerPage(fixturePath('documents/tracemonkey.pdf'), page === 1 ? 2 : 1, 72))).pixels,
    ).toBeGreaterThan(8);
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('runs the image pipeline on the rendered page (effects, crops, rotation)', async () => {
    const { payload, jobId, hash } = await deliveryJob(pdf, 'pg_1/c_fill,w_200,h_100,g_north/e_grayscale/a_90', 'png');
    await run(payload, jobId);
    const { derived, bytes } = await derivedBytes(pdf, hash, 'png');
    expect(derived).toMatchObject({ width: 100, height: 200 });
    const stats = await sharp(bytes).stats();
    expect(stats.isOpaque).toBe(true);
  });

  it('refuses a page beyond the document with a 400, as pg_ beyond the frames of an image, before rendering', async () => {
    const before = renders;
    const { payload, jobId } = await deliveryJob(pdf, 'pg_15', 'jpg');
    const error = await rejection(run(payload, jobId));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: 'Invalid page 15: the document has 14 pages' });
    expect(await jobRow(jobId)).toMatchObject({ status: 'failed', error: { status: 400, message: 'Invalid page 15: the document has 14 pages' } });
    expect(renders).toBe(before);
  });

  it('refuses an output beyond the limits from the stored page size, before rendering', async () => {
    const before = renders;
    // 612x792 points at 600 dpi is 5100x6600; twice that is beyond 10000 pixels per side
    const { payload, jobId } = await deliveryJob(pdf, 'dn_600,w_2.0', 'jpg');
    const error = await rejection(run(payload, jobId));
    expect({ status: error.status, message: error.message }).toEqual({
      status: 400,
      message: 'Requested output of 10200x13200 exceeds the maximum of 10000 pixels per side',
    });
    expect(renders).toBe(before);
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('renders a PDF stored before PDFs were probed (no width/height): the engine answers for its pages', async () => {
    const old = await commitPdf(`docs/unprobed-${hex32()}`, { width: null, height: null, pages: 1 });
    const second = await deliveryJob(old, 'pg_2,w_100', 'png');
    await run(second.payload, second.jobId);
    expect((await derivedBytes(old, second.hash, 'png')).derived).toMatchObject({ width: 100, height: 129 });
    const beyond = await deliveryJob(old, 'pg_40', 'png');
    expect((await rejection(run(beyond.payload, beyond.jobId))).status).toBe(400);
  });
});

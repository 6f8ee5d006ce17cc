import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchWithJobs, findAsset } from '@rendition/catalog';
import { runIngestJob, type IngestJobDependencies } from '@rendition/ingest';
import { IngestJobV1Schema, RejectedJobError, type IngestJobV1 } from '@rendition/jobs';
import { originalKey, stagingKey } from '@rendition/storage';
import { ingestTestDependencies } from './ingest-test-dependencies.ts';
import { fixturePath, hex32, newBatchId, pdfinfo, startDomainTestServices, type DomainTestServices } from '@rendition/testing';

// PDFs at ingest: probed with the document engine (pages, page 1's size in points), stored as uploaded.

let services: DomainTestServices;
let test: ReturnType<typeof ingestTestDependencies>;
let deps: IngestJobDependencies;

beforeAll(async () => {
  services = await startDomainTestServices('ingest-pdf');
  test = ingestTestDependencies(services, { remoteRetries: 0, publicBaseUrl: 'http://media.test:8080', secureBaseUrl: 'https://media.test' });
  deps = test.deps;
});

afterAll(async () => {
  await test?.close();
  await services?.stop();
});

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

async function acceptedUpload(
  bytes: Buffer,
  options: {
    resourceType?: IngestJobV1['request']['resourceType'];
    format?: string | null;
    allowedFormats?: string[];
    incoming?: string | null;
    eager?: IngestJobV1['eager'];
  } = {},
): Promise<IngestJobV1> {
  const key = stagingKey(randomUUID());
  await services.store.put(key, bytes);
  const jobId = randomUUID();
  const batchId = newBatchId();
  const job = IngestJobV1Schema.parse({
    v: 1,
    jobId,
    batchId,
    cloudName: 'demo',
    apiKey: services.credentials.apiKey,
    source: { kind: 'staged', key, filename: 'paper.pdf', bytes: bytes.length, md5: md5(bytes) },
    newAssetId: hex32(),
    request: {
      resourceType: options.resourceType ?? 'image',
      type: 'upload',
      publicId: `docs/${hex32()}`,
      publicIdGenerated: false,
      originalFilename: 'paper',
      assetFolder: 'docs',
      displayName: null,
      overwrite: true,
      tags: [],
      context: {},
      format: options.format ?? null,
      allowedFormats: options.allowedFormats ?? [],
      accessMode: 'public',
    },
    eager: options.eager ?? [],
    eagerInIngest: (options.eager ?? []).length > 0,
    incoming: options.incoming ?? null,
  });
  await createBatchWithJobs(services.db, { batchId, cloudName: 'demo', apiKey: services.credentials.apiKey, kind: 'upload', notificationUrls: [] }, [
    { id: jobId, queue: 'ingest', kind: 'ingest', payload: job },
  ]);
  return job;
}

async function rejection(promise: Promise<unknown>): Promise<RejectedJobError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RejectedJobError);
  return error as RejectedJobError;
}

const jobRow = (id: string) => services.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('a PDF upload', () => {
  it.each([
    ['tracemonkey.pdf', 'image' as const],
    ['basicapi.pdf', 'image' as const],
    ['tracemonkey.pdf', 'auto' as const],
  ])('%s (resource_type %s) answers pages and page 1 in points as pdfinfo reports them, and keeps the bytes', async (name, resourceType) => {
    const path = fixturePath(`documents/${name}`);
    const bytes = await readFile(path);
    const expected = await pdfinfo(path);
    const job = await acceptedUpload(bytes, { resourceType });
    const { response } = await runIngestJob(deps, job);

    expect(response).toMatchObject({
      resource_type: 'image',
      format: 'pdf',
      pages: expected.pages,
      width: expected.width,
      height: expected.height,
      bytes: bytes.length,
      etag: md5(bytes),
    });
    const asset = await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId });
    expect(asset).toMatchObject({
      format: 'pdf',
      contentType: 'application/pdf',
      pages: expected.pages,
      width: expected.width,
      height: expected.height,
    });
    const stored = await buffer(await services.store.get(originalKey(job.newAssetId, job.jobId.replaceAll('-', ''))));
    expect(stored.equals(bytes)).toBe(true);
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('matches pdfinfo on the fixtures pdfinfo knows: tracemonkey is 14 letter pages, basicapi 3 A4 pages', async () => {
    expect(await pdfinfo(fixturePath('documents/tracemonkey.pdf'))).toEqual({ pages: 14, width: 612, height: 792 });
    expect(await pdfinfo(fixturePath('documents/basicapi.pdf'))).toEqual({ pages: 3, width: 595, height: 842 });
  });

  it('queues every eager item as a derive job (a page is rendered by the derive job, never by the ingest)', async () => {
    const bytes = await readFile(fixturePath('documents/basicapi.pdf'));
    const eager = [
      { requested: 'pg_2/jpg', transformation: 'pg_2', format: 'jpg' },
      { requested: 'w_100', transformation: 'w_100', format: null },
    ];
    const job = await acceptedUpload(bytes, { eager });
    await runIngestJob(deps, job);
    const followUps = await services.db
      .selectFrom('jobs')
      .selectAll()
      .where('batch_id', '=', job.batchId)
      .where('kind', '=', 'derive')
      .orderBy('created_at')
      .execute();
    expect(followUps.map((row) => row.payload)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ transformation: 'pg_2', format: 'jpg' }),
        // no format: the original's is pdf, which is no image format: jpg
        expect.objectContaining({ transformation: 'w_100', format: 'jpg' }),
      ]),
    );
    expect(followUps).toHaveLength(2);
    const versionId = job.jobId.replaceAll('-', '');
    expect(await services.db.selectFrom('derived').select('format').where('version_id', '=', versionId).execute()).toEqual([]);
  });
});

describe('a PDF the engine cannot read, or one asked for what a PDF upload cannot do', () => {
  it('refuses a truncated PDF with a 400 (never a 500), fails the job and deletes the staged bytes', async () => {
    const bytes = await readFile(fixturePath('documents/tracemonkey.pdf'));
    const job = await acceptedUpload(bytes.subarray(0, Math.floor(bytes.length / 3)));
    const error = await rejection(runIngestJob(deps, job));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: 'The file is not a readable PDF document' });
    expect(await jobRow(job.jobId)).toMatchObject({ status: 'failed', error: { status: 400, message: error.message } });
    expect(await services.store.head(job.source.kind === 'staged' ? job.source.key : '')).toBeNull();
    expect(await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: job.request.publicId })).toBeUndefined();
    expect(await readdir(services.scratchDir)).toEqual([]);
  });

  it('refuses a file that only starts like a PDF with a 400', async () => {
    const job = await acceptedUpload(Buffer.from('%PDF-1.7\n% nothing else here\n'));
    const error = await rejection(runIngestJob(deps, job));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message: 'The file is not a readable PDF document' });
  });

  it.each<[string, { allowedFormats?: string[]; format?: string; incoming?: string }, string]>([
    ['allowed_formats without pdf', { allowedFormats: ['jpg', 'png'] }, 'Image file format pdf not allowed'],
    ['a conversion on upload', { format: 'jpg' }, 'Cannot convert pdf to jpg on upload'],
    ['an incoming transformation', { incoming: 'w_100' }, 'Cannot apply an incoming transformation to pdf'],
  ])('refuses %s with a 400', async (_label, options, message) => {
    const bytes = await readFile(fixturePath('documents/basicapi.pdf'));
    const job = await acceptedUpload(bytes, options);
    const error = await rejection(runIngestJob(deps, job));
    expect({ status: error.status, message: error.message }).toEqual({ status: 400, message });
  });

  it('accepts allowed_formats that name pdf', async () => {
    const bytes = await readFile(fixturePath('documents/basicapi.pdf'));
    const job = await acceptedUpload(bytes, { allowedFormats: ['pdf'], format: 'pdf' });
    const { response } = await runIngestJob(deps, job);
    expect(response).toMatchObject({ format: 'pdf', pages: 3 });
  });
});

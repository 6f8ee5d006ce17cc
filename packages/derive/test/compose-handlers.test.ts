import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitAssetVersion, createBatchWithJobs, findAsset, findDerived, type AssetRecord, type NewJob } from '@rendition/catalog';
import { createMultiHandler, createSpriteHandler, createTextHandler, createExplodeHandler, type DeriveHandlerDependencies } from '@rendition/derive';
import { RejectedJobError, type ExplodeJobV1, type JobContext, type MultiJobV1, type SpriteJobV1, type TextJobV1 } from '@rendition/jobs';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS, type DocumentEngine } from '@rendition/media';
import { originalKey } from '@rendition/storage';
import { parseTransformation, planHash } from '@rendition/transform';
import { assetRecordFixture, hex32, newBatchId, startDomainTestServices, type DomainTestServices } from '@rendition/testing';
import { DERIVE_TEST_LIMITS } from './derive-test-limits.ts';

// The composition jobs on real PostgreSQL and storage, without a cluster: what they store, what
// they record in their batch, retries, and bad input recorded as the batch's 4xx.

let services: DomainTestServices;
let documents: DocumentEngine;
let deps: DeriveHandlerDependencies;
const images: AssetRecord[] = [];

const context = (): JobContext => ({ jobId: randomUUID(), attempt: 1, signal: new AbortController().signal });

/** A solid PNG committed as ingest records an upload. */
async function commitImage(publicId: string, width: number, height: number, colour: { r: number; g: number; b: number }): Promise<AssetRecord> {
  const assetId = hex32();
  const versionId = hex32();
  const storageKey = originalKey(assetId, versionId);
  const bytes = await sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
  const path = join(services.scratchDir, `${versionId}.png`);
  await sharp(bytes).toFile(path);
  await services.store.putFile(storageKey, path);
  const committed = await commitAssetVersion(services.db, {
    overwrite: true,
    asset: assetRecordFixture(publicId, {
      assetId,
      versionId,
      width,
      height,
      pages: 1,
      bytes: bytes.length,
      storageKey,
      tags: ['t'],
      originalFilename: null,
    }),
  });
  if (committed.kind !== 'created') throw new Error(`unexpected commit ${committed.kind}`);
  return committed.asset;
}

/** A batch of one job, as intake records it. */
async function batchOf(kind: string, payload: { jobId: string; batchId: string }, queue = 'derive', eagerAsync = false): Promise<void> {
  const job: NewJob = { id: payload.jobId, queue, kind, payload };
  await createBatchWithJobs(
    services.db,
    { batchId: payload.batchId, cloudName: 'demo', apiKey: services.credentials.apiKey, kind, notificationUrls: [], eagerAsync },
    [job],
  );
}

const batchRow = (batchId: string) => services.db.selectFrom('batches').selectAll().where('batch_id', '=', batchId).executeTakeFirstOrThrow();
const jobsOf = (batchId: string) => services.db.selectFrom('jobs').selectAll().where('batch_id', '=', batchId).execute();

function ids() {
  return { jobId: randomUUID(), batchId: newBatchId() };
}

async function rejection(promise: Promise<unknown>): Promise<RejectedJobError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RejectedJobError);
  return error as RejectedJobError;
}

beforeAll(async () => {
  services = await startDomainTestServices('compose');
  documents = createDocumentEngine({ ...DEFAULT_DOCUMENT_LIMITS, concurrency: 1 });
  deps = {
    db: services.db,
    store: services.store,
    queues: services.queues,
    logger: services.logger,
    tmpDir: services.scratchDir,
    limits: DERIVE_TEST_LIMITS,
    documents,
    publicBaseUrl: 'http://media.test',
    secureBaseUrl: 'https://media.test',
  };
  images.push(await commitImage('set/a', 30, 20, { r: 255, g: 0, b: 0 }), await commitImage('set/b', 20, 30, { r: 0, g: 0, b: 255 }));
});

afterAll(async () => {
  await documents?.close();
  await services?.stop();
});

const sources = () => images.map((image) => ({ assetId: image.assetId, versionId: image.versionId }));

describe('the multi job', () => {
  it('stores the animation as an asset of type multi, records it as its URL’s derivative, and finishes its batch with the answer', async () => {
    const payload: MultiJobV1 = {
      v: 1,
      ...ids(),
      cloudName: 'demo',
      publicId: 'set',
      sources: sources(),
      transformation: 'c_fill,h_10,w_10',
      format: 'gif',
    };
    await batchOf('multi', payload);
    const result = (await createMultiHandler(deps).handle(payload, context())) as Record<string, unknown>;
    expect(result).toMatchObject({
      public_id: 'set',
      type: 'multi',
      format: 'gif',
      pages: 2,
      width: 10,
      height: 10,
      url: expect.stringMatching(/^http:\/\/media\.test\/demo\/image\/multi\/c_fill,h_10,w_10\/v\d+\/set\.gif$/),
      secure_url: expect.stringMatching(/^https:\/\/media\.test\//),
    });
    const asset = (await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'multi', publicId: 'set' }))!;
    expect(asset).toMatchObject({ format: 'gif', pages: 2, contentType: 'image/gif', assetId: result.asset_id, version: result.version });
    const derived = await findDerived(services.db, {
      assetId: asset.assetId,
      versionId: asset.versionId,
      transformationHash: planHash(parseTransformation('c_fill,h_10,w_10')),
      format: 'gif',
    });
    expect(derived).toMatchObject({ etag: asset.etag, bytes: asset.bytes });
    const batch = await batchRow(payload.batchId);
    expect(batch.status).toBe('complete');
    expect(batch.result).toEqual(result);

    // A retry (the job ran, its acknowledgement was lost) finds its version: no second one.
    await createMultiHandler(deps).handle(payload, context());
    expect((await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'multi', publicId: 'set' }))!.versionId).toBe(
      asset.versionId,
    );
  });

  it('leaves out an image destroyed since intake, and fails with a 404 when none is left', async () => {
    const gone = { assetId: hex32(), versionId: hex32() };
    const payload: MultiJobV1 = { v: 1, ...ids(), cloudName: 'demo', publicId: 'gone', sources: [gone], transformation: '', format: 'pdf' };
    await batchOf('multi', payload);
    const error = await rejection(createMultiHandler(deps).handle(payload, context()));
    expect(error.status).toBe(404);
    expect(await batchRow(payload.batchId)).toMatchObject({ status: 'failed', error: { status: 404, message: 'No images found for gone' } });
  });

  it('fails with a 400 when the animation exceeds the output limits', async () => {
    const payload: MultiJobV1 = {
      v: 1,
      ...ids(),
      cloudName: 'demo',
      publicId: 'huge',
      sources: sources(),
      transformation: 'c_scale,w_2000',
      format: 'gif',
    };
    await batchOf('multi', payload);
    const error = await rejection(createMultiHandler({ ...deps, limits: { ...deps.limits, maxOutputPixels: 5_000_000 } }).handle(payload, context()));
    expect(error.status).toBe(400);
    expect((await batchRow(payload.batchId)).status).toBe('failed');
  });
});

describe('the sprite job', () => {
  it('stores the image, CSS and JSON of one version under <tag>.<ext>, with offsets that agree', async () => {
    const payload: SpriteJobV1 = { v: 1, ...ids(), cloudName: 'demo', publicId: 'set', sources: sources(), transformation: '', format: 'png' };
    await batchOf('sprite', payload);
    const result = (await createSpriteHandler(deps).handle(payload, context())) as Record<string, unknown>;
    expect(result.image_infos).toEqual({ 'set/a': { x: 0, y: 0, width: 30, height: 20 }, 'set/b': { x: 0, y: 22, width: 20, height: 30 } });
    const stored = async (publicId: string) => (await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'sprite', publicId }))!;
    const [image, css, json] = [await stored('set.png'), await stored('set.css'), await stored('set.json')];
    expect(image).toMatchObject({ format: 'png', width: 30, height: 52, version: result.version });
    expect(css).toMatchObject({ format: null, contentType: 'text/css; charset=utf-8', version: result.version });
    expect(json).toMatchObject({ format: null, contentType: 'application/json', version: result.version });
    const stylesheet = (await buffer(await services.store.get(css.storageKey))).toString('utf8');
    expect(stylesheet).toBe(
      [
        `.set\\/a, .set\\/b {`,
        `  background: url('https://media.test/demo/image/sprite/v${String(result.version)}/set.png') no-repeat;`,
        '}',
        '.set\\/a { background-position: 0px 0px; width: 30px; height: 20px; }',
        '.set\\/b { background-position: 0px -22px; width: 20px; height: 30px; }',
        '',
      ].join('\n'),
    );
    expect(result).toMatchObject({ css_url: `http://media.test/demo/image/sprite/v${String(result.version)}/set.css` });
  });

  it('names its transformation, f_ included, in all three URLs, and records each file as that derivative of its asset', async () => {
    const payload: SpriteJobV1 = {
      v: 1,
      ...ids(),
      cloudName: 'demo',
      publicId: 'set-w',
      sources: sources(),
      transformation: 'w_10',
      urlTransformation: 'f_jpg,w_10',
      format: 'jpg',
    };
    await batchOf('sprite', payload);
    const result = (await createSpriteHandler(deps).handle(payload, context())) as Record<string, unknown>;
    const version = String(result.version);
    expect(result).toMatchObject({
      image_url: `http://media.test/demo/image/sprite/f_jpg,w_10/v${version}/set-w.jpg`,
      css_url: `http://media.test/demo/image/sprite/f_jpg,w_10/v${version}/set-w.css`,
      json_url: `http://media.test/demo/image/sprite/f_jpg,w_10/v${version}/set-w.json`,
      secure_css_url: `https://media.test/demo/image/sprite/f_jpg,w_10/v${version}/set-w.css`,
      image_infos: { 'set/a': { x: 0, y: 0, width: 10, height: 7 }, 'set/b': { x: 0, y: 9, width: 10, height: 15 } },
    });
    const transformationHash = planHash(parseTransformation('f_jpg,w_10'));
    for (const [publicId, format, contentType] of [
      ['set-w.jpg', 'jpg', 'image/jpeg'],
      ['set-w.css', 'css', 'text/css; charset=utf-8'],
      ['set-w.json', 'json', 'application/json'],
    ] as const) {
      const asset = (await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'sprite', publicId }))!;
      const derived = await findDerived(services.db, { assetId: asset.assetId, versionId: asset.versionId, transformationHash, format });
      // The URL's file is the very file the job made, not a second transformation of it.
      expect(derived, publicId).toMatchObject({ transformation: 'f_jpg,w_10', contentType, etag: asset.etag, bytes: asset.bytes });
    }
    const css = (await findAsset(services.db, { cloudName: 'demo', resourceType: 'image', type: 'sprite', publicId: 'set-w.css' }))!;
    const stylesheet = (await buffer(await services.store.get(css.storageKey))).toString('utf8');
    expect(stylesheet).toContain(`background: url('https://media.test/demo/image/sprite/f_jpg,w_10/v${version}/set-w.jpg') no-repeat;`);
  });
});

describe('the explode job', () => {
  it('hands one derive job per page to its batch, pg_all made pg_<n>', async () => {
    const animated = await commitImage('anim', 10, 10, { r: 1, g: 2, b: 3 });
    await services.db.updateTable('assets').set({ pages: 3 }).where('asset_id', '=', animated.assetId).execute();
    const payload: ExplodeJobV1 = {
      v: 1,
      ...ids(),
      cloudName: 'demo',
      assetId: animated.assetId,
      versionId: animated.versionId,
      transformation: 'w_5,pg_all/e_grayscale',
      format: 'png',
    };
    await batchOf('explode', payload, 'derive', true);
    const result = (await createExplodeHandler(deps).handle(payload, context())) as Record<string, unknown>;
    expect(result).toMatchObject({ public_id: 'anim', pages: 3, batch_id: payload.batchId });
    const jobs = (await jobsOf(payload.batchId)).filter((job) => job.kind === 'derive');
    const items = jobs.map((job) => job.payload as { transformation: string; format: string; eager: { index: number; requested: string } });
    items.sort((one, two) => one.eager.index - two.eager.index);
    expect(items.map((item) => [item.eager.requested, item.transformation, item.format])).toEqual([
      ['w_5,pg_1/e_grayscale', 'pg_1,w_5/e_grayscale', 'png'],
      ['w_5,pg_2/e_grayscale', 'pg_2,w_5/e_grayscale', 'png'],
      ['w_5,pg_3/e_grayscale', 'pg_3,w_5/e_grayscale', 'png'],
    ]);
    expect(await batchRow(payload.batchId)).toMatchObject({ status: 'pending', pending_jobs: 3 });
  });
});

describe('the text job', () => {
  const style: TextJobV1['style'] = {
    fontFamily: 'Arial',
    fontSize: 30,
    fontColor: 'rgb:00ff00',
    fontWeight: 'normal',
    fontStyle: 'normal',
    textAlign: 'left',
    textDecoration: 'none',
    background: null,
    opacity: 100,
    lineSpacing: null,
  };

  it('stores a PNG of type text and answers the upload-like resource, signed', async () => {
    const payload: TextJobV1 = { v: 1, ...ids(), cloudName: 'demo', apiKey: services.credentials.apiKey, publicId: 'label', text: 'Hi', style };
    await batchOf('text', payload);
    const result = (await createTextHandler(deps).handle(payload, context())) as Record<string, unknown>;
    expect(result).toMatchObject({ public_id: 'label', type: 'text', format: 'png', resource_type: 'image', api_key: services.credentials.apiKey });
    expect(result.url).toBe(`http://media.test/demo/image/text/v${String(result.version)}/label.png`);
    expect(typeof result.signature).toBe('string');
  });

  it('fails with a 400 for a colour name no table knows', async () => {
    const payload: TextJobV1 = {
      v: 1,
      ...ids(),
      cloudName: 'demo',
      apiKey: services.credentials.apiKey,
      publicId: 'label2',
      text: 'Hi',
      style: { ...style, fontColor: 'blurple' },
    };
    await batchOf('text', payload);
    const error = await rejection(createTextHandler(deps).handle(payload, context()));
    expect(error.message).toBe('Invalid font_color: blurple');
    expect(await batchRow(payload.batchId)).toMatchObject({ status: 'failed', error: { status: 400, message: 'Invalid font_color: blurple' } });
  });
});

import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLargeUpload } from '@rendition/catalog';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@rendition/storage/s3';
import { startS3Server, type CloudinarySdk, type S3Server } from '@rendition/testing';
import { sweepAbandonedLargeUploads } from '@rendition/worker';
import { signParamsForTest } from './support/signed-form.ts';
import { storedBytes, storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
/** Small enough that a few 5 MiB parts cross it; large enough for the 13 MB files. */
const MAX_LARGE = 16 * MiB;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

type Reply = Record<string, unknown>;

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rendition-large-'));
  cluster = await startTestCluster({ MAX_LARGE_UPLOAD_BYTES: String(MAX_LARGE), SYNC_UPLOAD_TIMEOUT_MS: '120000' });
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const stored = (reply: Reply) => storedBytes(cluster.store, `assets/${String(reply.asset_id)}/${String(reply.version_id)}/original`);

function uploadLarge(path: string, options: Record<string, unknown>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // upload_large is not in @rendition/testing's narrow SDK type.
    const uploader = cloudinary.uploader as unknown as {
      upload_large(path: string, options: Record<string, unknown>, callback: (error: unknown, result: Reply) => void): void;
    };
    uploader.upload_large(path, options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** One chunk sent by hand, as the SDKs send it: Basic auth, multipart, X-Unique-Upload-Id and Content-Range. */
async function sendChunk(
  uploadId: string,
  range: string,
  bytes: Buffer,
  options: { resourceType?: string; fields?: Record<string, string>; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Reply }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(options.fields ?? {})) form.append(name, value);
  form.append('file', new Blob([bytes]), 'chunk.bin');
  const { apiKey, apiSecret } = cluster.credentials;
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/${options.resourceType ?? 'raw'}/upload`, {
    method: 'POST',
    body: form,
    headers: {
      authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`,
      'x-unique-upload-id': uploadId,
      ...(range ? { 'content-range': range } : {}),
      ...options.headers,
    },
  });
  return { status: response.status, body: (await response.json()) as Reply };
}

const range = (file: Buffer, start: number, end: number, total: number | string) => ({
  text: `bytes ${start}-${end - 1}/${total}`,
  bytes: file.subarray(start, end),
});

describe('upload_large with the official SDK', () => {
  it('stores exactly the bytes of a 13 MB raw file sent in 5 MiB parts', async () => {
    const file = randomBytes(13 * 1000 * 1000);
    const path = join(dir, 'archive.bin');
    writeFileSync(path, file);
    const reply = await uploadLarge(path, { chunk_size: PART, resource_type: 'raw' });
    expect(reply.done).toBe(true);
    expect(reply.bytes).toBe(file.length);
    expect(reply.etag).toBe(md5(file));
    expect((await stored(reply)).equals(file)).toBe(true);
  }, 120_000);

  it('stores exactly the bytes of a 13 MB image', async () => {
    const width = 2000;
    const height = 1700;
    const png = await sharp(randomBytes(width * height * 4), { raw: { width, height, channels: 4 } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(png.length).toBeGreaterThan(10 * MiB);
    expect(png.length).toBeLessThan(MAX_LARGE);
    const path = join(dir, 'noise.png');
    writeFileSync(path, png);
    const reply = await uploadLarge(path, { chunk_size: PART, resource_type: 'image', public_id: 'large/noise' });
    expect(reply).toMatchObject({ done: true, public_id: 'large/noise', resource_type: 'image', format: 'png', width, height });
    expect((await stored(reply)).equals(png)).toBe(true);
  }, 120_000);

  it('stores exactly the bytes of a large video', async () => {
    const path = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-vf', 'noise=alls=100:allf=t', '-t', '1.4'],
      ...['-c:v', 'mpeg4', '-q:v', '1', '-pix_fmt', 'yuv420p', path],
    ]);
    const video = readFileSync(path);
    expect(video.length).toBeGreaterThan(PART);
    expect(video.length).toBeLessThan(MAX_LARGE);
    const reply = await uploadLarge(path, { chunk_size: PART, resource_type: 'video' });
    expect(reply).toMatchObject({ done: true, resource_type: 'video' });
    expect((await stored(reply)).equals(video)).toBe(true);
  }, 120_000);
});

describe('chunks sent by hand', () => {
  const file = randomBytes(12 * MiB + 123);
  const total = file.length;
  const parts = [range(file, 0, PART, total), range(file, PART, 2 * PART, total), range(file, 2 * PART, total, total)];

  it('assembles parts out of order, a duplicate stored once, whichever part completes the file', async () => {
    const id = `order-${randomBytes(4).toString('hex')}`;
    const last = await sendChunk(id, parts[2]!.text, parts[2]!.bytes, { fields: { public_id: 'by-hand/ordered' } });
    expect(last.status).toBe(200);
    expect(last.body).toEqual({ done: false, bytes: parts[2]!.bytes.length, kind: 'upload', resource_type: 'raw', public_id: 'by-hand/ordered' });
    const first = await sendChunk(id, parts[0]!.text, parts[0]!.bytes, { fields: { public_id: 'by-hand/ordered' } });
    expect(first.body).toMatchObject({ done: false, bytes: parts[0]!.bytes.length + parts[2]!.bytes.length });
    expect(first.body).not.toHaveProperty('asset_id');
    expect(first.body).not.toHaveProperty('status');
    // The same part again (a retry): accepted, counted once.
    const again = await sendChunk(id, parts[0]!.text, parts[0]!.bytes, { fields: { public_id: 'by-hand/ordered' } });
    expect(again.body).toMatchObject({ done: false, bytes: parts[0]!.bytes.length + parts[2]!.bytes.length });
    // The lost middle part, resent after the "last" one, completes the file.
    const middle = await sendChunk(id, parts[1]!.text, parts[1]!.bytes, { fields: { public_id: 'by-hand/ordered' } });
    expect(middle.status).toBe(200);
    expect(middle.body).toMatchObject({ done: true, public_id: 'by-hand/ordered', bytes: total });
    expect((await stored(middle.body)).equals(file)).toBe(true);
    expect(await findLargeUpload(cluster.cluster.services.db, cluster.cloud, id)).toBeUndefined();
  }, 60_000);

  it('assembles parts sent all at once, twice each (the iOS and .NET-parallel way): exactly one answer is done', async () => {
    const id = `parallel-${randomBytes(4).toString('hex')}`;
    const replies = await Promise.all([...parts, ...parts].map((part) => sendChunk(id, part.text, part.bytes)));
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const finished = replies.filter((reply) => reply.body.done === true);
    expect(finished).toHaveLength(1);
    expect(finished[0]!.body).toMatchObject({ done: true, bytes: total });
    for (const reply of replies.filter((reply) => reply.body.done !== true)) {
      expect(reply.body).not.toHaveProperty('asset_id');
      expect(reply.body).not.toHaveProperty('status');
    }
    expect((await stored(finished[0]!.body)).equals(file)).toBe(true);
  }, 60_000);

  it("checks a signed chunk's timestamp age only on the chunk that starts the upload (PHP signs once for all chunks)", async () => {
    const id = `php-${randomBytes(4).toString('hex')}`;
    const { apiKey, apiSecret } = cluster.credentials;
    const signedChunk = (part: { text: string; bytes: Buffer }, timestamp: number) => {
      const params = { timestamp: String(timestamp), public_id: `php/${id}` };
      const fields = { ...params, api_key: apiKey, signature: signParamsForTest(params, { apiSecret }) };
      const form = new FormData();
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      form.append('file', new Blob([part.bytes]), 'chunk.bin');
      return fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/raw/upload`, {
        method: 'POST',
        body: form,
        headers: { 'x-unique-upload-id': id, 'content-range': part.text },
      });
    };
    const threeHoursAgo = Math.floor(Date.now() / 1000) - 3 * 3600;
    // The first chunk with a stale timestamp is refused, and starts nothing.
    const stale = await signedChunk(parts[0]!, threeHoursAgo);
    expect(stale.status).toBe(401);
    expect(await findLargeUpload(cluster.cluster.services.db, cluster.cloud, id)).toBeUndefined();
    // Started fresh, the same upload's later chunks may carry the old timestamp (still signed).
    expect((await signedChunk(parts[0]!, Math.floor(Date.now() / 1000))).status).toBe(200);
    expect((await signedChunk(parts[1]!, threeHoursAgo)).status).toBe(200);
    const last = await signedChunk(parts[2]!, threeHoursAgo);
    expect(last.status).toBe(200);
    const body = (await last.json()) as Reply;
    expect(body).toMatchObject({ done: true, bytes: total, public_id: `php/${id}` });
    expect((await stored(body)).equals(file)).toBe(true);
  }, 60_000);

  it('does not echo a public_id the client did not send', async () => {
    const id = `noid-${randomBytes(4).toString('hex')}`;
    const reply = await sendChunk(id, parts[0]!.text, parts[0]!.bytes);
    expect(reply.body).toEqual({ done: false, bytes: PART, kind: 'upload', resource_type: 'raw' });
  });

  it('refuses a duplicate part with other bytes', async () => {
    const id = `conflict-${randomBytes(4).toString('hex')}`;
    expect((await sendChunk(id, parts[0]!.text, parts[0]!.bytes)).status).toBe(200);
    const other = Buffer.from(parts[0]!.bytes);
    other[10] = other[10]! ^ 0xff;
    const reply = await sendChunk(id, parts[0]!.text, other);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { message: `Chunk ${parts[0]!.text} conflicts with the bytes already received` } });
  });

  it('keeps two interleaved uploads apart', async () => {
    const other = randomBytes(PART + 1000);
    const a = `inter-a-${randomBytes(4).toString('hex')}`;
    const b = `inter-b-${randomBytes(4).toString('hex')}`;
    const b0 = range(other, 0, PART, '-1');
    const b1 = range(other, PART, other.length, other.length);
    expect((await sendChunk(a, parts[0]!.text, parts[0]!.bytes)).status).toBe(200);
    expect((await sendChunk(b, b0.text, b0.bytes)).status).toBe(200);
    expect((await sendChunk(a, parts[1]!.text, parts[1]!.bytes)).status).toBe(200);
    const doneB = await sendChunk(b, b1.text, b1.bytes);
    expect(doneB.body).toMatchObject({ done: true, bytes: other.length });
    const doneA = await sendChunk(a, parts[2]!.text, parts[2]!.bytes);
    expect(doneA.body).toMatchObject({ done: true, bytes: total });
    expect((await stored(doneA.body)).equals(file)).toBe(true);
    expect((await stored(doneB.body)).equals(other)).toBe(true);
  }, 60_000);

  it('refuses a part beyond the total, and a small part that is not the last', async () => {
    const id = `beyond-${randomBytes(4).toString('hex')}`;
    const beyond = await sendChunk(id, `bytes ${PART}-${2 * PART - 1}/${PART + 10}`, file.subarray(PART, 2 * PART));
    expect(beyond.status).toBe(400);
    // With no total at all (PHP's `bytes S-E`), a short part is taken as the last one (a 1000-byte raw file).
    const small = await sendChunk(`small-${randomBytes(4).toString('hex')}`, 'bytes 0-999', file.subarray(0, 1000));
    expect(small.body).toMatchObject({ done: true, bytes: 1000 });
    // `/-1` says more parts follow: a short one is refused (e2e/chunked-min-part.test.ts has the SDK's case).
    const notLastByItsRange = await sendChunk(`small1-${randomBytes(4).toString('hex')}`, 'bytes 0-999/-1', file.subarray(0, 1000));
    expect(notLastByItsRange.status).toBe(400);
    expect(notLastByItsRange.body).toEqual({ error: { message: 'All parts except EOF-chunk must be larger than 5mb' } });
    const notLast = await sendChunk(`small2-${randomBytes(4).toString('hex')}`, `bytes 0-999/${total}`, file.subarray(0, 1000));
    expect(notLast.status).toBe(400);
    expect(notLast.body).toEqual({ error: { message: 'All parts except EOF-chunk must be larger than 5mb' } });
  }, 60_000);

  it('applies MAX_LARGE_UPLOAD_BYTES to the running total and drops the upload', async () => {
    const id = `toolarge-${randomBytes(4).toString('hex')}`;
    const big = randomBytes(4 * PART);
    for (let i = 0; i < 3; i++) {
      const part = range(big, i * PART, (i + 1) * PART, '-1');
      expect((await sendChunk(id, part.text, part.bytes)).status).toBe(200);
    }
    const crossing = range(big, 3 * PART, 4 * PART, '-1');
    const reply = await sendChunk(id, crossing.text, crossing.bytes);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error: { message: `File size too large. Got ${4 * PART}. Maximum is ${MAX_LARGE}.` } });
    expect(await findLargeUpload(cluster.cluster.services.db, cluster.cloud, id)).toBeUndefined();
  }, 60_000);

  it('assembles the X-Upload-Part-Number form', async () => {
    const id = `parts-${randomBytes(4).toString('hex')}`;
    const send = (n: number, bytes: Buffer) =>
      sendChunk(id, '', bytes, { headers: { 'x-upload-part-number': String(n), 'x-upload-total-parts': '2' } });
    const second = await send(2, file.subarray(PART));
    expect(second.body).toMatchObject({ done: false });
    const first = await send(1, file.subarray(0, PART));
    expect(first.body).toMatchObject({ done: true, bytes: total });
    expect((await stored(first.body)).equals(file)).toBe(true);
  }, 60_000);

  it('answers the final part of an async upload with pending and done', async () => {
    const id = `async-${randomBytes(4).toString('hex')}`;
    const small = file.subarray(0, 2000);
    const reply = await sendChunk(id, 'bytes 0-1999/2000', small, { fields: { async: 'true' } });
    expect(reply.body).toMatchObject({ status: 'pending', done: true });
  });

  it('sweeps an abandoned upload: parts aborted, nothing left in the catalog', async () => {
    const id = `abandoned-${randomBytes(4).toString('hex')}`;
    expect((await sendChunk(id, parts[0]!.text, parts[0]!.bytes)).status).toBe(200);
    const db = cluster.cluster.services.db;
    const session = await findLargeUpload(db, cluster.cloud, id);
    expect(session).toBeDefined();
    // Not yet abandoned: kept.
    await sweepAbandonedLargeUploads({ db, store: cluster.store }, { ttlMs: 3_600_000 });
    expect(await findLargeUpload(db, cluster.cloud, id)).toBeDefined();
    const { removed } = await sweepAbandonedLargeUploads({ db, store: cluster.store }, { ttlMs: 1, now: Date.now() + 1000 });
    expect(removed).toContain(`${cluster.cloud}/${id}`);
    expect(await findLargeUpload(db, cluster.cloud, id)).toBeUndefined();
    expect(await storedKeys(cluster.store, `large-uploads/${session!.sessionId}`)).toEqual([]);
  });
});

describe('upload_large on the S3 storage driver (s3rver)', () => {
  let s3: S3Server;
  let s3Cluster: TestCluster;

  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ['large'] });
    s3Cluster = await startTestCluster({
      STORAGE_URL: 's3://large',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: String(s3.forcePathStyle),
      MAX_LARGE_UPLOAD_BYTES: String(MAX_LARGE),
      SYNC_UPLOAD_TIMEOUT_MS: '120000',
    });
  }, 60_000);

  afterAll(async () => {
    await s3Cluster?.stop();
    await s3?.stop();
  });

  /** The bucket's multipart uploads in progress, from ListMultipartUploads. */
  async function multipartUploads(): Promise<string[]> {
    const client = createS3Client(s3);
    try {
      const page = await client.send(new ListMultipartUploadsCommand({ Bucket: 'large' }));
      return (page.Uploads ?? []).map((upload) => `${upload.Key} ${upload.UploadId}`);
    } finally {
      client.destroy();
    }
  }

  it('stores exactly the bytes of an 11 MB raw file sent by the SDK in 5 MiB parts, and leaves no multipart upload behind', async () => {
    const { apiKey, apiSecret } = s3Cluster.credentials;
    const file = randomBytes(11 * 1000 * 1000);
    const path = join(dir, 's3-archive.bin');
    writeFileSync(path, file);
    // The SDK is loaded once per file; point it at this cluster for this test and back afterwards.
    const first = cluster.credentials;
    const saved = { cloud_name: cluster.cloud, api_key: first.apiKey, api_secret: first.apiSecret, upload_prefix: cluster.baseUrl };
    cloudinary.config({ cloud_name: s3Cluster.cloud, api_key: apiKey, api_secret: apiSecret, upload_prefix: s3Cluster.baseUrl });
    try {
      const uploader = cloudinary.uploader as unknown as {
        upload_large(path: string, options: Record<string, unknown>, callback: (error: unknown, result: Reply) => void): void;
      };
      const reply = await new Promise<Reply>((resolve, reject) =>
        uploader.upload_large(path, { chunk_size: PART, resource_type: 'raw' }, (error, result) => (error ? reject(error) : resolve(result))),
      );
      expect(reply.done).toBe(true);
      expect(reply.bytes).toBe(file.length);
      expect(reply.api_key).toBe(apiKey);
      const bytes = await storedBytes(s3Cluster.store, `assets/${String(reply.asset_id)}/${String(reply.version_id)}/original`);
      expect(md5(bytes)).toBe(md5(file));
      expect(await multipartUploads()).toEqual([]);
      expect(await storedKeys(s3Cluster.store, 'large-uploads/')).toEqual([]);
    } finally {
      cloudinary.config(saved);
    }
  }, 120_000);

  it('sweeps an abandoned upload: its S3 multipart upload aborted, nothing left in the catalog', async () => {
    const { apiKey, apiSecret } = s3Cluster.credentials;
    const file = randomBytes(2 * PART + 10);
    const id = `s3-abandoned-${randomBytes(4).toString('hex')}`;
    const form = new FormData();
    form.append('file', new Blob([file.subarray(0, PART)]), 'chunk.bin');
    const response = await fetch(`${s3Cluster.baseUrl}/v1_1/${s3Cluster.cloud}/raw/upload`, {
      method: 'POST',
      body: form,
      headers: {
        authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`,
        'x-unique-upload-id': id,
        'content-range': `bytes 0-${PART - 1}/${file.length}`,
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ done: false, bytes: PART });
    expect(await multipartUploads()).toHaveLength(1);
    const db = s3Cluster.cluster.services.db;
    expect(await findLargeUpload(db, s3Cluster.cloud, id)).toBeDefined();
    await sweepAbandonedLargeUploads({ db, store: s3Cluster.store }, { ttlMs: 1, now: Date.now() + 1000 });
    expect(await findLargeUpload(db, s3Cluster.cloud, id)).toBeUndefined();
    expect(await multipartUploads()).toEqual([]);
  }, 60_000);
});

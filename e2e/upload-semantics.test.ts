import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset, findJob } from '@rendition/catalog';
import { startS3Server, until, type S3Server } from '@rendition/testing';
import { uploadOk, uploadWithBasicAuth, type FilePart, type UploadBody } from './support/basic-upload.ts';
import { storedBytes, storedKeys, unfinishedWrites } from './support/stored-blobs.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function solid(width: number, height: number, rgb: [number, number, number]) {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
}
const png = async (width: number, height: number, rgb: [number, number, number]): Promise<FilePart> => ({
  bytes: await solid(width, height, rgb).png().toBuffer(),
  filename: 'image.png',
  contentType: 'image/png',
});
const jpeg = async (width: number, height: number, rgb: [number, number, number]): Promise<FilePart> => ({
  bytes: await solid(width, height, rgb).jpeg().toBuffer(),
  filename: 'photo.jpg',
  contentType: 'image/jpeg',
});
const text = (content: string, filename: string): FilePart => ({ bytes: Buffer.from(content), filename, contentType: 'text/plain' });

/** A valid PCM WAV: the 44-byte RIFF header and `samples` 16-bit mono samples of a ramp. */
function wav(samples: number): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(((i * 997) % 65536) - 32768, i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24); // sample rate
  header.writeUInt32LE(8000 * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** The keys stored under prefix, relative to it (sorted); [] when there are none. */
async function keysUnder(cluster: TestCluster, prefix: string): Promise<string[]> {
  return (await storedKeys(cluster.store, prefix)).map((key) => key.slice(prefix.length));
}

async function fetchBytes(url: string, headers: Record<string, string> = {}): Promise<{ response: Response; bytes: Buffer }> {
  const response = await fetch(url, { headers });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function expectUploadError(answer: { status: number; body: UploadBody; headers: Headers }, status: number, message: string | RegExp) {
  expect(answer.status).toBe(status);
  expect(Object.keys(answer.body)).toEqual(['error']);
  if (typeof message === 'string') expect(answer.body.error?.message).toBe(message);
  else expect(answer.body.error?.message).toMatch(message);
}

describe('upload semantics against a whole cluster', () => {
  let cluster: TestCluster;
  const storedOriginal = (assetId: string, versionId: string) => storedBytes(cluster.store, `assets/${assetId}/${versionId}/original`);

  beforeAll(async () => {
    cluster = await startTestCluster();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  async function expectNoStagingLeftovers(): Promise<void> {
    expect(await keysUnder(cluster, 'staging/')).toEqual([]);
    expect(await unfinishedWrites(cluster.storage)).toEqual([]);
  }

  describe('overwrite', () => {
    it('replaces the asset by default, keeping its asset_id and the old original as a backup', async () => {
      const red = await png(40, 30, [255, 0, 0]);
      const blue = await png(50, 20, [0, 0, 255]);
      const first = await uploadOk(cluster, red, { public_id: 'dup' });
      expect(first).toMatchObject({ public_id: 'dup', width: 40, height: 30, etag: md5(red.bytes) });
      expect((await storedOriginal(first.asset_id, first.version_id)).equals(red.bytes)).toBe(true);

      const second = await uploadOk(cluster, blue, { public_id: 'dup' });
      expect(second.asset_id).toBe(first.asset_id);
      expect(second.version_id).toMatch(/^[0-9a-f]{32}$/);
      expect(second.version_id).not.toBe(first.version_id);
      expect(second).toMatchObject({ public_id: 'dup', width: 50, height: 20, etag: md5(blue.bytes), bytes: blue.bytes.length });
      expect(second.etag).not.toBe(first.etag);
      expect(second).not.toHaveProperty('existing');
      // Cloudinary says so (wave 2 §1.5): the first upload of the id has no such field.
      expect(second.overwritten).toBe(true);
      expect(first).not.toHaveProperty('overwritten');
      // A versioned URL is served as immutable for a year, so new bytes need a new version.
      expect(second.version).toBeGreaterThan(first.version);
      expect(second.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${second.version}/dup.png`);

      // Backups are on by default (backups.test.ts): the replaced original stays as a backup.
      expect((await storedOriginal(first.asset_id, first.version_id)).equals(red.bytes)).toBe(true);
      expect((await storedOriginal(second.asset_id, second.version_id)).equals(blue.bytes)).toBe(true);
      expect(await keysUnder(cluster, `assets/${first.asset_id}/`)).toEqual([`${first.version_id}/original`, `${second.version_id}/original`].sort());

      const current = await fetchBytes(second.secure_url);
      expect(current.response.status).toBe(200);
      expect(current.response.headers.get('etag')).toBe(`"${second.etag}"`);
      expect(current.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(current.bytes.equals(blue.bytes)).toBe(true);
      // The first response's URL names a version that is gone: it serves the current bytes, briefly cached.
      const stale = await fetchBytes(first.secure_url);
      expect(stale.response.status).toBe(200);
      expect(stale.response.headers.get('cache-control')).toBe('public, max-age=3600');
      expect(stale.bytes.equals(blue.bytes)).toBe(true);

      const before = await keysUnder(cluster, '');
      const green = await png(60, 60, [0, 255, 0]);
      const third = await uploadOk(cluster, green, { public_id: 'dup', overwrite: 'false' });
      expect(third.existing).toBe(true);
      expect(third).not.toHaveProperty('overwritten');
      expect(third).toMatchObject({
        asset_id: second.asset_id,
        version: second.version,
        version_id: second.version_id,
        etag: second.etag,
        width: 50,
        height: 20,
        bytes: blue.bytes.length,
        secure_url: second.secure_url,
      });
      expect(await keysUnder(cluster, '')).toEqual(before);
      expect((await storedOriginal(second.asset_id, second.version_id)).equals(blue.bytes)).toBe(true);
      await expectNoStagingLeftovers();
      const still = await fetchBytes(`${cluster.baseUrl}/demo/image/upload/dup.png`);
      expect(still.bytes.equals(blue.bytes)).toBe(true);
    });

    it('creates the asset with overwrite=false when the public_id is free, without existing', async () => {
      const image = await png(8, 8, [1, 2, 3]);
      const created = await uploadOk(cluster, image, { public_id: 'fresh-no-overwrite', overwrite: 'false' });
      expect(created).not.toHaveProperty('existing');
      expect((await storedOriginal(created.asset_id, created.version_id)).equals(image.bytes)).toBe(true);
    });
  });

  describe('naming', () => {
    it('use_filename appends _ and six random characters', async () => {
      const file = { ...(await png(4, 4, [9, 9, 9])), filename: 'sunset.png' };
      const a = await uploadOk(cluster, file, { use_filename: 'true' });
      const b = await uploadOk(cluster, file, { use_filename: 'true' });
      expect(a.public_id).toMatch(/^sunset_[a-z0-9]{6}$/);
      expect(b.public_id).toMatch(/^sunset_[a-z0-9]{6}$/);
      expect(a.public_id).not.toBe(b.public_id);
      expect(a.original_filename).toBe('sunset');
      expect(a.display_name).toBe(a.public_id);
    });

    it('use_filename with unique_filename=false uses exactly the name', async () => {
      const file = { ...(await png(4, 4, [9, 9, 9])), filename: 'exact-name.png' };
      const result = await uploadOk(cluster, file, { use_filename: 'true', unique_filename: 'false' });
      expect(result).toMatchObject({ public_id: 'exact-name', original_filename: 'exact-name', display_name: 'exact-name' });
      expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${result.version}/exact-name.png`);
    });

    it('without use_filename the id is 20 random characters, and the filename is only original_filename', async () => {
      const file = { ...(await png(4, 4, [9, 9, 9])), filename: 'ignored-name.png' };
      const result = await uploadOk(cluster, file);
      expect(result.public_id).toMatch(/^[a-z0-9]{20}$/);
      expect(result).toMatchObject({ original_filename: 'ignored-name', display_name: result.public_id, asset_folder: '', folder: '' });
    });

    it('folder prefixes a random id and becomes the asset_folder', async () => {
      const result = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), { folder: 'a/b' });
      expect(result.public_id).toMatch(/^a\/b\/[a-z0-9]{20}$/);
      expect(result).toMatchObject({ asset_folder: 'a/b', folder: 'a/b', display_name: result.public_id.slice(4) });
      expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${result.version}/${result.public_id}.png`);
    });

    it('folder prefixes a given public_id; display_name defaults to its last path element', async () => {
      const result = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), { public_id: 'pic', folder: 'x/y' });
      expect(result).toMatchObject({ public_id: 'x/y/pic', asset_folder: 'x/y', folder: 'x/y', display_name: 'pic' });
      const nested = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), { public_id: 'deep/er/leaf' });
      expect(nested).toMatchObject({ public_id: 'deep/er/leaf', display_name: 'leaf', folder: 'deep/er' });
    });

    it('filename_override replaces the uploaded name, for original_filename and use_filename', async () => {
      const file = { ...(await png(4, 4, [9, 9, 9])), filename: 'camera-0001.png' };
      const plain = await uploadOk(cluster, file, { filename_override: 'overridden' });
      expect(plain.original_filename).toBe('overridden');
      const named = await uploadOk(cluster, file, { filename_override: 'renamed.png', use_filename: 'true', unique_filename: 'false' });
      expect(named).toMatchObject({ public_id: 'renamed', original_filename: 'renamed' });
    });

    it('echoes display_name, and keeps asset_folder independent of the public_id', async () => {
      const result = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), {
        public_id: 'standalone',
        asset_folder: 'library/2024',
        display_name: 'My Nice Picture',
      });
      expect(result).toMatchObject({ public_id: 'standalone', asset_folder: 'library/2024', folder: '', display_name: 'My Nice Picture' });
      expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${result.version}/standalone.png`);
    });

    it('reads tags as a comma list and as repeated tags[] fields', async () => {
      const csv = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), { tags: 'one, two,three' });
      expect(csv.tags).toEqual(['one', 'two', 'three']);
      const repeated = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), { 'tags[]': ['alpha', 'beta gamma', 'alpha'] });
      expect(repeated.tags).toEqual(['alpha', 'beta gamma']);
      const none = await uploadOk(cluster, await png(4, 4, [9, 9, 9]));
      expect(none.tags).toEqual([]);
    });

    it('decodes context pairs with escaped | and =', async () => {
      const result = await uploadOk(cluster, await png(4, 4, [9, 9, 9]), { context: 'alt=A \\| B|caption=x\\=y|k2=v2' });
      expect(result.context).toEqual({ custom: { alt: 'A | B', caption: 'x=y', k2: 'v2' } });
      const none = await uploadOk(cluster, await png(4, 4, [9, 9, 9]));
      expect(none).not.toHaveProperty('context');
    });

    it('refuses a public_id Cloudinary would refuse, storing nothing', async () => {
      const before = await keysUnder(cluster, 'assets/');
      for (const publicId of ['a/v12/b', 'bad?id', '/lead']) {
        const answer = await uploadWithBasicAuth(cluster, await png(4, 4, [9, 9, 9]), { public_id: publicId });
        await expectUploadError(answer, 400, /^Invalid public_id/);
      }
      expect(await keysUnder(cluster, 'assets/')).toEqual(before);
      await expectNoStagingLeftovers();
    });
  });

  describe('formats', () => {
    it('format=png converts a JPEG before storing it', async () => {
      const source = await jpeg(33, 21, [200, 100, 50]);
      const result = await uploadOk(cluster, source, { public_id: 'converted', format: 'png' });
      expect(result).toMatchObject({ public_id: 'converted', format: 'png', width: 33, height: 21 });
      expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/image/upload/v${result.version}/converted.png`);

      const served = await fetchBytes(result.secure_url);
      expect(served.response.status).toBe(200);
      expect(served.response.headers.get('content-type')).toBe('image/png');
      expect(served.bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      const metadata = await sharp(served.bytes).metadata();
      expect(metadata).toMatchObject({ format: 'png', width: 33, height: 21 });
      expect(result.bytes).toBe(served.bytes.length);
      expect(result.etag).toBe(md5(served.bytes));
      expect(result.etag).not.toBe(md5(source.bytes));
      // The converted file is the original now: the JPEG was not kept; a .jpg URL is a derivative of the PNG.
      expect((await storedOriginal(result.asset_id, result.version_id)).equals(served.bytes)).toBe(true);
      const asJpeg = await fetch(`${cluster.baseUrl}/demo/image/upload/converted.jpg`);
      expect(asJpeg.status).toBe(200);
      expect(asJpeg.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await asJpeg.arrayBuffer()).equals(served.bytes)).toBe(false);
    });

    it('allowed_formats refuses an image in another format', async () => {
      const answer = await uploadWithBasicAuth(cluster, await jpeg(10, 10, [0, 0, 0]), { public_id: 'not-allowed', allowed_formats: 'png' });
      await expectUploadError(answer, 400, 'Image file format jpg not allowed');
      expect(
        await findAsset(cluster.cluster.services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: 'not-allowed' }),
      ).toBeUndefined();
      await expectNoStagingLeftovers();
    });

    it('allowed_formats accepts a listed format, and format may convert into one', async () => {
      const accepted = await uploadOk(cluster, await jpeg(10, 10, [0, 0, 0]), { allowed_formats: 'png,jpg' });
      expect(accepted.format).toBe('jpg');
      const converted = await uploadOk(cluster, await jpeg(10, 10, [0, 0, 0]), { allowed_formats: 'png', format: 'png' });
      expect(converted.format).toBe('png');
    });

    it('allowed_formats refuses a raw file by its extension', async () => {
      const answer = await uploadWithBasicAuth(cluster, text('hello\n', 'notes.txt'), { allowed_formats: 'pdf' }, 'raw');
      await expectUploadError(answer, 400, 'Raw file format txt not allowed');
      await expectNoStagingLeftovers();
      const ok = await uploadOk(cluster, text('hello\n', 'notes.txt'), { allowed_formats: 'pdf,txt' }, 'raw');
      expect(ok.public_id).toMatch(/^[a-z0-9]{20}\.txt$/);
    });
  });

  describe('video resource_type', () => {
    it('refuses an image uploaded as video', async () => {
      const answer = await uploadWithBasicAuth(cluster, await png(10, 10, [1, 1, 1]), {}, 'video');
      await expectUploadError(answer, 400, 'Invalid video file');
      await expectNoStagingLeftovers();
    });

    it('accepts a WAV as a video resource, stored and delivered as it came', async () => {
      const bytes = wav(4000);
      expect(bytes.length).toBe(44 + 8000);
      const result = await uploadOk(cluster, { bytes, filename: 'tone.wav', contentType: 'audio/wav' }, { public_id: 'sounds/tone' }, 'video');
      expect(result).toMatchObject({
        public_id: 'sounds/tone',
        resource_type: 'video',
        format: 'wav',
        bytes: bytes.length,
        etag: md5(bytes),
        original_filename: 'tone',
        // Probed: sound only, so no picture fields and pages 0 (a video's).
        pages: 0,
        is_audio: true,
        audio: { codec: 'pcm_s16le', frequency: 8000, channels: 1 },
      });
      expect(result).not.toHaveProperty('width');
      expect(result.secure_url).toBe(`${cluster.baseUrl}/demo/video/upload/v${result.version}/sounds/tone.wav`);
      expect((await storedOriginal(result.asset_id, result.version_id)).equals(bytes)).toBe(true);

      const served = await fetchBytes(result.secure_url);
      expect(served.response.status).toBe(200);
      expect(served.response.headers.get('content-type')).toBe('audio/wav');
      expect(served.response.headers.get('content-length')).toBe(String(bytes.length));
      expect(served.bytes.equals(bytes)).toBe(true);
      const ranged = await fetchBytes(result.secure_url, { range: 'bytes=0-43' });
      expect(ranged.response.status).toBe(206);
      expect(ranged.bytes.equals(bytes.subarray(0, 44))).toBe(true);
    });
  });
});

describe('the S3 storage driver end to end', () => {
  let s3: S3Server;
  let cluster: TestCluster;

  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ['assets'] });
    cluster = await startTestCluster({
      STORAGE_URL: 's3://assets',
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: String(s3.forcePathStyle),
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await s3?.stop();
  });

  /** Every key in the bucket, listed through the cluster's store (s3://assets, no prefix: keys are the bucket's). */
  const bucketKeys = () => storedKeys(cluster.store);

  it('stores uploads in the bucket and serves them, ranges included', async () => {
    const image = await png(64, 48, [10, 200, 30]);
    const result = await uploadOk(cluster, image, { public_id: 'on-s3/picture' });
    expect(result).toMatchObject({ public_id: 'on-s3/picture', width: 64, height: 48, etag: md5(image.bytes), bytes: image.bytes.length });
    // Only the original, under the ids, not the public_id; the staged upload is gone.
    expect(await bucketKeys()).toEqual([`assets/${result.asset_id}/${result.version_id}/original`]);

    const full = await fetchBytes(result.secure_url);
    expect(full.response.status).toBe(200);
    expect(full.response.headers.get('content-type')).toBe('image/png');
    expect(full.response.headers.get('content-length')).toBe(String(image.bytes.length));
    expect(full.response.headers.get('etag')).toBe(`"${md5(image.bytes)}"`);
    expect(full.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(full.bytes.equals(image.bytes)).toBe(true);

    const head = await fetchBytes(result.secure_url, { range: 'bytes=0-9' });
    expect(head.response.status).toBe(206);
    expect(head.response.headers.get('content-range')).toBe(`bytes 0-9/${image.bytes.length}`);
    expect(head.bytes.equals(image.bytes.subarray(0, 10))).toBe(true);

    const tail = await fetchBytes(result.secure_url, { range: 'bytes=-7' });
    expect(tail.response.status).toBe(206);
    expect(tail.bytes.equals(image.bytes.subarray(image.bytes.length - 7))).toBe(true);

    const middle = await fetchBytes(result.secure_url, { range: 'bytes=20-' });
    expect(middle.response.status).toBe(206);
    expect(middle.bytes.equals(image.bytes.subarray(20))).toBe(true);

    const beyond = await fetchBytes(result.secure_url, { range: `bytes=${image.bytes.length}-` });
    expect(beyond.response.status).toBe(416);
    expect(beyond.response.headers.get('content-range')).toBe(`bytes */${image.bytes.length}`);
  });

  it('overwrites in the bucket, keeping the replaced original as a backup', async () => {
    const first = await uploadOk(cluster, await png(10, 10, [1, 1, 1]), { public_id: 'on-s3/again' });
    const replacement = await png(12, 12, [2, 2, 2]);
    const second = await uploadOk(cluster, replacement, { public_id: 'on-s3/again' });
    expect(second.asset_id).toBe(first.asset_id);
    const keys = await bucketKeys();
    expect(keys).toContain(`assets/${second.asset_id}/${second.version_id}/original`);
    // Backups are on by default: the replaced original stays.
    expect(keys).toContain(`assets/${first.asset_id}/${first.version_id}/original`);
    expect(keys.filter((key) => key.startsWith('staging/'))).toEqual([]);
    const served = await fetchBytes(second.secure_url);
    expect(served.bytes.equals(replacement.bytes)).toBe(true);
  });

  it('serves a raw upload from the bucket', async () => {
    const content = 'stored in s3, served byte for byte\n';
    const result = await uploadOk(cluster, text(content, 'note.txt'), { public_id: 'on-s3/note.txt' }, 'raw');
    const served = await fetchBytes(result.secure_url);
    expect(served.response.status).toBe(200);
    expect(served.response.headers.get('content-type')).toBe('text/plain');
    expect(served.bytes.toString()).toBe(content);
    const ranged = await fetchBytes(result.secure_url, { range: 'bytes=7-12' });
    expect(ranged.response.status).toBe(206);
    expect(ranged.bytes.toString()).toBe(content.slice(7, 13));
  });
});

describe('a synchronous upload that outlives its wait', () => {
  let api: TestCluster;
  let worker: TestCluster | undefined;

  beforeAll(async () => {
    // No worker: the job can only wait in the queue.
    api = await startTestCluster({ SYNC_UPLOAD_TIMEOUT_MS: '500' }, ['api']);
    // Under load the producer's Redis connection may still be connecting: an upload would be a 503 at once.
    await until(() => api.cluster.services.queues.isConnected(), 10_000, 'the API connected to Redis');
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
  });

  it('answers 500 naming the job, and the job still completes once a worker runs', async () => {
    const image = await png(30, 20, [5, 6, 7]);
    const started = Date.now();
    const answer = await uploadWithBasicAuth(api, image, { public_id: 'late' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(answer.status).toBe(500);
    expect(Object.keys(answer.body)).toEqual(['error']);
    const message = answer.body.error?.message ?? '';
    expect(message).toMatch(/still processing/);
    const jobId = /job ([0-9a-f-]{36})/.exec(message)?.[1];
    expect(jobId).toBeDefined();

    const db = api.cluster.services.db;
    const identity = { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: 'late' };
    expect(await findAsset(db, identity)).toBeUndefined();
    expect((await findJob(db, jobId ?? ''))?.status).toBe('queued');

    worker = await startTestCluster({}, ['worker'], { shareWith: api });
    // The worker commits the asset, then records the job as completed: wait for both.
    const deadline = Date.now() + 20_000;
    let asset = await findAsset(db, identity);
    let job = await findJob(db, jobId ?? '');
    while ((!asset || job?.status !== 'completed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      asset = await findAsset(db, identity);
      job = await findJob(db, jobId ?? '');
    }
    expect(asset).toBeDefined();
    expect(asset).toMatchObject({ width: 30, height: 20, etag: md5(image.bytes), versionId: (jobId ?? '').replaceAll('-', '') });
    expect(job?.status).toBe('completed');
    expect(job?.error).toBeNull();
    expect(job?.result).not.toBeNull();

    const served = await fetchBytes(`${api.baseUrl}/demo/image/upload/late.png`);
    expect(served.response.status).toBe(200);
    expect(served.bytes.equals(image.bytes)).toBe(true);
    expect(await keysUnder(api, 'staging/')).toEqual([]);
  });
});

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setStrictTransformations } from '@rendition/catalog';
import { fixturePath, startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const JPEG = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const PNG = fixturePath('images/embedgravitybird.png');

type Result = Record<string, unknown> & { public_id: string; version: number; eager?: Array<Record<string, unknown>> };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let photo: Result;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32', WEBHOOK_SCHEDULE_SCALE: '0.001' });
  cloudinary = sdkFor(cluster);
  photo = (await cloudinary.uploader.upload(JPEG, { public_id: 'photo' })) as Result;
  await cloudinary.uploader.upload(PNG, { public_id: 'folder/bird' });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
});

/** Delivery URLs exactly as the SDK builds them, pointed at our host with `cname`. */
function sdkUrl(publicId: string, options: Record<string, unknown>): string {
  return cloudinary.url(publicId, { secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false, ...options });
}

async function fetchImage(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  const metadata = response.status === 200 ? await sharp(bytes).metadata() : undefined;
  return { response, bytes, metadata };
}

describe('eager transformations', () => {
  it('derives eager items synchronously (the SDK object form) and each URL serves the derivative', async () => {
    const result = (await cloudinary.uploader.upload(JPEG, {
      public_id: 'eager-sync',
      eager: [
        { width: 400, height: 300, crop: 'pad' },
        { width: 260, height: 200, crop: 'crop', gravity: 'north', format: 'png' },
      ],
    })) as Result;
    expect(result.eager).toHaveLength(2);
    // The answer is the finished batch's result: it keeps Cloudinary's field order.
    expect(Object.keys(result).slice(0, 5)).toEqual(['asset_id', 'public_id', 'version', 'version_id', 'signature']);
    const [pad, crop] = result.eager!;
    expect(pad).toMatchObject({ transformation: 'c_pad,h_300,w_400', width: 400, height: 300, format: 'jpg' });
    expect(crop).toMatchObject({ transformation: 'c_crop,g_north,h_200,w_260/png', width: 260, height: 200, format: 'png' });
    for (const item of [pad!, crop!]) {
      expect(item.bytes).toBeGreaterThan(0);
      const served = await fetchImage(String(item.secure_url));
      expect(served.response.status).toBe(200);
      expect(served.bytes.length).toBe(item.bytes);
      expect([served.metadata?.width, served.metadata?.height]).toEqual([item.width, item.height]);
      expect(served.metadata?.format).toBe(item.format === 'jpg' ? 'jpeg' : item.format);
    }
    expect(pad!.secure_url).toBe(sdkUrl('eager-sync', { width: 400, height: 300, crop: 'pad', version: result.version, format: 'jpg' }));
  });

  it('answers eager_async at once and sends the eager notification when the derivatives exist', async () => {
    const result = (await cloudinary.uploader.upload(PNG, {
      public_id: 'eager-async',
      eager: 'w_100,c_scale|e_grayscale,w_50,c_scale/jpg',
      eager_async: true,
      eager_notification_url: `${receiver.url}/eager`,
    })) as Result;
    expect(result.eager).toEqual([
      expect.objectContaining({ status: 'processing', transformation: 'w_100,c_scale', batch_id: expect.stringMatching(/^[0-9a-f]{64}$/) }),
      expect.objectContaining({ status: 'processing', transformation: 'e_grayscale,w_50,c_scale/jpg' }),
    ]);
    const [webhook] = await receiver.waitFor(1, { path: '/eager' });
    const timestamp = Number(webhook!.headers['x-cld-timestamp']);
    expect(cloudinary.utils.verifyNotificationSignature(webhook!.body, timestamp, String(webhook!.headers['x-cld-signature']))).toBe(true);
    const payload = JSON.parse(webhook!.body) as { notification_type: string; public_id: string; eager: Array<Record<string, unknown>> };
    expect(payload).toMatchObject({ notification_type: 'eager', public_id: 'eager-async', batch_id: result.eager![0]!.batch_id });
    expect(payload.eager.map((item) => [item.width, item.height, item.format])).toEqual([
      [100, 67, 'png'],
      [50, 33, 'jpg'],
    ]);
    const gray = await fetchImage(String(payload.eager[1]!.secure_url));
    const stats = await sharp(gray.bytes).stats();
    expect(Math.abs(stats.channels[0]!.mean - stats.channels[2]!.mean)).toBeLessThan(2);
  });

  it('applies explicit eager transformations to an existing asset', async () => {
    const result = (await cloudinary.uploader.explicit('photo', { type: 'upload', eager: [{ width: 120, crop: 'scale' }] })) as Result;
    expect(result.public_id).toBe('photo');
    expect(result.eager).toEqual([expect.objectContaining({ transformation: 'c_scale,w_120', width: 120, height: 98 })]);
    await expect(cloudinary.uploader.explicit('no-such-asset', { type: 'upload', eager: [{ width: 10, crop: 'scale' }] })).rejects.toMatchObject({
      http_code: 404,
    });
  });

  it('refuses a malformed eager item with a 400 naming it, before storing anything', async () => {
    await expect(cloudinary.uploader.upload(PNG, { public_id: 'bad-eager', eager: 'w_abc' })).rejects.toMatchObject({
      http_code: 400,
      message: 'Invalid width in transformation: abc',
    });
    const missing = await fetch(`${cluster.baseUrl}/demo/image/upload/bad-eager.png`);
    expect(missing.status).toBe(404);
  });

  it('applies an incoming transformation before storing the original', async () => {
    const result = (await cloudinary.uploader.upload(JPEG, {
      public_id: 'incoming',
      transformation: { width: 2000, height: 1000, crop: 'limit' },
    })) as Result;
    expect([result.width, result.height]).toEqual([1225, 1000]);
    const served = await fetchImage(`${cluster.baseUrl}/demo/image/upload/incoming.jpg`);
    expect([served.metadata?.width, served.metadata?.height]).toEqual([1225, 1000]);
  });
});

describe('the first eager item derived by the ingest itself', () => {
  const jobKinds = async (batchId: string) =>
    (await cluster.cluster.services.db.selectFrom('jobs').select('kind').where('batch_id', '=', batchId).execute()).map((row) => row.kind).sort();

  it('an async upload with eager_async needs no derive job: one decode verifies the upload and derives the item', async () => {
    const pending = (await cloudinary.uploader.upload(JPEG, {
      public_id: 'eager-inline',
      async: true,
      eager: 'c_fill,w_720,h_588,q_80',
      eager_async: true,
      eager_notification_url: `${receiver.url}/inline`,
    })) as Result & { batch_id: string };
    expect(pending).toMatchObject({ status: 'pending' });
    const [webhook] = await receiver.waitFor(1, { path: '/inline' });
    const timestamp = Number(webhook!.headers['x-cld-timestamp']);
    expect(cloudinary.utils.verifyNotificationSignature(webhook!.body, timestamp, String(webhook!.headers['x-cld-signature']))).toBe(true);
    const payload = JSON.parse(webhook!.body) as { notification_type: string; eager: Array<Record<string, unknown>> };
    expect(payload.notification_type).toBe('eager');
    expect(payload.eager).toEqual([expect.objectContaining({ transformation: 'c_fill,w_720,h_588,q_80', width: 720, height: 588, format: 'jpg' })]);
    const served = await fetchImage(String(payload.eager[0]!.secure_url));
    expect([served.response.status, served.metadata?.width, served.metadata?.height, served.bytes.length]).toEqual([
      200,
      720,
      588,
      payload.eager[0]!.bytes,
    ]);
    expect(await jobKinds(pending.batch_id)).toEqual(['ingest']);
  });

  it('a synchronous upload with eager_async answers before any derivation: its items stay derive jobs', async () => {
    const result = (await cloudinary.uploader.upload(PNG, {
      public_id: 'eager-async-sync',
      eager: 'w_60,c_scale',
      eager_async: true,
      eager_notification_url: `${receiver.url}/sync-async`,
    })) as Result;
    const batchId = String(result.eager![0]!.batch_id);
    await receiver.waitFor(1, { path: '/sync-async' });
    expect(await jobKinds(batchId)).toEqual(['derive', 'ingest']);
  });

  it('refuses a truncated JPEG whatever the first eager item reads of it, storing nothing', async () => {
    const whole = await sharp(JPEG).resize(800, 650).jpeg({ quality: 90 }).toBuffer();
    const truncated = `data:image/jpeg;base64,${whole.subarray(0, Math.floor(whole.length * 0.6)).toString('base64')}`;
    // c_scale reads every pixel, so its decode is the verification; the crop reads only the top
    // (it succeeds on the truncated file), so the ingest verifies separately.
    for (const [publicId, eager] of [
      ['truncated-scale', 'c_scale,w_100'],
      ['truncated-crop', 'c_crop,w_100,h_10,g_north'],
      ['truncated-fill-north', 'c_fill,w_720,h_100,g_north'],
    ]) {
      await expect(cloudinary.uploader.upload(truncated, { public_id: publicId, eager })).rejects.toMatchObject({
        http_code: 400,
        message: 'Invalid image file',
      });
      const stored = await cluster.cluster.services.db.selectFrom('assets').select('asset_id').where('public_id', '=', publicId!).execute();
      expect(stored).toEqual([]);
    }
  });
});

describe('on-the-fly delivery', () => {
  it('serves SDK-built transformation URLs, derived once and then from storage', async () => {
    const url = sdkUrl('photo', { width: 300, height: 200, crop: 'fill', gravity: 'auto', quality: 'auto', version: photo.version, format: 'jpg' });
    const first = await fetchImage(url);
    expect(first.response.status).toBe(200);
    expect([first.metadata?.width, first.metadata?.height, first.metadata?.format]).toEqual([300, 200, 'jpeg']);
    expect(first.response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const second = await fetchImage(url);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.response.headers.get('etag')).toBe(first.response.headers.get('etag'));
  });

  it('gives the same derivative whatever the parameter order in the URL', async () => {
    const a = await fetchImage(`${cluster.baseUrl}/demo/image/upload/w_150,h_100,c_fill/photo.jpg`);
    const b = await fetchImage(`${cluster.baseUrl}/demo/image/upload/c_fill,h_100,w_150/photo.jpg`);
    expect(a.response.status).toBe(200);
    expect(b.bytes.equals(a.bytes)).toBe(true);
  });

  it('converts formats by extension and by f_auto with Accept', async () => {
    const webp = await fetchImage(`${cluster.baseUrl}/demo/image/upload/v1/folder/bird.webp`);
    expect([webp.response.status, webp.metadata?.format, webp.metadata?.width]).toEqual([200, 'webp', 576]);
    const auto = await fetchImage(sdkUrl('folder/bird', { width: 100, crop: 'scale', fetch_format: 'auto' }), { accept: 'image/avif,image/webp,*/*' });
    expect([auto.response.status, auto.metadata?.format]).toEqual([200, 'heif']);
    expect(auto.response.headers.get('vary')).toBe('Accept');
    const fallback = await fetchImage(sdkUrl('folder/bird', { width: 100, crop: 'scale', fetch_format: 'auto' }), { accept: 'image/png' });
    expect(fallback.metadata?.format).toBe('png');
  });

  it('runs effects, radius, angle and border through the executor', async () => {
    const sepia = await fetchImage(sdkUrl('photo', { width: 200, crop: 'scale', effect: 'sepia', format: 'jpg' }));
    const stats = await sharp(sepia.bytes).stats();
    expect(stats.channels[0]!.mean).toBeGreaterThan(stats.channels[2]!.mean);
    const rotated = await fetchImage(sdkUrl('photo', { width: 200, height: 100, crop: 'fill', angle: 90, format: 'png' }));
    expect([rotated.metadata?.width, rotated.metadata?.height]).toEqual([100, 200]);
    const round = await fetchImage(sdkUrl('folder/bird', { width: 100, height: 100, crop: 'fill', radius: 'max', format: 'png' }));
    const corner = await sharp(round.bytes).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer();
    expect(corner[3]).toBe(0);
  });

  it('computes a new derivative once for 20 concurrent first requests', async () => {
    const url = `${cluster.baseUrl}/demo/image/upload/w_123,h_77,c_fill/photo.png`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetchImage(url)));
    expect(answers.map((answer) => answer.response.status)).toEqual(Array(20).fill(200));
    for (const answer of answers) expect(answer.bytes.equals(answers[0]!.bytes)).toBe(true);
    const { Queue } = await import('bullmq');
    const { createRedisConnection } = await import('@rendition/jobs');
    const connection = createRedisConnection(cluster.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
    const queue = new Queue('derive', { connection, prefix: cluster.queuePrefix });
    try {
      const jobs = (await queue.getJobs(['completed', 'active', 'waiting', 'failed'])).filter(
        (job) => (job.data as { transformation: string }).transformation === 'c_fill,h_77,w_123',
      );
      expect(jobs).toHaveLength(1);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('refuses invalid and oversized transformations with a 400 naming the problem', async () => {
    const bad = await fetch(`${cluster.baseUrl}/demo/image/upload/w_abc/photo.jpg`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('abc');
    const huge = await fetch(`${cluster.baseUrl}/demo/image/upload/w_100000,c_scale/photo.jpg`);
    expect(huge.status).toBe(400);
    expect(huge.headers.get('x-cld-error')).toMatch(/exceeds/);
  });
});

describe('named transformations and versions', () => {
  it('creates a named transformation with the Admin API and uses it as t_<name> in URLs and eager lists', async () => {
    expect(await cloudinary.api.create_transformation('small_gray', { width: 64, crop: 'scale', effect: 'grayscale' })).toMatchObject({
      message: 'created',
    });
    expect(await cloudinary.api.transformation('small_gray')).toMatchObject({
      name: 't_small_gray',
      named: true,
      info: [{ crop: 'scale', effect: 'grayscale', width: 64 }],
    });
    const url = sdkUrl('photo', { transformation: 'small_gray', format: 'jpg' });
    expect(url).toContain('/t_small_gray/');
    const served = await fetchImage(url);
    expect([served.response.status, served.metadata?.width]).toEqual([200, 64]);
    const eager = (await cloudinary.uploader.explicit('photo', { type: 'upload', eager: 't_small_gray/png' })) as Result;
    expect(eager.eager).toEqual([expect.objectContaining({ transformation: 't_small_gray/png', width: 64, format: 'png' })]);
    expect(await cloudinary.api.delete_transformation('small_gray')).toMatchObject({ message: 'deleted' });
    const gone = await fetch(sdkUrl('photo', { transformation: 'small_gray', width: 10, crop: 'scale', format: 'jpg' }));
    expect(gone.status).toBe(400);
    expect(gone.headers.get('x-cld-error')).toBe('Unknown transformation small_gray');
  });

  it('drops the derivatives of a version an overwrite replaced', async () => {
    const first = (await cloudinary.uploader.upload(JPEG, { public_id: 'replaced' })) as Result & { asset_id: string; version_id: string };
    const derivedUrl = `${cluster.baseUrl}/demo/image/upload/w_90,c_scale/replaced.jpg`;
    expect((await fetchImage(derivedUrl)).metadata?.width).toBe(90);
    const derivedPrefix = `assets/${first.asset_id}/${first.version_id}/derived/`;
    expect(await storedKeys(cluster.store, derivedPrefix)).toHaveLength(1);
    const second = (await cloudinary.uploader.upload(PNG, { public_id: 'replaced' })) as Result & { version_id: string };
    expect(second.version_id).not.toBe(first.version_id);
    expect(await storedKeys(cluster.store, derivedPrefix)).toEqual([]);
    const fresh = await fetchImage(derivedUrl);
    expect([fresh.metadata?.width, fresh.metadata?.height]).toEqual([90, 60]);
  });
});

describe('signed URLs and strict transformations', () => {
  it('serves authenticated assets only through signed URLs', async () => {
    const secret = (await cloudinary.uploader.upload(PNG, { public_id: 'secret', type: 'authenticated' })) as Result;
    const signed = sdkUrl('secret', { type: 'authenticated', sign_url: true, width: 80, crop: 'scale', version: secret.version, format: 'png' });
    expect(signed).toMatch(/\/s--[A-Za-z0-9_-]{8}--\//);
    const ok = await fetchImage(signed);
    expect([ok.response.status, ok.metadata?.width]).toEqual([200, 80]);
    const unsigned = await fetch(sdkUrl('secret', { type: 'authenticated', width: 80, crop: 'scale', format: 'png' }));
    expect(unsigned.status).toBe(401);
    const tampered = await fetch(signed.replace('w_80', 'w_81'));
    expect(tampered.status).toBe(401);
    const original = await fetch(sdkUrl('secret', { type: 'authenticated', sign_url: true, format: 'png' }));
    expect(original.status).toBe(200);
  });

  it('with strict transformations, creates derivatives only for signed URLs but still serves eager ones', async () => {
    const db = cluster.cluster.services.db;
    await setStrictTransformations(db, 'demo', true);
    try {
      const unsigned = await fetch(sdkUrl('photo', { width: 77, crop: 'scale', format: 'jpg' }));
      expect(unsigned.status).toBe(401);
      const signed = await fetch(sdkUrl('photo', { width: 77, crop: 'scale', format: 'jpg', sign_url: true }));
      expect(signed.status).toBe(200);
      const eager = await fetch(sdkUrl('photo', { width: 120, crop: 'scale', format: 'jpg' }));
      expect(eager.status).toBe(200);
    } finally {
      await setStrictTransformations(db, 'demo', false);
    }
  });
});

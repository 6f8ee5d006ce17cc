import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Private downloads (`utils.private_download_url`) and `explicit` with `async: true` (issue 18, items 1
// and 5) through the official Node SDK.

type Result = Record<string, unknown> & { public_id: string; version: number };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let work: string;
const photo = fixturePath('images/2569067123_aca715a2ee_o.jpg');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-downloads-e2e-'));
  receiver = await startWebhookReceiver();
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' });
  cloudinary = sdkFor(cluster);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const upload = (path: string, options: Record<string, unknown>) => cloudinary.uploader.upload(path, options) as Promise<Result>;

async function get(url: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

describe('private downloads', () => {
  it('delivers a private original (which no delivery URL serves) with its bytes', async () => {
    const stored = await upload(photo, { public_id: 'secret/photo', type: 'private' });
    const byUrl = await get(String(stored.secure_url));
    expect(byUrl.status).toBe(401);
    const download = await get(cloudinary.utils.private_download_url('secret/photo', 'jpg', { type: 'private' }));
    expect(download.status).toBe(200);
    expect(download.body.equals(await readFile(photo))).toBe(true);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(download.headers.get('cache-control')).toBe('private, no-store');
  });

  it('answers an attachment, another format as a converted derivative, and authenticated and raw assets', async () => {
    const attachment = await get(cloudinary.utils.private_download_url('secret/photo', 'jpg', { type: 'private', attachment: true }));
    expect(attachment.status).toBe(200);
    expect(attachment.headers.get('content-disposition')).toMatch(/^attachment; filename="photo\.jpg"/);
    const png = await get(cloudinary.utils.private_download_url('secret/photo', 'png', { type: 'private' }));
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    const original = await sharp(photo).metadata();
    expect(await sharp(png.body).metadata()).toMatchObject({ format: 'png', width: original.width, height: original.height });

    await upload(photo, { public_id: 'locked', type: 'authenticated' });
    expect((await get(cloudinary.utils.private_download_url('locked', 'jpg', { type: 'authenticated' }))).status).toBe(200);
    const notes = join(work, 'notes.txt');
    await writeFile(notes, 'private notes\n'.repeat(100));
    await cloudinary.uploader.upload(notes, { resource_type: 'raw', public_id: 'notes.txt', type: 'private' });
    const text = await get(cloudinary.utils.private_download_url('notes.txt', null, { resource_type: 'raw', type: 'private' }));
    expect(text.status).toBe(200);
    expect(text.body.equals(await readFile(notes))).toBe(true);
  });

  it('refuses an expired link, a bad signature and an unknown asset', async () => {
    const expired = await get(
      cloudinary.utils.private_download_url('secret/photo', 'jpg', { type: 'private', expires_at: Math.floor(Date.now() / 1000) - 10 }),
    );
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body.toString()).error.message).toMatch(/expired/);
    const later = await get(
      cloudinary.utils.private_download_url('secret/photo', 'jpg', { type: 'private', expires_at: Math.floor(Date.now() / 1000) + 600 }),
    );
    expect(later.status).toBe(200);
    const url = new URL(cloudinary.utils.private_download_url('secret/photo', 'jpg', { type: 'private' }));
    url.searchParams.set('public_id', 'other');
    const tampered = await get(url.toString());
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.body.toString()).error.message).toMatch(/Invalid Signature/i);
    expect((await get(cloudinary.utils.private_download_url('no/such', 'jpg', { type: 'private' }))).status).toBe(404);
  });
});

describe('explicit with async', () => {
  it('answers pending with a batch id, then notifies the result', async () => {
    await upload(photo, { public_id: 'later' });
    const hook = `${receiver.url}/explicit-async`;
    const pending = (await cloudinary.uploader.explicit('later', { type: 'upload', async: true, tags: ['a'], notification_url: hook })) as Result;
    expect(pending).toMatchObject({ status: 'pending', public_id: 'later', type: 'upload', resource_type: 'image' });
    expect(pending.batch_id).toMatch(/^[0-9a-f]{64}$/);
    const [webhook] = await receiver.waitFor(1, { path: '/explicit-async', timeoutMs: 20_000 });
    const body = JSON.parse(webhook!.body) as Record<string, unknown>;
    expect(body).toMatchObject({ notification_type: 'upload', public_id: 'later', tags: ['a'] });

    const eager = (await cloudinary.uploader.explicit('later', {
      type: 'upload',
      async: true,
      eager: [{ width: 40, crop: 'scale' }],
      notification_url: `${receiver.url}/explicit-eager`,
    })) as Result;
    expect(eager.status).toBe('pending');
    const [done] = await receiver.waitFor(1, { path: '/explicit-eager', timeoutMs: 20_000 });
    const eagerBody = JSON.parse(done!.body) as { notification_type: string; eager: Array<{ width: number }> };
    expect(eagerBody.notification_type).toBe('eager');
    expect(eagerBody.eager[0]!.width).toBe(40);
    expect(await sdkRefusal(cloudinary.uploader.explicit('missing', { type: 'upload', async: true }))).toMatchObject({ http_code: 404 });
  });
});

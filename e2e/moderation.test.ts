import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, startWebhookReceiver, videoFixture, type CloudinarySdk, type ReceivedWebhook, type WebhookReceiver } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Moderation (issue 13) through the official Node SDK: manual review and its decisions, duplicate
// detection, the local classifier behind aws_rek / rendition_nsfw / google_video_moderation, chains,
// notifications, listings, delivery of rejected assets, and bad input.

type Entry = { kind: string; status: string; response?: Record<string, unknown>; updated_at?: string };
type Result = Record<string, unknown> & { public_id: string; version: number; moderation?: Entry[] };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let work: string;
const photo = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const otherPhoto = fixturePath('images/Channel_digital_image_CMYK_color.jpg');
let photoHalf: string;
let photoRecompressed: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-moderation-e2e-'));
  photoHalf = join(work, 'half.jpg');
  photoRecompressed = join(work, 'recompressed.jpg');
  const { width } = await sharp(photo).metadata();
  await sharp(photo)
    .resize({ width: Math.round(width! / 2) })
    .jpeg({ quality: 80 })
    .toFile(photoHalf);
  await sharp(photo).jpeg({ quality: 40 }).toFile(photoRecompressed);
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
const update = (publicId: string, options: Record<string, unknown>) => cloudinary.api.update(publicId, options) as Promise<Result>;
const resource = (publicId: string, options: Record<string, unknown> = {}) => cloudinary.api.resource(publicId, options) as Promise<Result>;

function bodies(path: string): Array<Record<string, unknown>> {
  return receiver.received.filter((webhook) => webhook.path === path).map((webhook) => JSON.parse(webhook.body) as Record<string, unknown>);
}

function moderationBodies(path: string): Array<Record<string, unknown>> {
  return bodies(path).filter((body) => body.notification_type === 'moderation');
}

async function moderationNotifications(path: string, count: number): Promise<Array<Record<string, unknown>>> {
  const deadline = Date.now() + 30_000;
  while (moderationBodies(path).length < count) {
    if (Date.now() > deadline) throw new Error(`expected ${count} moderation notifications on ${path}, got ${moderationBodies(path).length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return moderationBodies(path);
}

function verified(webhook: ReceivedWebhook): boolean {
  return cloudinary.utils.verifyNotificationSignature(
    webhook.body,
    Number(webhook.headers['x-cld-timestamp']),
    String(webhook.headers['x-cld-signature']),
  );
}

async function status(url: string): Promise<{ status: number; error: string | null; type: string | null }> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, error: response.headers.get('x-cld-error'), type: response.headers.get('content-type') };
}

describe('manual moderation', () => {
  it('waits pending, is listed, and every real decision notifies; a rejected image is a placeholder until approved again', async () => {
    const hook = `${receiver.url}/manual`;
    const result = await upload(photo, { public_id: 'manual/one', moderation: 'manual', notification_url: hook });
    expect(result.moderation).toEqual([{ kind: 'manual', status: 'pending' }]);
    const url = String(result.secure_url);
    // Pending assets are delivered (Cloudinary's default).
    expect((await status(url)).status).toBe(200);

    const approved = await update('manual/one', { moderation_status: 'approved' });
    expect(approved.moderation?.[0]).toMatchObject({ kind: 'manual', status: 'approved' });
    const [first] = await moderationNotifications('/manual', 1);
    expect(first).toMatchObject({
      notification_type: 'moderation',
      moderation_status: 'approved',
      moderation_kind: 'manual',
      public_id: 'manual/one',
      asset_id: result.asset_id,
      version: result.version,
      secure_url: url,
      etag: result.etag,
    });
    expect(first!.moderation_updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(receiver.received.filter((webhook) => webhook.path === '/manual').every(verified)).toBe(true);

    // The same status again is no change: no notification.
    await update('manual/one', { moderation_status: 'approved' });
    const rejected = await update('manual/one', { moderation_status: 'rejected' });
    expect(rejected.moderation?.[0]?.status).toBe('rejected');
    const notes = await moderationNotifications('/manual', 2);
    expect(notes.map((note) => note.moderation_status)).toEqual(['approved', 'rejected']);
    expect(notes[1]!.etag).toBeNull();

    const details = await resource('manual/one');
    expect(details).toMatchObject({ placeholder: true, bytes: 0 });
    const refused = await status(url);
    expect(refused.status).toBe(404);
    expect(refused.error).toContain('Resource not found');
    // d_<default>: the default image is delivered in its place, with the rest of the transformation.
    await upload(otherPhoto, { public_id: 'avatars/anon' });
    const fallback = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/d_avatars:anon.jpg,w_50/manual/one.png`);
    expect(fallback.status).toBe(200);
    expect(fallback.headers.get('content-type')).toBe('image/png');
    const fallbackImage = await sharp(Buffer.from(await fallback.arrayBuffer())).metadata();
    expect(fallbackImage.width).toBe(50);

    await update('manual/one', { moderation_status: 'approved' });
    expect((await status(url)).status).toBe(200);
    expect(await resource('manual/one')).toMatchObject({ placeholder: false });
    expect((await moderationNotifications('/manual', 3)).map((note) => note.moderation_status)).toEqual(['approved', 'rejected', 'approved']);
  });

  it('lists by kind and status with cursors, naming the entry in each item', async () => {
    for (const name of ['a', 'b', 'c']) await upload(photo, { public_id: `queue/${name}`, moderation: 'manual' });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = (await cloudinary.api.resources_by_moderation('manual', 'pending', {
        max_results: 2,
        ...(cursor ? { next_cursor: cursor } : {}),
      })) as {
        resources: Array<Record<string, unknown>>;
        next_cursor?: string;
      };
      expect(page.resources.length).toBeLessThanOrEqual(2);
      for (const item of page.resources) expect(item).toMatchObject({ moderation_kind: 'manual', moderation_status: 'pending' });
      seen.push(...page.resources.map((item) => String(item.public_id)));
      cursor = page.next_cursor;
    } while (cursor);
    // Newest first, as Cloudinary lists.
    expect(seen.filter((id) => id.startsWith('queue/'))).toEqual(['queue/c', 'queue/b', 'queue/a']);
    expect(seen).not.toContain('manual/one');
    const withEntries = (await cloudinary.api.resources_by_moderation('manual', 'pending', { moderations: true })) as { resources: Result[] };
    expect(withEntries.resources[0]!.moderation).toEqual([{ kind: 'manual', status: 'pending' }]);
  });

  it('answers Cloudinary-shaped errors for bad decisions and bad parameters', async () => {
    expect(await sdkRefusal(update('queue/a', { moderation_status: 'maybe' }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(update('no/such/asset', { moderation_status: 'approved' }))).toMatchObject({ http_code: 404 });
    const unknown = await sdkRefusal(upload(photo, { moderation: 'telepathy' }));
    expect(unknown).toMatchObject({ http_code: 400 });
    expect(unknown.message).toContain('telepathy');
    expect(await sdkRefusal(upload(photo, { moderation: 'duplicate:1.5' }))).toMatchObject({ http_code: 400, message: expect.stringContaining('1.5') });
    expect(await sdkRefusal(upload(photo, { moderation: 'manual|aws_rek' }))).toMatchObject({ http_code: 400 });
    const video = await sdkRefusal(upload(await videoFixture('mp4'), { resource_type: 'video', moderation: 'aws_rek' }));
    expect(video).toMatchObject({ http_code: 400, message: expect.stringContaining('aws_rek') });
    // An asset never moderated takes a decision as a manual entry (as Cloudinary's console does).
    await upload(photo, { public_id: 'never-moderated' });
    const decided = await update('never-moderated', { moderation_status: 'approved' });
    expect(decided.moderation).toEqual([expect.objectContaining({ kind: 'manual', status: 'approved' })]);
  });
});

describe('duplicate detection', () => {
  it('rejects a near-duplicate of an indexed image, names the original, and lets a different image through', async () => {
    const original = await upload(photo, { public_id: 'dup/original', moderation: 'duplicate:0.85' });
    expect(original.moderation?.[0]).toMatchObject({ kind: 'duplicate', status: 'approved' });
    for (const [name, variant] of [
      ['half', photoHalf],
      ['recompressed', photoRecompressed],
    ] as const) {
      const copy = await upload(variant, { public_id: `dup/${name}`, moderation: 'duplicate:0.85' });
      expect(copy.moderation?.[0]).toMatchObject({ kind: 'duplicate', status: 'rejected' });
      const duplicates = (copy.moderation?.[0]?.response as { duplicates: Array<{ public_id: string; similarity: number }> }).duplicates;
      expect(duplicates[0]!.public_id).toBe('dup/original');
      expect(duplicates[0]!.similarity).toBeGreaterThanOrEqual(0.85);
      expect(copy).toMatchObject({ placeholder: true, bytes: 0 });
    }
    const different = await upload(otherPhoto, { public_id: 'dup/different', moderation: 'duplicate:0.85' });
    expect(different.moderation?.[0]?.status).toBe('approved');
    expect(
      ((await cloudinary.api.resources_by_moderation('duplicate', 'rejected')) as { resources: Result[] }).resources.map((item) => item.public_id),
    ).toEqual(['dup/recompressed', 'dup/half']);
  });

  it('duplicate:0 only indexes; a rejected image is not matched later', async () => {
    const indexed = await upload(otherPhoto, { public_id: 'dup0/a', moderation: 'duplicate:0' });
    expect(indexed.moderation?.[0]?.status).toBe('approved');
    await update('dup0/a', { moderation_status: 'rejected' });
    // dup/different (the same picture) is still indexed and approved: it is the match, not dup0/a.
    const again = await upload(otherPhoto, { public_id: 'dup0/b', moderation: 'duplicate:0.95' });
    const names = (again.moderation?.[0]?.response as { duplicates: Array<{ public_id: string }> }).duplicates.map((item) => item.public_id);
    expect(names).toContain('dup/different');
    expect(names).not.toContain('dup0/a');
  });
});

describe('the local classifier', () => {
  it('approves safe images under aws_rek with Rekognition-shaped labels, and notifies the verdict', async () => {
    const hook = `${receiver.url}/aws`;
    const result = await upload(photo, { public_id: 'ai/safe', moderation: 'aws_rek', notification_url: hook });
    const [entry] = result.moderation!;
    expect(entry).toMatchObject({
      kind: 'aws_rek',
      status: 'approved',
      response: { moderation_labels: [], moderation_model_version: 'nsfwjs-mobilenet_v2' },
    });
    expect(entry!.updated_at).toMatch(/Z$/);
    const [note] = await moderationNotifications('/aws', 1);
    expect(note).toMatchObject({ moderation_kind: 'aws_rek', moderation_status: 'approved', public_id: 'ai/safe' });
    for (const fixture of ['4.webp', 'gradients-rgb8.png']) {
      const safe = await upload(fixturePath(`images/${fixture}`), { moderation: 'rendition_nsfw' });
      expect(safe.moderation?.[0]?.status).toBe('approved');
      const scores = (safe.moderation?.[0]?.response as { scores: Record<string, number> }).scores;
      expect(Object.keys(scores).sort()).toEqual(['drawing', 'hentai', 'neutral', 'porn', 'sexy']);
    }
  });

  it('rejects when a threshold is crossed, as a placeholder that is not delivered', async () => {
    const rejected = await upload(photo, { public_id: 'ai/strict', moderation: 'aws_rek:explicit_nudity:0.0001' });
    expect(rejected.moderation?.[0]).toMatchObject({ kind: 'aws_rek', status: 'rejected' });
    expect(rejected).toMatchObject({ placeholder: true, bytes: 0 });
    expect((await status(String(rejected.secure_url))).status).toBe(404);
    const ours = await upload(photo, { moderation: 'rendition_nsfw:porn:0.0001' });
    expect(ours.moderation?.[0]).toMatchObject({ status: 'rejected', response: { thresholds: expect.objectContaining({ porn: 0.0001 }) } });
  });

  it('chains aws_rek|manual: approval hands on to manual, rejection aborts it; each step notifies', async () => {
    const hook = `${receiver.url}/chain`;
    const handed = await upload(photo, { public_id: 'chain/ok', moderation: 'aws_rek|manual', notification_url: hook });
    expect(handed.moderation!.map((entry) => [entry.kind, entry.status])).toEqual([
      ['aws_rek', 'approved'],
      ['manual', 'pending'],
    ]);
    const stopped = await upload(photo, { public_id: 'chain/stopped', moderation: 'aws_rek:explicit_nudity:0.0001|manual', notification_url: hook });
    expect(stopped.moderation!.map((entry) => [entry.kind, entry.status])).toEqual([
      ['aws_rek', 'rejected'],
      ['manual', 'aborted'],
    ]);
    const pending = (await cloudinary.api.resources_by_moderation('manual', 'pending')) as { resources: Result[] };
    expect(pending.resources.map((item) => item.public_id)).toContain('chain/ok');
    expect(pending.resources.map((item) => item.public_id)).not.toContain('chain/stopped');
    const decided = await update('chain/ok', { moderation_status: 'approved' });
    expect(decided.moderation!.map((entry) => entry.status)).toEqual(['approved', 'approved']);
    const notes = await moderationNotifications('/chain', 3);
    expect(notes.map((note) => [note.public_id, note.moderation_kind, note.moderation_status])).toEqual([
      ['chain/ok', 'aws_rek', 'approved'],
      ['chain/stopped', 'aws_rek', 'rejected'],
      ['chain/ok', 'manual', 'approved'],
    ]);
  });

  it('moderates video frames sampled by ffmpeg for google_video_moderation', async () => {
    const clip = await videoFixture('mp4');
    const approved = await upload(clip, { resource_type: 'video', public_id: 'clip/ok', moderation: 'google_video_moderation:possible' });
    expect(approved.moderation?.[0]).toMatchObject({
      kind: 'google_video_moderation',
      status: 'approved',
      response: { moderation_confidence: 'POSSIBLE', frames: [] },
    });
    const strict = await upload(clip, { resource_type: 'video', public_id: 'clip/strict', moderation: 'google_video_moderation:very_unlikely' });
    expect(strict.moderation?.[0]?.status).toBe('rejected');
    const frames = (strict.moderation?.[0]?.response as { frames: Array<{ pornography_likelihood: string; time_offset: number }> }).frames;
    expect(frames.length).toBeGreaterThan(0);
    expect(frames[0]!.pornography_likelihood).toBe('VERY_UNLIKELY');
    expect((await status(String(strict.secure_url))).status).toBe(404);
  });

  it('an async upload answers pending at once and notifies the final verdict in its upload notification', async () => {
    const hook = `${receiver.url}/async`;
    const accepted = await upload(photo, { public_id: 'ai/async', moderation: 'aws_rek', async: true, notification_url: hook });
    expect(accepted.status).toBe('pending');
    const deadline = Date.now() + 30_000;
    while (!bodies('/async').some((body) => body.notification_type === 'upload')) {
      if (Date.now() > deadline) throw new Error('no upload notification');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const uploadNote = bodies('/async').find((body) => body.notification_type === 'upload')!;
    expect((uploadNote.moderation as Entry[])[0]).toMatchObject({ kind: 'aws_rek', status: 'approved' });
  });
});

import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCloudNotificationUrls } from '@rendition/catalog';
import {
  fixturePath,
  startWebhookReceiver,
  verifyStandardWebhook,
  type CloudinarySdk,
  type ReceivedWebhook,
  type WebhookReceiver,
} from '@rendition/testing';
import { cloudWebhookSettings } from '@rendition/catalog';
import { generateWebhookSecret } from '@rendition/webhooks';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const PNG = fixturePath('images/embedgravitybird.png');
const png = readFileSync(PNG);

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let source: Server;
let sourceUrl: string;
let webhookSecret: string;

/** Paths under /flaky answer 500 three times, /gone answers 410; everything else 200. */
function respond(request: ReceivedWebhook, countOnPath: number) {
  if (request.path.startsWith('/flaky')) return { status: countOnPath <= 3 ? 500 : 200 };
  if (request.path.startsWith('/gone')) return { status: 410 };
  return { status: 200 };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver(respond);
  source = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png));
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  const address = source.address();
  sourceUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/bird.png`;
  cluster = await startTestCluster({
    SSRF_ALLOW: '127.0.0.1/32',
    WEBHOOK_SCHEDULE_SCALE: '0.0002',
    RELAY_INTERVAL_MS: '1000',
    RELAY_GRACE_MS: '1000',
  });
  webhookSecret = (await cloudWebhookSettings(cluster.cluster.services.db, 'demo', generateWebhookSecret)).webhookSecret;
  cloudinary = sdkFor(cluster);
});

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  await new Promise((resolve) => source?.close(resolve));
});

async function upload(fields: Record<string, string | Blob>): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, {
    method: 'POST',
    body: form,
    headers: { authorization: basicAuthHeader(cluster.credentials) },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function batch(
  batchId: string,
): Promise<Record<string, unknown> & { notifications: Array<Record<string, unknown>>; jobs: Array<Record<string, unknown>> }> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${batchId}`, { headers: { authorization: basicAuthHeader(cluster.credentials) } });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

function verifyBoth(webhook: ReceivedWebhook): void {
  const timestamp = Number(webhook.headers['x-cld-timestamp']);
  const signature = String(webhook.headers['x-cld-signature']);
  expect(cloudinary.utils.verifyNotificationSignature(webhook.body, timestamp, signature)).toBe(true);
  expect(verifyStandardWebhook(webhook.body, webhook.headers, webhookSecret)).toBe(true);
  expect(webhook.headers['content-type']).toBe('application/json');
}

describe('async uploads and notifications', () => {
  it('answers async=true at once and notifies with the same response a synchronous upload gives', async () => {
    const sync = await upload({ file: new Blob([png]), public_id: 'sync-bird' });
    expect(sync.status).toBe(200);

    const accepted = await upload({ file: new Blob([png]), public_id: 'async-bird', async: 'true', notification_url: `${receiver.url}/multipart` });
    expect(accepted.status).toBe(200);
    expect(Object.keys(accepted.body).sort()).toEqual(['batch_id', 'public_id', 'resource_type', 'status', 'type']);
    expect(accepted.body).toMatchObject({ status: 'pending', type: 'upload', public_id: 'async-bird' });
    expect(accepted.body.batch_id).toMatch(/^[0-9a-f]{64}$/);

    const [webhook] = await receiver.waitFor(1, { path: '/multipart' });
    verifyBoth(webhook!);
    const payload = JSON.parse(webhook!.body) as Record<string, unknown>;
    expect(payload.notification_type).toBe('upload');
    expect(Object.keys(payload).slice(0, 4)).toEqual(['notification_type', 'asset_id', 'public_id', 'version']);
    expect(payload.public_id).toBe('async-bird');
    expect(payload.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(payload.signature_key).toBe(cluster.credentials.apiKey);
    for (const field of ['width', 'height', 'format', 'bytes', 'etag', 'resource_type', 'type', 'placeholder', 'pages', 'api_key']) {
      expect(payload[field], field).toEqual(sync.body[field]);
    }
    // Every field of the synchronous response is in the notification.
    expect(Object.keys(payload)).toEqual(expect.arrayContaining(Object.keys(sync.body)));
    expect(cloudinary.utils.verify_api_response_signature(String(payload.public_id), Number(payload.version), String(payload.signature))).toBe(true);
    const delivered = await fetch(String(payload.secure_url));
    expect(Buffer.from(await delivered.arrayBuffer()).equals(png)).toBe(true);

    const state = await batch(String(accepted.body.batch_id));
    expect(state).toMatchObject({ status: 'complete', kind: 'upload' });
    expect(state.jobs).toEqual([expect.objectContaining({ kind: 'ingest', status: 'completed' })]);
    expect(state.notifications[0]).toMatchObject({ status: 'delivered', attempts: 1, last_status: 200 });
  });

  it('notifies for a data URI and a remote URL source too', async () => {
    const fromData = await upload({ file: `data:image/png;base64,${png.toString('base64')}`, async: '1', notification_url: `${receiver.url}/data` });
    const fromUrl = await upload({ file: sourceUrl, async: 'true', notification_url: `${receiver.url}/remote` });
    expect(fromData.body.status).toBe('pending');
    expect(fromUrl.body).not.toHaveProperty('public_id');
    for (const path of ['/data', '/remote']) {
      const [webhook] = await receiver.waitFor(1, { path });
      verifyBoth(webhook!);
      expect(JSON.parse(webhook!.body)).toMatchObject({ notification_type: 'upload', width: 576, height: 384, format: 'png' });
    }
  });

  it('notifies after a synchronous upload that names a notification_url', async () => {
    const sync = await upload({ file: new Blob([png]), notification_url: `${receiver.url}/sync` });
    expect(sync.status).toBe(200);
    const [webhook] = await receiver.waitFor(1, { path: '/sync' });
    expect(JSON.parse(webhook!.body)).toMatchObject({ public_id: sync.body.public_id, version_id: sync.body.version_id });
  });

  it('retries a failing consumer with the same webhook-id and records every attempt', async () => {
    const accepted = await upload({ file: new Blob([png]), async: 'true', notification_url: `${receiver.url}/flaky` });
    const webhooks = await receiver.waitFor(4, { path: '/flaky', timeoutMs: 30_000 });
    const ids = new Set(webhooks.map((webhook) => webhook.headers['webhook-id']));
    expect(ids.size).toBe(1);
    expect(new Set(webhooks.map((webhook) => webhook.body)).size).toBe(1);
    for (const webhook of webhooks) verifyBoth(webhook);
    await expect.poll(async () => (await batch(String(accepted.body.batch_id))).notifications[0]?.status, { timeout: 10_000 }).toBe('delivered');
    const [notification] = (await batch(String(accepted.body.batch_id))).notifications;
    expect(notification).toMatchObject({ attempts: 4, last_status: 200 });
    const log = notification!.attempt_log as Array<{ status_code: number; latency_ms: number; outcome: string }>;
    expect(log.map((attempt) => attempt.status_code)).toEqual([500, 500, 500, 200]);
    expect(log.map((attempt) => attempt.outcome)).toEqual(['retry', 'retry', 'retry', 'delivered']);
    for (const attempt of log) expect(attempt.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('stops at 410 Gone and can replay a finished delivery with the same id', async () => {
    const accepted = await upload({ file: new Blob([png]), async: 'true', notification_url: `${receiver.url}/gone` });
    const [first] = await receiver.waitFor(1, { path: '/gone' });
    const batchId = String(accepted.body.batch_id);
    await expect.poll(async () => (await batch(batchId)).notifications[0]?.status, { timeout: 10_000 }).toBe('stopped');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.filter((webhook) => webhook.path === '/gone')).toHaveLength(1);

    const [notification] = (await batch(batchId)).notifications;
    const replay = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${batchId}/notifications/${String(notification!.id)}/replay`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(cluster.credentials) },
    });
    expect(replay.status).toBe(200);
    const [, second] = await receiver.waitFor(2, { path: '/gone' });
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
  });

  it("also notifies the cloud's global notification URLs", async () => {
    await setCloudNotificationUrls(cluster.cluster.services.db, 'demo', [`${receiver.url}/global`]);
    try {
      await upload({ file: new Blob([png]), async: 'true' });
      const [webhook] = await receiver.waitFor(1, { path: '/global' });
      verifyBoth(webhook!);
    } finally {
      await setCloudNotificationUrls(cluster.cluster.services.db, 'demo', []);
    }
  });

  it('notifies rename and delete to their notification_url', async () => {
    const uploaded = await upload({ file: new Blob([png]), public_id: 'to-rename' });
    expect(uploaded.status).toBe(200);
    const renamed = (await cloudinary.uploader.rename('to-rename', 'renamed', { notification_url: `${receiver.url}/rename` })) as Record<
      string,
      unknown
    >;
    expect(renamed.public_id).toBe('renamed');
    const [renameHook] = await receiver.waitFor(1, { path: '/rename' });
    verifyBoth(renameHook!);
    expect(JSON.parse(renameHook!.body)).toMatchObject({
      notification_type: 'rename',
      from_public_id: 'to-rename',
      to_public_id: 'renamed',
      asset_id: uploaded.body.asset_id,
      resource_type: 'image',
      type: 'upload',
    });

    expect(await cloudinary.uploader.destroy('renamed', { notification_url: `${receiver.url}/delete` })).toEqual({ result: 'ok' });
    const [deleteHook] = await receiver.waitFor(1, { path: '/delete' });
    verifyBoth(deleteHook!);
    expect(JSON.parse(deleteHook!.body)).toMatchObject({
      notification_type: 'delete',
      resources: [{ resource_type: 'image', type: 'upload', asset_id: uploaded.body.asset_id, public_id: 'renamed' }],
    });

    await expect(cloudinary.uploader.destroy('renamed', { notification_url: 'http://10.0.0.1/hook' })).rejects.toMatchObject({ http_code: 400 });
  });

  it('refuses a notification_url that is not http(s) or points at a refused address, at intake', async () => {
    for (const url of ['ftp://example.com/hook', 'http://10.0.0.1/hook', 'http://169.254.169.254/latest', 'not a url']) {
      const refused = await upload({ file: new Blob([png]), async: 'true', notification_url: url });
      expect(refused.status, url).toBe(400);
      expect((refused.body.error as { message: string }).message, url).toMatch(/notification_url/);
    }
  });

  it('requires credentials for the batch status and hides other clouds', async () => {
    const accepted = await upload({ file: new Blob([png]), async: 'true' });
    const anonymous = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${String(accepted.body.batch_id)}`);
    expect(anonymous.status).toBe(401);
    const unknown = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${'0'.repeat(64)}`, {
      headers: { authorization: basicAuthHeader(cluster.credentials) },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: `Resource not found - batch ${'0'.repeat(64)}` } });
  });
});

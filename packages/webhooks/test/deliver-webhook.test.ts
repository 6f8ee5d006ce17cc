import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGuardedFetcher, type GuardedFetcher } from '@rendition/net';
import { loadCloudinarySdk } from '@rendition/testing';
import { deliverOnce, WEBHOOK_USER_AGENT, webhookFetcherOptions } from '../src/deliver-webhook.ts';
import { buildUploadNotification, serializeNotification } from '../src/notification-payload.ts';
import { deliveryHeaders, generateWebhookSecret } from '../src/signing.ts';
import { type Receiver, startReceiver } from './receiver.ts';
import { verifyStandardWebhook } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
const API_KEY = '123456789012345';
const API_SECRET = 'receiver-test-secret';
const WEBHOOK_SECRET = generateWebhookSecret();

const body = serializeNotification(
  buildUploadNotification(
    { asset_id: 'a1', public_id: 'dir/ü😀', version: 1, bytes: 3, api_key: API_KEY },
    { requestId: 'f'.repeat(32), triggeredAt: new Date(), apiKey: API_KEY },
  ),
);

function signedRequest(url: string): { url: string; body: string; headers: Record<string, string> } {
  const headers = deliveryHeaders(body, {
    messageId: 'msg_delivery_under_test',
    timestampSeconds: Math.floor(Date.now() / 1000),
    apiSecret: API_SECRET,
    algorithm: 'sha1',
    webhookSecret: WEBHOOK_SECRET,
  });
  return { url, body, headers: { ...headers } };
}

let receiver: Receiver;
let redirectTarget: Receiver;
let fetcher: GuardedFetcher;
let impatientFetcher: GuardedFetcher;

beforeAll(async () => {
  cloudinary.config({ cloud_name: 'demo', api_key: API_KEY, api_secret: API_SECRET, signature_algorithm: 'sha1' });
  redirectTarget = await startReceiver((_request, response) => response.writeHead(200).end());
  receiver = await startReceiver((request, response) => {
    switch (request.path) {
      case '/ok':
        response.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
        break;
      case '/fail':
        response.writeHead(500).end('boom');
        break;
      case '/moved':
        response.writeHead(302, { location: `${redirectTarget.origin}/hook` }).end();
        break;
      case '/gone':
        response.writeHead(410).end();
        break;
      case '/busy':
        response.writeHead(429, { 'retry-after': '7' }).end();
        break;
      case '/chatty':
        // A 2xx with a large reply: the attempt must not wait for, or fail on, bytes nobody reads.
        response.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        response.write(Buffer.alloc(1024 * 1024));
        break;
      case '/silent':
        break;
      default:
        response.writeHead(404).end();
    }
  });
  fetcher = createGuardedFetcher(webhookFetcherOptions(['127.0.0.1/32']));
  impatientFetcher = createGuardedFetcher({ ...webhookFetcherOptions(['127.0.0.1/32']), timeoutMs: 200 });
});

afterAll(async () => {
  // The silent route holds its request open; closing the servers first releases the fetchers' sockets.
  await Promise.all([receiver.close(), redirectTarget.close()]);
  await Promise.all([fetcher.close(), impatientFetcher.close()]);
});

const lastReceived = () => receiver.received.at(-1);

describe('deliverOnce against a real receiver on 127.0.0.1', () => {
  it('200: delivered, and the receiver got exactly the body and headers that verify', async () => {
    const before = receiver.received.length;
    const request = signedRequest(`${receiver.origin}/ok`);
    const result = await deliverOnce(fetcher, request, { timeoutMs: 5_000 });

    expect(result).toMatchObject({ status: 200, error: null, outcome: { kind: 'delivered' } });
    expect(result.startedAt).toBeInstanceOf(Date);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(receiver.received).toHaveLength(before + 1);
    const got = lastReceived()!;
    expect(got.method).toBe('POST');
    expect(got.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(got.headers['user-agent']).toBe(WEBHOOK_USER_AGENT);
    expect(got.headers['webhook-id']).toBe('msg_delivery_under_test');

    const text = got.body.toString('utf8');
    const timestamp = Number(got.headers['x-cld-timestamp']);
    expect(cloudinary.utils.verifyNotificationSignature(text, timestamp, String(got.headers['x-cld-signature']))).toBe(true);
    expect(verifyStandardWebhook(text, got.headers, WEBHOOK_SECRET)).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ notification_type: 'upload', public_id: 'dir/ü😀' });
  });

  it('500: a failed attempt to retry', async () => {
    const result = await deliverOnce(fetcher, signedRequest(`${receiver.origin}/fail`), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: 500, error: null, outcome: { kind: 'retry' } });
  });

  it('302: a failed attempt, and the Location is never contacted', async () => {
    const result = await deliverOnce(fetcher, signedRequest(`${receiver.origin}/moved`), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: 302, error: null, outcome: { kind: 'retry' } });
    expect(redirectTarget.connections()).toBe(0);
    expect(redirectTarget.received).toHaveLength(0);
  });

  it('410: stop', async () => {
    const result = await deliverOnce(fetcher, signedRequest(`${receiver.origin}/gone`), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: 410, outcome: { kind: 'stop', reason: 'gone' } });
  });

  it('429 with Retry-After: 7: retry no sooner than 7 s', async () => {
    const result = await deliverOnce(fetcher, signedRequest(`${receiver.origin}/busy`), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: 429, outcome: { kind: 'retry', retryAfterMs: 7_000 } });
  });

  it('a 2xx with a large reply is delivered without reading it all', async () => {
    const result = await deliverOnce(fetcher, signedRequest(`${receiver.origin}/chatty`), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: 200, error: null, outcome: { kind: 'delivered' } });
  });

  it('a receiver that never answers: retry once the fetcher times out, with the reason', async () => {
    const started = Date.now();
    const result = await deliverOnce(impatientFetcher, signedRequest(`${receiver.origin}/silent`), { timeoutMs: 5_000 });
    expect(result.status).toBeNull();
    expect(result.outcome).toEqual({ kind: 'retry' });
    expect(result.error).toMatch(/^Timed out fetching http:\/\/127\.0\.0\.1:\d+\/silent after 200 ms$/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(150);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('the per-attempt timeout bounds the attempt too', async () => {
    const result = await deliverOnce(fetcher, signedRequest(`${receiver.origin}/silent`), { timeoutMs: 150 });
    expect(result).toMatchObject({ status: null, outcome: { kind: 'retry' } });
    expect(result.error).toBe('Timed out delivering to the notification URL after 150 ms');
  });

  it('a refused address (10.0.0.1): stop without any connection attempt', async () => {
    let sockets = 0;
    const onSocket = (): void => {
      sockets++;
    };
    subscribe('net.client.socket', onSocket);
    subscribe('undici:client:beforeConnect', onSocket);
    try {
      const result = await deliverOnce(fetcher, signedRequest('http://10.0.0.1/hook'), { timeoutMs: 5_000 });
      expect(result).toMatchObject({
        status: null,
        error: 'Refused to fetch http://10.0.0.1/hook: address 10.0.0.1 is not allowed',
        outcome: { kind: 'stop', reason: 'refused' },
      });
    } finally {
      unsubscribe('net.client.socket', onSocket);
      unsubscribe('undici:client:beforeConnect', onSocket);
    }
    expect(sockets).toBe(0);
  });

  it('a URL that can never be fetched: stop', async () => {
    const result = await deliverOnce(fetcher, signedRequest('ftp://127.0.0.1/hook'), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: null, outcome: { kind: 'stop', reason: 'refused' } });
    expect(result.error).toMatch(/only http and https/);
  });

  it('nobody listening: retry with the reason', async () => {
    const closed = await startReceiver(() => undefined);
    await closed.close();
    const result = await deliverOnce(fetcher, signedRequest(`${closed.origin}/hook`), { timeoutMs: 5_000 });
    expect(result).toMatchObject({ status: null, outcome: { kind: 'retry' } });
    expect(result.error).toMatch(/connection refused/);
  });

  it("the caller's own abort rejects with its reason instead of reporting a failed attempt", async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    setTimeout(() => controller.abort(reason), 50);
    await expect(deliverOnce(fetcher, signedRequest(`${receiver.origin}/silent`), { timeoutMs: 5_000, signal: controller.signal })).rejects.toBe(
      reason,
    );
  });
});

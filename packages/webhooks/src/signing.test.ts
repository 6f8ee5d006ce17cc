import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';
import { verifyStandardWebhook } from '@rendition/testing';
import {
  cloudinarySignatureHeaders,
  deliveryHeaders,
  generateWebhookSecret,
  newMessageId,
  standardWebhookHeaders,
  webhookSecretKey,
} from './signing.ts';

const cloudinary = loadCloudinarySdk();
const API_SECRET = 'a-secret-of-the-cloud';
const now = (): number => Math.floor(Date.now() / 1000);
const BODY = '{"notification_type":"upload","public_id":"ü/😀","bytes":1}';

describe('cloudinarySignatureHeaders (reference §1.7)', () => {
  it.each(['sha1', 'sha256'] as const)('passes the official SDK verifyNotificationSignature with %s', (algorithm) => {
    cloudinary.config({ cloud_name: 'demo', api_key: '123456789012345', api_secret: API_SECRET, signature_algorithm: algorithm });
    const timestamp = now();
    const headers = cloudinarySignatureHeaders(BODY, API_SECRET, timestamp, algorithm);
    expect(headers['X-Cld-Timestamp']).toBe(String(timestamp));
    expect(cloudinary.utils.verifyNotificationSignature(BODY, timestamp, headers['X-Cld-Signature'])).toBe(true);
    expect(cloudinary.utils.verifyNotificationSignature(`${BODY} `, timestamp, headers['X-Cld-Signature'])).toBe(false);
  });

  it('is the plain digest of body + timestamp + secret', () => {
    const headers = cloudinarySignatureHeaders(BODY, API_SECRET, 1_700_000_000, 'sha1');
    expect(headers['X-Cld-Signature']).toBe(createHash('sha1').update(`${BODY}1700000000${API_SECRET}`).digest('hex'));
  });

  it('refuses a timestamp that is not whole seconds', () => {
    expect(() => cloudinarySignatureHeaders(BODY, API_SECRET, 1_700_000_000.5, 'sha1')).toThrow(/whole unix seconds/);
  });
});

describe('standardWebhookHeaders', () => {
  it('reproduces the published Standard Webhooks test vector', () => {
    const headers = standardWebhookHeaders('{"test": 2432232314}', {
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestampSeconds: 1614265330,
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    });
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('refuses a timestamp that is not whole unix seconds, and takes 0', () => {
    const options = { id: 'msg_1', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
    expect(() => standardWebhookHeaders(BODY, { ...options, timestampSeconds: 1_700_000_000.5 })).toThrow(/whole unix seconds/);
    expect(() => standardWebhookHeaders(BODY, { ...options, timestampSeconds: -1 })).toThrow(/whole unix seconds/);
    expect(standardWebhookHeaders(BODY, { ...options, timestampSeconds: 0 })['webhook-timestamp']).toBe('0');
    expect(() => cloudinarySignatureHeaders(BODY, API_SECRET, -1, 'sha1')).toThrow(/whole unix seconds/);
  });

  it('signs the body as UTF-8', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const body = '{"public_id":"café/ü"}';
    const headers = standardWebhookHeaders(body, { id: 'msg_1', timestampSeconds: 1614265330, secret });
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
      .update(Buffer.from(`msg_1.1614265330.${body}`, 'utf8'))
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('verifies with a verifier written from the spec, and nothing altered does', () => {
    const secret = generateWebhookSecret();
    const id = newMessageId();
    const headers = standardWebhookHeaders(BODY, { id, timestampSeconds: now(), secret });
    expect(verifyStandardWebhook(BODY, { ...headers }, secret)).toBe(true);
    expect(verifyStandardWebhook(`${BODY} `, { ...headers }, secret)).toBe(false);
    expect(verifyStandardWebhook(BODY, { ...headers, 'webhook-id': newMessageId() }, secret)).toBe(false);
    expect(verifyStandardWebhook(BODY, { ...headers }, generateWebhookSecret())).toBe(false);
    expect(verifyStandardWebhook(BODY, { ...headers }, secret, now() + 3600)).toBe(false);
  });

  it('accepts the secret without its whsec_ prefix, as the reference libraries do', () => {
    const options = { id: 'msg_1', timestampSeconds: 1614265330 };
    expect(standardWebhookHeaders(BODY, { ...options, secret: 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })).toEqual(
      standardWebhookHeaders(BODY, { ...options, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
    );
  });

  it.each([
    ['whsec_AQIDBA==', [1, 2, 3, 4]],
    ['whsec_AQIDBAU=', [1, 2, 3, 4, 5]],
    ['whsec_AQIDBAUG', [1, 2, 3, 4, 5, 6]],
  ])('takes the padded secret %j', (secret, bytes) => {
    expect([...webhookSecretKey(secret)]).toEqual(bytes);
  });

  it.each(['whsec_', 'whsec_not base64!', 'whsec_abc', '', 'whsec_AQIDB===', 'whsec_AQI=BAU='])('refuses the secret %j', (secret) => {
    expect(() => webhookSecretKey(secret)).toThrow(/whsec_/);
  });

  it.each(['', 'a.b', 'has space', 'tab\there'])('refuses the id %j', (id) => {
    expect(() => standardWebhookHeaders(BODY, { id, timestampSeconds: 1, secret: generateWebhookSecret() })).toThrow(/webhook id/);
  });
});

describe('generated secrets and ids', () => {
  it('generateWebhookSecret is whsec_ and 24 random bytes in base64', () => {
    const secrets = new Set(Array.from({ length: 100 }, generateWebhookSecret));
    expect(secrets.size).toBe(100);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
      expect(webhookSecretKey(secret)).toHaveLength(24);
    }
  });

  it('newMessageId is msg_ and 27 url-safe characters', () => {
    const ids = new Set(Array.from({ length: 1000 }, newMessageId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^msg_[0-9A-Za-z]{27}$/);
  });
});

describe('deliveryHeaders', () => {
  it('signs one attempt with both schemes over the same second', () => {
    cloudinary.config({ cloud_name: 'demo', api_key: '123456789012345', api_secret: API_SECRET, signature_algorithm: 'sha256' });
    const webhookSecret = generateWebhookSecret();
    const timestampSeconds = now();
    const headers = deliveryHeaders(BODY, {
      messageId: 'msg_stable',
      timestampSeconds,
      apiSecret: API_SECRET,
      algorithm: 'sha256',
      webhookSecret,
    });
    expect(Object.keys(headers).sort()).toEqual(['X-Cld-Signature', 'X-Cld-Timestamp', 'webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['X-Cld-Timestamp']).toBe(headers['webhook-timestamp']);
    expect(cloudinary.utils.verifyNotificationSignature(BODY, timestampSeconds, headers['X-Cld-Signature'])).toBe(true);
    expect(verifyStandardWebhook(BODY, { ...headers }, webhookSecret)).toBe(true);
  });
});

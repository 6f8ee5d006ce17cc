import { describe, expect, it } from 'vitest';
import { buildUploadNotification, notificationTimestamp, serializeNotification } from './notification-payload.ts';

const response = {
  asset_id: '3515c6000a548515f1134043f9785c2f',
  public_id: 'folder/ü😀',
  version: 1_700_000_000,
  signature: 'abc',
  width: 10,
  height: 20,
  format: 'png',
  resource_type: 'image',
  created_at: '2023-11-14T22:13:20Z',
  tags: ['a'],
  bytes: 123,
  type: 'upload',
  api_key: '123456789012345',
};
const opts = { requestId: '0123456789abcdef0123456789abcdef', triggeredAt: new Date('2024-05-06T07:08:09.123Z'), apiKey: '123456789012345' };

describe('buildUploadNotification (reference §3.6)', () => {
  it('puts notification_type first, then the response in its order, then the envelope', () => {
    const body = buildUploadNotification(response, opts);
    expect(Object.keys(body)).toEqual([
      'notification_type',
      ...Object.keys(response),
      'timestamp',
      'request_id',
      'notification_context',
      'signature_key',
    ]);
    expect(body).toMatchObject({
      ...response,
      notification_type: 'upload',
      timestamp: '2024-05-06T07:08:09+00:00',
      request_id: opts.requestId,
      signature_key: '123456789012345',
      notification_context: {
        triggered_at: '2024-05-06T07:08:09.123Z',
        triggered_by: { id: '123456789012345', source: 'api' },
      },
    });
  });

  it('keeps envelope fields out of the response part, whatever the response held', () => {
    const body = buildUploadNotification({ notification_type: 'eager', public_id: 'x', timestamp: 1, request_id: 'old', signature_key: 'k' }, opts);
    expect(Object.keys(body)).toEqual([
      'notification_type',
      'public_id',
      'api_key',
      'timestamp',
      'request_id',
      'notification_context',
      'signature_key',
    ]);
    expect(body).toMatchObject({ notification_type: 'upload', request_id: opts.requestId, signature_key: opts.apiKey, api_key: opts.apiKey });
  });

  it('adds api_key only when the response lacks it', () => {
    const body = buildUploadNotification({ ...response, api_key: 'other' }, opts);
    expect(body.api_key).toBe('other');
    expect(Object.keys(body).filter((key) => key === 'api_key')).toHaveLength(1);
  });

  it('treats a __proto__ key as data', () => {
    const hostile = JSON.parse('{"public_id":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const body = buildUploadNotification(hostile, opts);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
    expect(serializeNotification(body)).toContain('"__proto__":{"polluted":true}');
  });

  it('does not modify the response', () => {
    const copy = structuredClone(response);
    buildUploadNotification(response, opts);
    expect(response).toEqual(copy);
  });
});

describe('serializeNotification', () => {
  it('is compact JSON in key order, the same bytes every time', () => {
    const body = buildUploadNotification(response, opts);
    const text = serializeNotification(body);
    expect(text.startsWith('{"notification_type":"upload","asset_id":')).toBe(true);
    expect(text.endsWith(',"signature_key":"123456789012345"}')).toBe(true);
    expect(text).toContain('"public_id":"folder/ü😀"');
    expect(serializeNotification(buildUploadNotification(response, opts))).toBe(text);
    expect(JSON.parse(text)).toEqual(body);
  });
});

describe('notificationTimestamp', () => {
  it.each([
    ['2021-04-15T16:45:46.999Z', '2021-04-15T16:45:46+00:00'],
    ['2000-01-01T00:00:00.000Z', '2000-01-01T00:00:00+00:00'],
  ])('%s → %s', (iso, expected) => {
    expect(notificationTimestamp(new Date(iso))).toBe(expected);
  });
});

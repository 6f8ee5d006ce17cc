import { describe, expect, it } from 'vitest';
import type { BatchRecord } from '@rendition/catalog';
import { notificationsForBatch, uploadNotifications } from '../src/batch-notifications.ts';

const response = {
  asset_id: 'a'.repeat(32),
  public_id: 'memo.docx',
  version: 1700000000,
  resource_type: 'raw',
  created_at: '2026-11-29T20:00:00Z',
  etag: 'e'.repeat(32),
  url: 'http://127.0.0.1/demo/raw/upload/v1700000000/memo.docx',
  secure_url: 'https://127.0.0.1/demo/raw/upload/v1700000000/memo.docx',
  api_key: 'key',
};

function batch(result: Record<string, unknown> | null, changes: Partial<BatchRecord> = {}): BatchRecord {
  return {
    batchId: 'b'.repeat(64),
    cloudName: 'demo',
    apiKey: 'key',
    kind: 'upload',
    status: 'complete',
    pendingJobs: 0,
    notificationUrls: ['http://hooks/one', 'http://hooks/two'],
    eagerAsync: false,
    eagerNotificationUrls: [],
    result,
    error: null,
    createdAt: new Date('2026-11-29T20:00:00Z'),
    completedAt: new Date('2026-11-29T20:00:05Z'),
    ...changes,
  };
}

const bodies = (record: BatchRecord) =>
  notificationsForBatch(record).map((delivery) => ({ url: delivery.url, body: JSON.parse(delivery.body) as Record<string, unknown> }));

describe('notificationsForBatch with raw_convert', () => {
  it('sends the info notification of a finished aspose conversion, in the order of the real bodies, to every URL', () => {
    const data = { public_id: 'memo.docx', resource_type: 'image', format: 'pdf' };
    const sent = bodies(batch({ ...response, info: { raw_convert: { aspose: { status: 'complete', data } } } }));
    expect(sent.map(({ url }) => url)).toEqual(['http://hooks/one', 'http://hooks/two']);
    const [first] = sent;
    expect(Object.keys(first!.body)).toEqual([
      'info_kind',
      'info_status',
      'asset_id',
      'public_id',
      'uploaded_at',
      'version',
      'url',
      'secure_url',
      'etag',
      'notification_type',
      'info_data',
      'timestamp',
      'request_id',
      'notification_context',
      'signature_key',
    ]);
    expect(first!.body).toMatchObject({
      info_kind: 'aspose',
      info_status: 'complete',
      asset_id: response.asset_id,
      public_id: 'memo.docx',
      uploaded_at: response.created_at,
      version: response.version,
      etag: response.etag,
      notification_type: 'info',
      info_data: data,
      signature_key: 'key',
    });
  });

  it('reports a failed conversion with its reason as info_data.error', () => {
    const [sent] = bodies(
      batch({ ...response, info: { raw_convert: { aspose: { status: 'failed', error: { message: 'LibreOffice could not read it' } } } } }),
    );
    expect(sent!.body).toMatchObject({ info_status: 'failed', info_data: { error: 'LibreOffice could not read it' } });
  });

  it('adds the eager notification of an eager_async batch after the info one', () => {
    const record = batch(
      {
        ...response,
        eager: [{ transformation: 'w_10', url: 'u', secure_url: 's' }],
        info: { raw_convert: { aspose: { status: 'complete', data: {} } } },
      },
      { eagerAsync: true, eagerNotificationUrls: ['http://hooks/eager'] },
    );
    expect(bodies(record).map(({ url, body }) => [url, body.notification_type])).toEqual([
      ['http://hooks/one', 'info'],
      ['http://hooks/two', 'info'],
      ['http://hooks/eager', 'eager'],
    ]);
  });

  it('sends the upload notification (with the info) for a synchronous conversion', () => {
    const info = { raw_convert: { extract_text: { status: 'complete', data: { public_id: 'doc.extract_text.json' } } } };
    const [sent] = bodies(batch({ ...response, info }));
    expect(sent!.body).toMatchObject({ notification_type: 'upload', public_id: 'memo.docx', info });
  });

  it('sends the failure notification of a failed batch, whatever its result says', () => {
    const record = batch(
      { ...response, info: { raw_convert: { aspose: { status: 'pending' } } } },
      { status: 'failed', error: { status: 400, message: 'Invalid image file' } },
    );
    const [sent] = bodies(record);
    expect(sent!.body).toMatchObject({ notification_type: 'upload', status: 'failed', error: { message: 'Invalid image file' } });
  });

  it('sends nothing for a conversion still pending (its job has not ended)', () => {
    expect(bodies(batch({ ...response, info: { raw_convert: { aspose: { status: 'pending' } } } }))).toEqual([]);
  });
});

describe('notificationsForBatch without a conversion', () => {
  const eager = [{ transformation: 'w_10', url: 'u', secure_url: 's' }];

  it('reports the eager list of an eager_async batch to eager_notification_url, with the envelope of the batch', () => {
    const [sent, ...rest] = bodies(batch({ ...response, eager }, { eagerAsync: true, eagerNotificationUrls: ['http://hooks/eager'] }));
    expect(rest).toEqual([]);
    expect(sent!.url).toBe('http://hooks/eager');
    expect(sent!.body).toEqual({
      notification_type: 'eager',
      eager,
      batch_id: 'b'.repeat(64),
      asset_id: response.asset_id,
      public_id: 'memo.docx',
      api_key: 'key',
      timestamp: '2026-11-29T20:00:05+00:00',
      request_id: 'b'.repeat(32),
      notification_context: { triggered_at: '2026-11-29T20:00:05.000Z', triggered_by: { id: 'key', source: 'api' } },
      signature_key: 'key',
    });
  });

  it('sends the eager list to the notification URLs when no eager_notification_url was given, and an empty list when there is none', () => {
    const sent = bodies(batch({ ...response }, { eagerAsync: true }));
    expect(sent.map(({ url }) => url)).toEqual(['http://hooks/one', 'http://hooks/two']);
    expect(sent[0]!.body).toMatchObject({ notification_type: 'eager', eager: [] });
  });

  it('sends the upload notification of a synchronous batch to the notification URLs, the eager ones too when eager_async failed', () => {
    expect(bodies(batch({ ...response })).map(({ url, body }) => [url, body.notification_type])).toEqual([
      ['http://hooks/one', 'upload'],
      ['http://hooks/two', 'upload'],
    ]);
    const failed = batch({ ...response }, { eagerAsync: true, eagerNotificationUrls: ['http://hooks/eager'], status: 'failed', error: null });
    const sent = bodies(failed);
    expect(sent.map(({ url }) => url)).toEqual(['http://hooks/one', 'http://hooks/two', 'http://hooks/eager']);
    expect(sent[0]!.body).toMatchObject({ status: 'failed', error: { message: 'Processing failed' } });
  });

  it('names a failed conversion without a message "Conversion failed"', () => {
    const [sent] = bodies(batch({ ...response, info: { raw_convert: { aspose: { status: 'failed' } } } }));
    expect(sent!.body).toMatchObject({ info_status: 'failed', info_data: { error: 'Conversion failed' } });
  });

  it('sends the immediate upload notification to the notification URLs only', () => {
    const record = batch(null, { eagerNotificationUrls: ['http://hooks/eager'], completedAt: null });
    const sent = uploadNotifications(record, { ...response }).map((delivery) => ({
      url: delivery.url,
      body: JSON.parse(delivery.body) as Record<string, unknown>,
    }));
    expect(sent.map(({ url }) => url)).toEqual(['http://hooks/one', 'http://hooks/two']);
    expect(sent[0]!.body).toMatchObject({ notification_type: 'upload', public_id: 'memo.docx', request_id: 'b'.repeat(32) });
    expect(Date.now() - Date.parse(String(sent[0]!.body.timestamp))).toBeLessThan(60_000);
  });
});

import { isoSeconds } from '@rendition/protocol';

export interface UploadNotificationOptions {
  /** Cloudinary sends 32 hex characters; any stable string works for consumers. */
  requestId: string;
  /** When the notification was created: fixed once, so every retry carries the same body. */
  triggeredAt: Date;
  /** The key whose secret signs the notification (`signature_key`) and that triggered it. */
  apiKey: string;
}

// Fields the envelope owns: a response that happens to carry one must not move it or change its value.
const ENVELOPE_KEYS = new Set(['notification_type', 'timestamp', 'request_id', 'notification_context', 'signature_key']);

/**
 * The body of an `upload` notification (reference §3.6). Key order, which is also the byte order of
 * what gets signed:
 *   1. `notification_type` first, so a consumer reading the raw text sees the kind at once;
 *   2. the upload response's own fields, in the response's order (the same JSON a synchronous upload
 *      returns, `api_key` included);
 *   3. the envelope: `timestamp`, `request_id`, `notification_context`, `signature_key`.
 * `api_key` is added to the envelope only when the response lacks it.
 */
export function buildUploadNotification(uploadResponse: Record<string, unknown>, opts: UploadNotificationOptions): Record<string, unknown> {
  return buildNotification('upload', uploadResponse, opts);
}

/**
 * The body of an `eager` notification: `{notification_type: "eager", eager: [...], batch_id,
 * asset_id, public_id}` and the same envelope (reference §3.6).
 */
export function buildEagerNotification(
  fields: { eager: unknown[]; batchId: string; assetId: unknown; publicId: unknown },
  opts: UploadNotificationOptions,
): Record<string, unknown> {
  return buildNotification('eager', { eager: fields.eager, batch_id: fields.batchId, asset_id: fields.assetId, public_id: fields.publicId }, opts);
}

/**
 * A notification about catalog changes (`delete`, `rename`, …): its own fields, then the same
 * envelope as every other notification.
 */
export function buildResourceNotification(
  type: 'delete' | 'rename',
  fields: Record<string, unknown>,
  opts: UploadNotificationOptions,
): Record<string, unknown> {
  return buildNotification(type, fields, opts);
}

/**
 * The `info` notification of an asynchronous add-on (raw_convert=aspose), in the order of the real
 * bodies of shared/spec/cloudinary-reference-wave2.md §2.4: `info_kind`, `info_status`, the asset's
 * `asset_id`, `public_id`, `uploaded_at`, `version`, `url`, `secure_url`, `etag`, then
 * `notification_type: "info"`, `info_data`, and the envelope every notification carries.
 */
export function buildInfoNotification(
  fields: { infoKind: string; infoStatus: 'complete' | 'failed'; asset: Record<string, unknown>; infoData: unknown },
  opts: UploadNotificationOptions,
): Record<string, unknown> {
  const { asset } = fields;
  const entries: Array<[string, unknown]> = [
    ['info_kind', fields.infoKind],
    ['info_status', fields.infoStatus],
    ['asset_id', asset.asset_id],
    ['public_id', asset.public_id],
    ['uploaded_at', asset.created_at],
    ['version', asset.version],
    ['url', asset.url],
    ['secure_url', asset.secure_url],
    ['etag', asset.etag],
    ['notification_type', 'info'],
    ['info_data', fields.infoData],
  ];
  return Object.fromEntries(withEnvelope(entries, opts));
}

/**
 * The `moderation` notification (shared/spec/cloudinary-reference-wave2.md §3.3), in the order of the
 * real bodies: `moderation_response` (when the kind has one), `moderation_status`, `moderation_kind`,
 * `moderation_updated_at`, the asset's `asset_id`, `public_id`, `uploaded_at`, `version`, `url`,
 * `secure_url`, `etag` (null once rejected), then `notification_type` and the envelope.
 */
export function buildModerationNotification(
  fields: {
    entry: { kind: string; status: string; response?: unknown; updated_at?: string };
    asset: { asset_id: unknown; public_id: unknown; uploaded_at: unknown; version: unknown; url: unknown; secure_url: unknown; etag: unknown };
  },
  opts: UploadNotificationOptions,
): Record<string, unknown> {
  const { entry, asset } = fields;
  const entries: Array<[string, unknown]> = [
    ...(entry.response !== undefined ? [['moderation_response', entry.response] as [string, unknown]] : []),
    ['moderation_status', entry.status],
    ['moderation_kind', entry.kind],
    ['moderation_updated_at', entry.updated_at ?? null],
    ['asset_id', asset.asset_id],
    ['public_id', asset.public_id],
    ['uploaded_at', asset.uploaded_at],
    ['version', asset.version],
    ['url', asset.url],
    ['secure_url', asset.secure_url],
    ['etag', entry.status === 'rejected' ? null : asset.etag],
    ['notification_type', 'moderation'],
  ];
  return Object.fromEntries(withEnvelope(entries, opts));
}

function buildNotification(type: string, fields: Record<string, unknown>, opts: UploadNotificationOptions): Record<string, unknown> {
  const uploadResponse = fields;
  // fromEntries defines own properties, so a `__proto__` key stays data instead of becoming a prototype.
  const entries: Array<[string, unknown]> = [['notification_type', type]];
  for (const [key, value] of Object.entries(uploadResponse)) {
    if (!ENVELOPE_KEYS.has(key)) entries.push([key, value]);
  }
  if (!Object.hasOwn(uploadResponse, 'api_key')) entries.push(['api_key', opts.apiKey]);
  return Object.fromEntries(withEnvelope(entries, opts));
}

function withEnvelope(entries: Array<[string, unknown]>, opts: UploadNotificationOptions): Array<[string, unknown]> {
  return [
    ...entries,
    ['timestamp', notificationTimestamp(opts.triggeredAt)],
    ['request_id', opts.requestId],
    ['notification_context', { triggered_at: opts.triggeredAt.toISOString(), triggered_by: { id: opts.apiKey, source: 'api' } }],
    ['signature_key', opts.apiKey],
  ];
}

/** `2021-04-15T16:45:46+00:00`: Cloudinary's notifications spell UTC as an offset, not `Z`. */
export function notificationTimestamp(date: Date): string {
  return `${isoSeconds(date).slice(0, -1)}+00:00`;
}

/**
 * The exact text that is signed and sent: compact JSON in the object's own key order. Store this string
 * with the delivery and resend it unchanged; rebuilding the object for a retry could reorder or change
 * a field, and consumers expect every attempt of one delivery to carry the same bytes.
 */
export function serializeNotification(body: Record<string, unknown>): string {
  return JSON.stringify(body);
}

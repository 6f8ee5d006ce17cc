import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { notificationSignature, type SignatureAlgorithm } from '@rendition/protocol';

export interface CloudinarySignatureHeaders {
  'X-Cld-Timestamp': string;
  'X-Cld-Signature': string;
}

export interface StandardWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The headers the official SDK's `verifyNotificationSignature` checks. The timestamp must be the time of
 * the attempt, not of the notification: the SDK refuses timestamps older than two hours, and retries run
 * for days.
 */
export function cloudinarySignatureHeaders(
  body: string,
  secret: string,
  timestampSeconds: number,
  algorithm: SignatureAlgorithm,
): CloudinarySignatureHeaders {
  assertUnixSeconds(timestampSeconds);
  return {
    'X-Cld-Timestamp': String(timestampSeconds),
    'X-Cld-Signature': notificationSignature(body, timestampSeconds, secret, algorithm),
  };
}

/**
 * Standard Webhooks headers (https://www.standardwebhooks.com): `v1` is HMAC-SHA256 over
 * `${id}.${timestamp}.${body}`, keyed with the secret's decoded bytes. The id stays the same on every
 * retry, so consumers de-duplicate on it; the timestamp is the attempt's, because verifying libraries
 * reject anything older than a few minutes.
 */
export function standardWebhookHeaders(body: string, options: { id: string; timestampSeconds: number; secret: string }): StandardWebhookHeaders {
  assertUnixSeconds(options.timestampSeconds);
  // The id is inside the signed text and a header value: a `.`-free, printable token keeps both unambiguous.
  if (!/^[\x21-\x7e]+$/.test(options.id) || options.id.includes('.')) {
    throw new Error('A webhook id must be printable ASCII without spaces or dots');
  }
  const signed = `${options.id}.${options.timestampSeconds}.${body}`;
  const digest = createHmac('sha256', webhookSecretKey(options.secret)).update(signed, 'utf8').digest('base64');
  return {
    'webhook-id': options.id,
    'webhook-timestamp': String(options.timestampSeconds),
    'webhook-signature': `v1,${digest}`,
  };
}

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The HMAC key of a `whsec_…` secret. The prefix is optional, as in the reference libraries, but the
 * rest must be strict base64: Buffer's lenient decoder would otherwise turn a typo into a different key
 * and every consumer would reject every delivery.
 */
export function webhookSecretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new Error('A webhook secret must be "whsec_" followed by base64');
  }
  return Buffer.from(encoded, 'base64');
}

/** 24 random bytes: the size the Standard Webhooks reference libraries generate (the spec asks 24 to 64). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `msg_` and 27 base62 characters (about 160 random bits), the shape Standard Webhooks senders use. */
export function newMessageId(): string {
  let id = 'msg_';
  for (let i = 0; i < 27; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function assertUnixSeconds(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`A signature timestamp must be whole unix seconds, got ${value}`);
}

/**
 * Every signature header of one attempt, both schemes over the same body and the same second, so a
 * consumer may verify either.
 */
export function deliveryHeaders(
  body: string,
  options: {
    messageId: string;
    timestampSeconds: number;
    apiSecret: string;
    algorithm: SignatureAlgorithm;
    webhookSecret: string;
  },
): CloudinarySignatureHeaders & StandardWebhookHeaders {
  return {
    ...cloudinarySignatureHeaders(body, options.apiSecret, options.timestampSeconds, options.algorithm),
    ...standardWebhookHeaders(body, {
      id: options.messageId,
      timestampSeconds: options.timestampSeconds,
      secret: options.webhookSecret,
    }),
  };
}

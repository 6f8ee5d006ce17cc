import { createHash, timingSafeEqual } from 'node:crypto';
import type { RawParams } from './request-params.ts';

export type SignatureAlgorithm = 'sha1' | 'sha256';
/** SDK "signature version": 2 (default since cloudinary 2.7) escapes `&` inside each pair, 1 does not. */
export type SignatureVersion = 1 | 2;

/** Never signed: the file travels separately, the rest is routing or the signature itself. */
const UNSIGNED_KEYS = new Set(['file', 'cloud_name', 'resource_type', 'api_key', 'signature']);

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * The text the SDK hashes (reference §1.2): signable non-empty params, lists joined with `,`, sorted
 * by key, `key=value` pairs joined with `&`. The SDK sorts with localeCompare; for Cloudinary's
 * lowercase snake_case keys that equals byte order, which is what we use so the result never depends
 * on the server's locale.
 */
export function stringToSign(params: RawParams, version: SignatureVersion): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (UNSIGNED_KEYS.has(key)) continue;
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text === '') continue;
    pairs.push([key, text]);
  }
  pairs.sort(([a], [b]) => compareBytes(a, b));
  return pairs
    .map(([key, value]) => {
      const pair = `${key}=${value}`;
      return version === 2 ? pair.replaceAll('&', '%26') : pair;
    })
    .join('&');
}

function hashHex(input: string, algorithm: SignatureAlgorithm): string {
  return createHash(algorithm).update(input, 'utf8').digest('hex');
}

export function signParams(params: RawParams, secret: string, options: { algorithm: SignatureAlgorithm; version: SignatureVersion }): string {
  return hashHex(stringToSign(params, options.version) + secret, options.algorithm);
}

/** The digest length is the only hint of the algorithm: the SDK never sends its setting. */
export function algorithmForSignature(signature: string): SignatureAlgorithm | undefined {
  if (signature.length === 40) return 'sha1';
  if (signature.length === 64) return 'sha256';
  return undefined;
}

function constantTimeEqual(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a request signature. Only the version 2 text is hashed: it is the version 1 text exactly when
 * no signed key or value contains `&`, so every version 1 signature is still accepted there (older SDKs
 * and other languages sign that way), and where the two differ only version 2 is. Version 1 joins values
 * unescaped, so `notification_url=https://x/hook&overwrite=false` signed as two parameters would read
 * the same as one parameter holding both and let a request drop or rewrite what was signed.
 * A signed key containing `=` is refused for the same reason (`{'a=b': 'c'}` reads as `{a: 'b=c'}`);
 * no SDK sends one. `stringToSign` is the v2 text, for the error message (it shows no secret).
 */
export function verifyParamsSignature(params: RawParams, signature: string, secret: string): { ok: boolean; stringToSign: string } {
  const v2 = stringToSign(params, 2);
  const algorithm = algorithmForSignature(signature);
  if (algorithm === undefined) return { ok: false, stringToSign: v2 };
  const matches = constantTimeEqual(hashHex(v2 + secret, algorithm), signature.toLowerCase());
  return { ok: matches && !hasAmbiguousKey(params), stringToSign: v2 };
}

/** A key with `=` in it: its pair reads like another key's pair. */
function hasAmbiguousKey(params: RawParams): boolean {
  return Object.keys(params).some((key) => key.includes('='));
}

/**
 * The `signature` field of upload/explicit responses. Always version 1: the SDK's
 * verify_api_response_signature hard-codes it.
 */
export function responseSignature(publicId: string, version: number, secret: string, algorithm: SignatureAlgorithm = 'sha1'): string {
  return signParams({ public_id: publicId, version: String(version) }, secret, { algorithm, version: 1 });
}

/** `X-Cld-Signature` of a notification: a plain digest of body + timestamp + secret, not an HMAC. */
export function notificationSignature(body: string, timestamp: number, secret: string, algorithm: SignatureAlgorithm = 'sha1'): string {
  return hashHex(`${body}${timestamp}${secret}`, algorithm);
}

/**
 * The `XXXX` of a delivery URL's `s--XXXX--` component, over `[transformation/]public_id[.ext]` as it
 * appears in the URL (version excluded). `long` is the SDK's long_url_signature: 32 chars of SHA-256.
 */
export function urlSignature(toSign: string, secret: string, options: { algorithm?: SignatureAlgorithm; long?: boolean } = {}): string {
  const algorithm = options.long === true ? 'sha256' : (options.algorithm ?? 'sha1');
  const length = options.long === true ? 32 : 8;
  return createHash(algorithm)
    .update(toSign + secret, 'utf8')
    .digest('base64')
    .slice(0, length)
    .replaceAll('/', '_')
    .replaceAll('+', '-');
}

/** Accepts the short form with the account's algorithm, or the long (SHA-256, 32 chars) form. */
export function verifyUrlSignature(toSign: string, signature: string, secret: string, algorithm: SignatureAlgorithm = 'sha1'): boolean {
  if (signature.length === 32) return constantTimeEqual(urlSignature(toSign, secret, { long: true }), signature);
  if (signature.length === 8) return constantTimeEqual(urlSignature(toSign, secret, { algorithm }), signature);
  return false;
}

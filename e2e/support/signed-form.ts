import { createHash } from 'node:crypto';
import type { ApiCredentials } from '@rendition/catalog';

/** Signs parameters the way the SDKs do (signature version 2), independently of our own code. */
export function signParamsForTest(
  params: Record<string, string>,
  credentials: Pick<ApiCredentials, 'apiSecret'>,
  algorithm: 'sha1' | 'sha256' = 'sha1',
): string {
  const toSign = Object.keys(params)
    .filter((key) => !['file', 'api_key', 'resource_type', 'cloud_name', 'signature'].includes(key) && params[key] !== '')
    .sort()
    .map((key) => `${key}=${params[key]}`.replaceAll('&', '%26'))
    .join('&');
  return createHash(algorithm)
    .update(toSign + credentials.apiSecret)
    .digest('hex');
}

export function signedFields(
  params: Record<string, string>,
  credentials: ApiCredentials,
  algorithm: 'sha1' | 'sha256' = 'sha1',
): Record<string, string> {
  const withTimestamp = { timestamp: String(Math.floor(Date.now() / 1000)), ...params };
  return { ...withTimestamp, api_key: credentials.apiKey, signature: signParamsForTest(withTimestamp, credentials, algorithm) };
}

export function basicAuthHeader(credentials: ApiCredentials): string {
  return `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.apiSecret}`).toString('base64')}`;
}

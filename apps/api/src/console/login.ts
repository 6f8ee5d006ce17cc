import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiCredentials } from '@rendition/catalog';
import type { FindApiKey } from './session.ts';

/**
 * The credentials a login form names, or undefined: an unknown key and a wrong secret are the same
 * failure. Secrets are compared as SHA-256 digests, equal in length, so the comparison is constant
 * time whatever was typed.
 */
export async function checkLogin(findApiKey: FindApiKey, apiKey: string, apiSecret: string): Promise<ApiCredentials | undefined> {
  if (apiKey === '' || apiSecret === '') return undefined;
  const credentials = await findApiKey(apiKey);
  const expected = credentials?.apiSecret ?? '';
  const matches = timingSafeEqual(digest(apiSecret), digest(expected));
  return credentials && matches ? credentials : undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

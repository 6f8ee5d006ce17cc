import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiCredentials } from '@rendition/catalog';

/**
 * The console's session: stateless, so that any API replica accepts a cookie another one issued.
 * The value is `base64url(JSON {k, c, exp}) "." base64url(HMAC-SHA256(api_secret, payload))`. Keying
 * the MAC with the API key's own secret means no server-side signing key to distribute, and rotating
 * or deleting the key ends every session issued for it.
 */
export const SESSION_LIFETIME_SECONDS = 8 * 60 * 60;

/** A verified session: who is signed in, and the payload the CSRF token is derived from. */
export interface ConsoleSession {
  credentials: ApiCredentials;
  /** The base64url payload before the `.`, as signed. */
  payload: string;
  expiresAt: number;
}

interface SessionClaims {
  k: string;
  c: string;
  exp: number;
}

export type FindApiKey = (apiKey: string) => Promise<ApiCredentials | undefined>;

export function issueSession(credentials: ApiCredentials, nowSeconds: number, lifetimeSeconds = SESSION_LIFETIME_SECONDS): string {
  const claims: SessionClaims = { k: credentials.apiKey, c: credentials.cloudName, exp: nowSeconds + lifetimeSeconds };
  const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
  return `${payload}.${sessionMac(credentials.apiSecret, payload)}`;
}

/**
 * The session a cookie value stands for, or undefined: malformed, expired, for a key that no longer
 * exists or moved to another cloud, or with a MAC the key's current secret did not make. The expiry
 * is checked before the key is looked up, so stale cookies cost no query.
 */
export async function verifySession(value: string | undefined, findApiKey: FindApiKey, nowSeconds: number): Promise<ConsoleSession | undefined> {
  if (!value) return undefined;
  const [payload, mac, ...rest] = value.split('.');
  if (!payload || !mac || rest.length > 0) return undefined;
  const claims = decodeClaims(payload);
  if (!claims || claims.exp <= nowSeconds) return undefined;
  const credentials = await findApiKey(claims.k);
  if (!credentials || credentials.cloudName !== claims.c) return undefined;
  if (!macsEqual(sessionMac(credentials.apiSecret, payload), mac)) return undefined;
  return { credentials, payload, expiresAt: claims.exp };
}

export function sessionMac(apiSecret: string, payload: string): string {
  return createHmac('sha256', apiSecret).update(payload, 'utf8').digest('base64url');
}

/** Constant time for equal lengths; a length mismatch says nothing about the secret. */
export function macsEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function decodeClaims(payload: string): SessionClaims | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (claims === null || typeof claims !== 'object') return undefined;
  const { k, c, exp } = claims as Record<string, unknown>;
  if (typeof k !== 'string' || k === '' || typeof c !== 'string' || typeof exp !== 'number' || !Number.isFinite(exp)) return undefined;
  return { k, c, exp };
}

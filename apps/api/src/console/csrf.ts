import { createHmac } from 'node:crypto';
import { macsEqual } from './session.ts';

/**
 * The CSRF token of a session: derived from the cookie's payload with the key's secret, so it needs
 * no storage, differs per session, and cannot be made by a page that can neither read the cookie nor
 * knows the secret.
 */
export function csrfToken(apiSecret: string, sessionPayload: string): string {
  return createHmac('sha256', apiSecret).update(`csrf:${sessionPayload}`, 'utf8').digest('base64url');
}

export function csrfTokenValid(apiSecret: string, sessionPayload: string, given: string | undefined): boolean {
  return given !== undefined && given !== '' && macsEqual(csrfToken(apiSecret, sessionPayload), given);
}

/**
 * A second line behind the token: a browser names the page that sent a POST in Origin, which must be
 * this server's own host. Only the host is compared: behind a TLS-terminating proxy this server sees
 * http while the browser saw https. No Origin (older clients, curl) leaves the decision to the token;
 * `Origin: null` (sandboxed or privacy-stripped contexts) is refused.
 */
export function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (!host) return false;
  try {
    const sender = new URL(origin);
    // Read with the origin's scheme, so a default port written in one and not the other still matches.
    const own = new URL(`${sender.protocol}//${host}`);
    return sender.host !== '' && sender.host === own.host;
  } catch {
    return false;
  }
}

import type { FastifyRequest } from 'fastify';
import { SESSION_LIFETIME_SECONDS } from './session.ts';

export const SESSION_COOKIE = 'rendition_console';

/** The value of one cookie in a Cookie header (the first, if the browser sent several). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

/**
 * HttpOnly: no script reads it (the page gets its CSRF token separately). SameSite=Strict: no other
 * site's page sends it. Path=/console: the Upload and Admin APIs never see it. Secure only over
 * https, so that a plain-http development server still keeps its session.
 */
export function sessionCookie(value: string, options: { secure: boolean; maxAgeSeconds?: number }): string {
  const maxAge = options.maxAgeSeconds ?? SESSION_LIFETIME_SECONDS;
  return [
    `${SESSION_COOKIE}=${value}`,
    `Max-Age=${maxAge}`,
    'Path=/console',
    'HttpOnly',
    'SameSite=Strict',
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

export function clearedSessionCookie(options: { secure: boolean }): string {
  return sessionCookie('', { ...options, maxAgeSeconds: 0 });
}

/**
 * Whether the browser reached us over https: directly, or through a proxy that says so. Trusting a
 * forged X-Forwarded-Proto only makes the sender's own cookie stricter.
 */
export function cameOverHttps(request: FastifyRequest): boolean {
  if (request.protocol === 'https') return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}

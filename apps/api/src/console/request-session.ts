import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '@rendition/protocol';
import { cameOverHttps, clearedSessionCookie, readCookie, SESSION_COOKIE, sessionCookie } from './cookies.ts';
import { originAllowed } from './csrf.ts';
import type { ConsoleServices } from './services.ts';
import { issueSession, verifySession, type ConsoleSession } from './session.ts';
import type { ApiCredentials } from '@rendition/catalog';

/** The request's session, verified against the catalog; undefined when absent or no longer valid. */
export function sessionOf(services: ConsoleServices, request: FastifyRequest): Promise<ConsoleSession | undefined> {
  return verifySession(readCookie(request.headers.cookie, SESSION_COOKIE), services.findApiKey, services.now());
}

export function startSession(services: ConsoleServices, request: FastifyRequest, reply: FastifyReply, credentials: ApiCredentials): void {
  reply.header('set-cookie', sessionCookie(issueSession(credentials, services.now()), { secure: cameOverHttps(request) }));
}

export function endSession(request: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', clearedSessionCookie({ secure: cameOverHttps(request) }));
}

/** Every console POST: a browser's Origin, when it sends one, must be this server. */
export function refuseForeignOrigin(request: FastifyRequest): void {
  if (!originAllowed(request.headers.origin, request.headers.host)) throw new ApiError(403, 'Cross-origin request refused');
}

/** One text field of a urlencoded or JSON body (the first, when repeated). */
export function bodyField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? (value as unknown[])[0] : value;
  return typeof first === 'string' ? first : undefined;
}

export function isJsonRequest(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
}

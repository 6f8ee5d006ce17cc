import type { FastifyRequest } from 'fastify';
import type { ApiCredentials, CatalogDb } from '@rendition/catalog';
import { ApiError, fromJsonBody, normalizeParams, type RawParams } from '@rendition/protocol';
import { authenticateBasic } from './request-auth.ts';
import { preAuthenticatedBasic } from './request-body-state.ts';

/** A parsed query string or form body as [name, value] pairs, repeated names kept in order. */
export function fieldPairs(source: unknown): Array<[string, string]> {
  return Object.entries((source ?? {}) as Record<string, unknown>).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, String(item)]),
  );
}

/**
 * An Admin API call: Basic credentials of the path's cloud (the Admin API knows no signatures),
 * then the query string and the body (urlencoded or JSON) as one set of parameters.
 */
export async function authenticateAdmin(
  db: CatalogDb,
  request: FastifyRequest<{ Params: { cloud: string } }>,
): Promise<{ cloud: string; credentials: ApiCredentials; params: RawParams }> {
  const { cloud } = request.params;
  const authorization = request.headers.authorization;
  if (!authorization?.toLowerCase().startsWith('basic ')) throw new ApiError(401, 'The Admin API needs Basic authentication');
  // Checked before the body was read (body-guard.ts) for calls with a body.
  const credentials = preAuthenticatedBasic(request) ?? (await authenticateBasic(db, authorization, cloud));
  const contentType = request.headers['content-type'] ?? '';
  const body = contentType.includes('application/json') ? fromJsonBody(request.body ?? {}) : normalizeParams(fieldPairs(request.body));
  return { cloud, credentials, params: { ...normalizeParams(fieldPairs(request.query)), ...body } };
}

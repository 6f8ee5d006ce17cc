import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogDb } from '@rendition/catalog';
import {
  createNamedTransformation,
  describeNamedTransformation,
  listNamed,
  removeNamedTransformation,
  updateNamedTransformation,
} from '@rendition/derivations';
import { ApiError, fromJsonBody, normalizeParams, readString, type RawParams } from '@rendition/protocol';
import { authenticateBasic } from '../request-auth.ts';

/** The Admin API's named transformations (`cloudinary.v2.api.create_transformation` and friends), Basic auth. */
export function registerNamedTransformationRoutes(app: FastifyInstance, deps: { db: CatalogDb }): void {
  const url = '/v1_1/:cloud/transformations';
  app.get(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await adminRequest(deps.db, request);
    const name = readString(params, 'transformation');
    return name === undefined ? listNamed(deps.db, cloud) : describeNamedTransformation(deps.db, cloud, name);
  });
  app.post(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await adminRequest(deps.db, request);
    return createNamedTransformation(deps.db, cloud, readString(params, 'name'), readString(params, 'transformation'));
  });
  app.put(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await adminRequest(deps.db, request);
    return updateNamedTransformation(deps.db, cloud, readString(params, 'transformation'), readString(params, 'unsafe_update'));
  });
  app.delete(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await adminRequest(deps.db, request);
    return removeNamedTransformation(deps.db, cloud, readString(params, 'transformation'));
  });
}

async function adminRequest(db: CatalogDb, request: FastifyRequest<{ Params: { cloud: string } }>): Promise<{ cloud: string; params: RawParams }> {
  const { cloud } = request.params;
  const authorization = request.headers.authorization;
  if (!authorization?.toLowerCase().startsWith('basic ')) throw new ApiError(401, 'The Admin API needs Basic authentication');
  await authenticateBasic(db, authorization, cloud);
  const pairs = (source: unknown): Array<[string, string]> =>
    Object.entries((source ?? {}) as Record<string, unknown>).flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((item): [string, string] => [name, String(item)]),
    );
  const contentType = request.headers['content-type'] ?? '';
  const body = contentType.includes('application/json') ? fromJsonBody(request.body ?? {}) : normalizeParams(pairs(request.body));
  return { cloud, params: { ...normalizeParams(pairs(request.query)), ...body } };
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogDb } from '@rendition/catalog';
import {
  createNamedTransformation,
  describeNamedTransformation,
  listNamed,
  removeNamedTransformation,
  updateNamedTransformation,
} from '@rendition/admin';
import { readString } from '@rendition/protocol';
import { authenticateAdmin } from '../admin-request.ts';

/** The Admin API's named transformations (`cloudinary.v2.api.create_transformation` and friends), Basic auth. */
export function registerNamedTransformationRoutes(app: FastifyInstance, deps: { db: CatalogDb }): void {
  const url = '/v1_1/:cloud/transformations';
  app.get(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    const name = readString(params, 'transformation');
    return name === undefined ? listNamed(deps.db, cloud) : describeNamedTransformation(deps.db, cloud, name);
  });
  app.post(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return createNamedTransformation(deps.db, cloud, readString(params, 'name'), readString(params, 'transformation'));
  });
  app.put(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return updateNamedTransformation(deps.db, cloud, readString(params, 'transformation'), readString(params, 'unsafe_update'));
  });
  app.delete(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return removeNamedTransformation(deps.db, cloud, readString(params, 'transformation'));
  });
}

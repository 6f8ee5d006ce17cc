import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deleteDerivedResources } from '@rendition/assets';
import {
  createNamedTransformation,
  describeTransformation,
  listTransformationsPage,
  removeTransformation,
  updateTransformation,
} from '@rendition/admin';
import { readString } from '@rendition/protocol';
import { authenticateAdmin } from '../admin-request.ts';
import type { ApiServerRouteDependencies } from './route-dependencies.ts';

/**
 * The Admin API's transformations (`cloudinary.v2.api.transformations`, `transformation`,
 * `create_transformation`, `update_transformation`, `delete_transformation`), Basic auth: named ones and
 * implicit ones (the canonical texts of the cloud's derivatives), docs/compatibility.md.
 */
export function registerNamedTransformationRoutes(app: FastifyInstance, deps: ApiServerRouteDependencies): void {
  const url = '/v1_1/:cloud/transformations';
  app.get(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, credentials, params } = await authenticateAdmin(deps.db, request);
    if (readString(params, 'transformation') === undefined) return listTransformationsPage(deps.db, cloud, params);
    return describeTransformation(deps, { cloudName: cloud, apiSecret: credentials.apiSecret }, params);
  });
  app.post(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return createNamedTransformation(deps.db, cloud, params);
  });
  app.put(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return updateTransformation(deps.db, cloud, params);
  });
  app.delete(url, async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { cloud, credentials, params } = await authenticateAdmin(deps.db, request);
    // An implicit transformation's derivatives go as `delete_derived_resources` would delete them (files purged by jobs).
    const service = {
      db: deps.db,
      queues: deps.queues,
      logger: deps.logger,
      addressPolicy: deps.addressPolicy,
      resolveTransformations: async () => [],
    };
    return removeTransformation(deps.db, cloud, params, async (ids) => {
      await deleteDerivedResources(service, { cloudName: cloud, apiKey: credentials.apiKey }, { derived_resource_ids: ids });
    });
  });
}

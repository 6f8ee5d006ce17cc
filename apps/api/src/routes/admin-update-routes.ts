import type { FastifyInstance, FastifyRequest } from 'fastify';
import { updateResource, type AdminUpdateDependencies } from '@rendition/admin';
import { adminCall } from './admin-resource-routes.ts';

interface ResourcePath {
  cloud: string;
  resource_type: string;
  type: string;
  public_id?: string;
  '*'?: string;
}

/** `cloudinary.v2.api.update` (`POST resources/:resource_type/:type/:public_id`): docs/asset-management.md. */
export function registerAdminUpdateRoutes(app: FastifyInstance, deps: AdminUpdateDependencies): void {
  const base = '/v1_1/:cloud/resources/:resource_type';
  const update = async (request: FastifyRequest<{ Params: ResourcePath }>) => {
    const { caller, params, apiKey } = await adminCall(deps, request);
    const publicId = request.params.public_id ?? request.params['*'] ?? '';
    return updateResource(deps, { ...caller, apiKey }, { resourceType: request.params.resource_type, type: request.params.type, publicId }, params);
  };
  app.post(`${base}/:type/:public_id`, update);
  app.post(`${base}/:type/*`, update);
}

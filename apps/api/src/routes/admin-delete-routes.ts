import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  deleteDerivedResources,
  deleteResources,
  deleteResourcesByAssetIds,
  deleteResourcesByTag,
  type AdminDeleteCaller,
  type AdminDeleteDependencies,
} from '@rendition/assets';
import type { DerivativeFilter } from '@rendition/catalog';
import { resolveEagerSpecs } from '@rendition/derivations';
import type { RawParams } from '@rendition/protocol';
import { parseTransformation, planHash } from '@rendition/transform';
import { authenticateAdmin } from '../admin-request.ts';
import type { ApiServerRouteDependencies } from './route-dependencies.ts';

type CloudPath = { cloud: string };

/**
 * The Admin API's deletes (docs/asset-management.md, "Deletes"), Basic auth; the SDK sends their
 * parameters as a urlencoded DELETE body, which the body guard reads like any other.
 */
export function registerAdminDeleteRoutes(app: FastifyInstance, deps: ApiServerRouteDependencies): void {
  const service: AdminDeleteDependencies = {
    db: deps.db,
    queues: deps.queues,
    logger: deps.logger,
    addressPolicy: deps.addressPolicy,
    resolveTransformations: (cloudName, text) => derivativeFilters(deps, cloudName, text),
  };
  const base = '/v1_1/:cloud/resources';

  app.delete(`${base}/:resource_type/:type`, async (request: FastifyRequest<{ Params: CloudPath & { resource_type: string; type: string } }>) => {
    const { caller, params } = await adminDelete(deps, request);
    return deleteResources(service, caller, { resourceType: request.params.resource_type, type: request.params.type }, params);
  });
  app.delete(`${base}/:resource_type/tags/:tag`, async (request: FastifyRequest<{ Params: CloudPath & { resource_type: string; tag: string } }>) => {
    const { caller, params } = await adminDelete(deps, request);
    return deleteResourcesByTag(service, caller, { resourceType: request.params.resource_type, tag: request.params.tag }, params);
  });
  app.delete(base, async (request: FastifyRequest<{ Params: CloudPath }>) => {
    const { caller, params } = await adminDelete(deps, request);
    return deleteResourcesByAssetIds(service, caller, params);
  });
  app.delete('/v1_1/:cloud/derived_resources', async (request: FastifyRequest<{ Params: CloudPath }>) => {
    const { caller, params } = await adminDelete(deps, request);
    return deleteDerivedResources(service, caller, params);
  });
}

async function adminDelete(
  deps: ApiServerRouteDependencies,
  request: FastifyRequest<{ Params: CloudPath }>,
): Promise<{ caller: AdminDeleteCaller; params: RawParams }> {
  const { cloud, credentials, params } = await authenticateAdmin(deps.db, request);
  return { caller: { cloudName: cloud, apiKey: credentials.apiKey }, params };
}

/**
 * The derivatives a `transformations` list names, keyed as a delivery and eager keep them: named
 * transformations expanded, the canonical text's plan hash, and the item's format when it gives one.
 */
async function derivativeFilters(deps: ApiServerRouteDependencies, cloudName: string, text: string): Promise<DerivativeFilter[]> {
  // 'auto': the list may name image and video derivatives alike; nothing is made from it, only matched.
  const specs = await resolveEagerSpecs(deps.db, cloudName, text, deps.limits.parameters, undefined, 'auto');
  return specs.map((spec) => ({
    transformationHash: planHash(spec.transformation === '' ? { components: [] } : parseTransformation(spec.transformation)),
    format: spec.format,
  }));
}

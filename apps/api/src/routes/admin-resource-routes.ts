import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  describeResource,
  isByIdsRequest,
  listResources,
  listResourcesByIds,
  listResourcesByModeration,
  listResourcesByTag,
  type AdminCaller,
  type AdminModerationDependencies,
  type AdminReadDependencies,
} from '@rendition/admin';
import type { RawParams } from '@rendition/protocol';
import { authenticateAdmin } from '../admin-request.ts';

interface ListPath {
  cloud: string;
  resource_type: string;
  type?: string;
}

/**
 * The Admin API's resource reads (`cloudinary.v2.api.resource`, `resources`, `resources_by_tag`,
 * `resources_by_ids`), Basic auth, parameters in the query string. The SDK percent-encodes each path
 * element (`folder/id` arrives as `folder%2Fid`), so the public_id is one segment, which the router
 * decodes; a `*` route also takes it unencoded, as plain HTTP clients tend to send it.
 */
export function registerAdminResourceRoutes(app: FastifyInstance, deps: AdminModerationDependencies): void {
  const base = '/v1_1/:cloud/resources/:resource_type';

  const list = async (request: FastifyRequest<{ Params: ListPath }>) => {
    const { caller, params } = await adminRead(deps, request);
    const { resource_type: resourceType, type } = request.params;
    if (type !== undefined && isByIdsRequest(params)) return listResourcesByIds(deps, caller, { resourceType, type }, params);
    return listResources(deps, caller, { resourceType, ...(type === undefined ? {} : { type }) }, params);
  };
  app.get(base, list);
  app.get(`${base}/:type`, list);

  app.get(`${base}/tags/:tag`, async (request: FastifyRequest<{ Params: ListPath & { tag: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    return listResourcesByTag(deps, caller, { resourceType: request.params.resource_type, tag: request.params.tag }, params);
  });

  app.get(`${base}/moderations/:kind/:status`, async (request: FastifyRequest<{ Params: ListPath & { kind: string; status: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    const { resource_type: resourceType, kind, status } = request.params;
    return listResourcesByModeration(deps, caller, { resourceType, kind, status }, params);
  });

  const describe = async (request: FastifyRequest<{ Params: ListPath & { type: string; public_id?: string; '*'?: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    const publicId = request.params.public_id ?? request.params['*'] ?? '';
    return describeResource(deps, caller, { resourceType: request.params.resource_type, type: request.params.type, publicId }, params);
  };
  app.get(`${base}/:type/:public_id`, describe);
  app.get(`${base}/:type/*`, describe);
}

/** The Admin API caller: whose secret signs the URLs of authenticated assets in the answer. */
async function adminRead(
  deps: AdminReadDependencies,
  request: FastifyRequest<{ Params: { cloud: string } }>,
): Promise<{ caller: AdminCaller; params: RawParams }> {
  const { caller, params } = await adminCall(deps, request);
  return { caller, params };
}

/** The caller and the key it used (a change notifies signed with that key). */
export async function adminCall(
  deps: AdminReadDependencies,
  request: FastifyRequest<{ Params: { cloud: string } }>,
): Promise<{ caller: AdminCaller; params: RawParams; apiKey: string }> {
  const { cloud, credentials, params } = await authenticateAdmin(deps.db, request);
  return { caller: { cloudName: cloud, apiSecret: credentials.apiSecret }, params, apiKey: credentials.apiKey };
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  describeResource,
  describeResourceByAssetId,
  isByIdsRequest,
  listResources,
  listResourcesByAssetFolder,
  listResourcesByAssetIds,
  listResourcesByContext,
  listResourcesByIds,
  listResourcesByModeration,
  listResourcesByTag,
  publishResources,
  updateResourcesAccessMode,
  type AdminCaller,
  type AdminModerationDependencies,
  type AdminPublishDependencies,
  type AdminReadDependencies,
} from '@rendition/admin';
import type { RawParams } from '@rendition/protocol';
import { authenticateAdmin } from '../admin-request.ts';

interface ListPath {
  cloud: string;
  resource_type: string;
  type?: string;
}

/** An asset id: what `GET resources/<x>` names when `x` is not a resource type (`resource_by_asset_id`). */
const ASSET_ID = /^[0-9a-f]{32}$/;

/**
 * The Admin API's resource reads (`resource`, `resource_by_asset_id`, `resources`, by tag, context,
 * moderation, ids, asset ids and asset folder) and its bulk publish / access-mode changes, Basic auth,
 * parameters in the query string or the form body. The SDK percent-encodes each path element
 * (`folder/id` arrives as `folder%2Fid`), so the public_id is one segment, which the router decodes; a
 * `*` route also takes it unencoded, as plain HTTP clients tend to send it. Static segments
 * (`by_asset_ids`, `context`, `publish_resources`, `update_access_mode`) win over the parametric ones
 * they share a position with, as they do at Cloudinary.
 */
export function registerAdminResourceRoutes(app: FastifyInstance, deps: AdminModerationDependencies & AdminPublishDependencies): void {
  const base = '/v1_1/:cloud/resources/:resource_type';

  app.get('/v1_1/:cloud/resources/by_asset_ids', async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    return listResourcesByAssetIds(deps, caller, params);
  });
  app.get('/v1_1/:cloud/resources/by_asset_folder', async (request: FastifyRequest<{ Params: { cloud: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    return listResourcesByAssetFolder(deps, caller, params);
  });

  const list = async (request: FastifyRequest<{ Params: ListPath }>) => {
    const { caller, params } = await adminRead(deps, request);
    const { resource_type: resourceType, type } = request.params;
    if (type === undefined && ASSET_ID.test(resourceType)) return describeResourceByAssetId(deps, caller, resourceType, params);
    if (type !== undefined && isByIdsRequest(params)) return listResourcesByIds(deps, caller, { resourceType, type }, params);
    return listResources(deps, caller, { resourceType, ...(type === undefined ? {} : { type }) }, params);
  };
  app.get(base, list);
  app.get(`${base}/:type`, list);

  app.get(`${base}/context`, async (request: FastifyRequest<{ Params: ListPath }>) => {
    const { caller, params } = await adminRead(deps, request);
    return listResourcesByContext(deps, caller, { resourceType: request.params.resource_type }, params);
  });

  app.get(`${base}/tags/:tag`, async (request: FastifyRequest<{ Params: ListPath & { tag: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    return listResourcesByTag(deps, caller, { resourceType: request.params.resource_type, tag: request.params.tag }, params);
  });

  app.get(`${base}/moderations/:kind/:status`, async (request: FastifyRequest<{ Params: ListPath & { kind: string; status: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    const { resource_type: resourceType, kind, status } = request.params;
    return listResourcesByModeration(deps, caller, { resourceType, kind, status }, params, 'created_at');
  });

  const describe = async (request: FastifyRequest<{ Params: ListPath & { type: string; public_id?: string; '*'?: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    const publicId = request.params.public_id ?? request.params['*'] ?? '';
    return describeResource(deps, caller, { resourceType: request.params.resource_type, type: request.params.type, publicId }, params);
  };
  app.get(`${base}/:type/:public_id`, describe);
  app.get(`${base}/:type/*`, describe);

  app.post(`${base}/publish_resources`, async (request: FastifyRequest<{ Params: ListPath }>) => {
    const { caller, params } = await adminRead(deps, request);
    return publishResources(deps, caller, { resourceType: request.params.resource_type }, params);
  });
  app.post(`${base}/:type/update_access_mode`, async (request: FastifyRequest<{ Params: ListPath & { type: string } }>) => {
    const { caller, params } = await adminRead(deps, request);
    return updateResourcesAccessMode(deps, caller, { resourceType: request.params.resource_type, type: request.params.type }, params);
  });
}

/**
 * Names the Node SDK sends as a plain name repeated when given an array (`fields=a&fields=b`;
 * `publish_by_ids` sends `public_ids=a&public_ids=b`). The shared parameter reader keeps the last of
 * a repeated plain name, as Rails-style parsers do; these are lists, so every value counts.
 */
const REPEATED_NAMES = ['fields', 'public_ids'] as const;

/** The Admin API caller (whose secret signs the URLs of authenticated assets in the answer) and its parameters. */
async function adminRead(
  deps: AdminReadDependencies,
  request: FastifyRequest<{ Params: { cloud: string } }>,
): Promise<{ caller: AdminCaller; params: RawParams }> {
  const { caller, params } = await adminCall(deps, request);
  for (const name of REPEATED_NAMES) {
    const values = [request.query, request.body].flatMap((source) => repeatedValues(source, name));
    if (values.length > 1) params[name] = values;
  }
  return { caller, params };
}

function repeatedValues(source: unknown, name: string): string[] {
  if (typeof source !== 'object' || source === null) return [];
  const value: unknown = (source as Record<string, unknown>)[name];
  return Array.isArray(value) ? value.map(String) : [];
}

/** The caller and the key it used (a change notifies signed with that key). */
export async function adminCall(
  deps: AdminReadDependencies,
  request: FastifyRequest<{ Params: { cloud: string } }>,
): Promise<{ caller: AdminCaller; params: RawParams; apiKey: string }> {
  const { cloud, credentials, params } = await authenticateAdmin(deps.db, request);
  return { caller: { cloudName: cloud, apiSecret: credentials.apiSecret }, params, apiKey: credentials.apiKey };
}

import type { FastifyRequest } from 'fastify';
import { cloudExists, type ApiCredentials, type CatalogDb } from '@rendition/catalog';
import { ApiError, parseResourceType, type RawParams, type ResourceType } from '@rendition/protocol';
import type { BlobStore } from '@rendition/storage';
import { readUploadBody } from './read-upload-body.ts';
import { authenticateRequest } from './request-auth.ts';
import { preAuthenticatedBasic } from './request-body-state.ts';

export interface UploadApiCommand {
  cloudName: string;
  credentials: ApiCredentials;
  resourceType: ResourceType;
  params: RawParams;
}

/**
 * The common front of the Upload API calls that carry no file (explicit, rename, destroy, tags,
 * context, metadata): the path's cloud and resource type, the body in any encoding, and the
 * caller's signature or Basic credentials.
 */
export async function readUploadApiCommand(
  deps: { db: CatalogDb; store: BlobStore },
  request: FastifyRequest<{ Params: { cloud: string; resourceType: string } }>,
): Promise<UploadApiCommand> {
  const { cloud } = request.params;
  const resourceType = parseResourceType(request.params.resourceType);
  if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
  const body = await readUploadBody(request, deps.store);
  // These calls carry no file; a stray one is not kept.
  await body.staged?.discard();
  const credentials = preAuthenticatedBasic(request) ?? (await authenticateRequest(deps.db, request.headers.authorization, body.params, cloud));
  return { cloudName: cloud, credentials, resourceType, params: body.params };
}

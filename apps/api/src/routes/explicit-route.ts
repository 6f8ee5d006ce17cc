import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cloudExists } from '@rendition/catalog';
import { ApiError, parseResourceType } from '@rendition/protocol';
import { applyExplicit, type ExplicitDependencies } from '@rendition/uploads';
import type { BlobStore } from '@rendition/storage';
import { readUploadBody } from '../read-upload-body.ts';
import { authenticateRequest } from '../request-auth.ts';

export type ExplicitRouteDependencies = ExplicitDependencies & { store: BlobStore };

/** `POST /v1_1/:cloud/:resource_type/explicit`: tags, context and eager derivations of an existing asset. */
export function registerExplicitRoute(app: FastifyInstance, deps: ExplicitRouteDependencies): void {
  app.post('/v1_1/:cloud/:resourceType/explicit', async (request: FastifyRequest<{ Params: { cloud: string; resourceType: string } }>) => {
    const { cloud } = request.params;
    const resourceType = parseResourceType(request.params.resourceType);
    if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
    const body = await readUploadBody(request, deps.store);
    // explicit carries no file; a stray one is not kept.
    await body.staged?.discard();
    const credentials = await authenticateRequest(deps.db, request.headers.authorization, body.params, cloud);
    return applyExplicit(deps, { cloudName: cloud, credentials, resourceType, params: body.params });
  });
}

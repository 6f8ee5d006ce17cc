import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cloudExists } from '@rendition/catalog';
import {
  contextAssetsCommand,
  deleteByTokenCommand,
  destroyAssetCommand,
  renameAssetCommand,
  tagAssetsCommand,
  type ManagementDependencies,
  type ManagementRequest,
} from '@rendition/assets';
import { ApiError, isResourceType } from '@rendition/protocol';
import { readUploadBody } from '../read-upload-body.ts';
import { readUploadApiCommand } from '../upload-api-command.ts';

type ResourcePath = { Params: { cloud: string; resourceType: string } };

const COMMANDS: Record<string, (deps: ManagementDependencies, request: ManagementRequest) => Promise<unknown>> = {
  rename: renameAssetCommand,
  destroy: destroyAssetCommand,
  tags: tagAssetsCommand,
  context: contextAssetsCommand,
};

/**
 * Asset management on the Upload API: `rename`, `destroy`, `tags`, `context` (signed or Basic, like
 * explicit) and `delete_by_token` (unsigned: the token is the credential).
 */
export function registerManagementRoutes(app: FastifyInstance, deps: ManagementDependencies): void {
  for (const [action, command] of Object.entries(COMMANDS)) {
    app.post(`/v1_1/:cloud/:resourceType/${action}`, async (request: FastifyRequest<ResourcePath>) => {
      return command(deps, await readUploadApiCommand(deps, request));
    });
  }

  const deleteByToken = async (request: FastifyRequest<{ Params: { cloud: string; resourceType?: string } }>) => {
    const { cloud, resourceType } = request.params;
    if (resourceType !== undefined && !isResourceType(resourceType)) throw new ApiError(404, `Unknown resource type ${resourceType}`);
    const body = await readUploadBody(request, deps.store);
    await body.staged?.discard();
    if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
    return deleteByTokenCommand(deps, { cloudName: cloud, params: body.params });
  };
  app.post('/v1_1/:cloud/delete_by_token', deleteByToken);
  // Client libraries also post it under a resource type; the token alone names the asset.
  app.post('/v1_1/:cloud/:resourceType/delete_by_token', deleteByToken);
}

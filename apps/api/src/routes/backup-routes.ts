import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cloudExists } from '@rendition/catalog';
import { deleteBackedUpAssetsCommand, downloadBackup, restoreAssetsCommand, type ManagementDependencies } from '@rendition/assets';
import { ApiError, normalizeParams, parseResourceType } from '@rendition/protocol';
import { authenticateAdmin, fieldPairs } from '../admin-request.ts';
import { authenticateRequest } from '../request-auth.ts';

/**
 * Backups and versions: `GET /v1_1/:cloud/download_backup` (a signed query, as the SDK's
 * `utils.download_backedup_asset(asset_id, version_id)` builds it; Basic credentials work too) and the
 * Admin API's `POST resources/:resource_type/:type/restore` (`api.restore(public_ids, {versions})`) and
 * `DELETE resources/backup/:asset_id` (`api.delete_backed_up_assets(asset_id, version_ids)`; the static
 * `backup` segment takes the path before the resources router's `:resource_type`).
 */
export function registerBackupRoutes(app: FastifyInstance, deps: ManagementDependencies): void {
  app.get('/v1_1/:cloud/download_backup', async (request: FastifyRequest<{ Params: { cloud: string } }>, reply: FastifyReply) => {
    const { cloud } = request.params;
    if (!(await cloudExists(deps.db, cloud))) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
    const params = normalizeParams(fieldPairs(request.query));
    await authenticateRequest(deps.db, request.headers.authorization, params, cloud);
    const backup = await downloadBackup(deps, { cloudName: cloud, params });
    return reply
      .header('content-type', backup.contentType)
      .header('content-length', backup.bytes)
      .header('etag', `"${backup.etag}"`)
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff')
      .send(backup.body);
  });

  app.post(
    '/v1_1/:cloud/resources/:resource_type/:type/restore',
    async (request: FastifyRequest<{ Params: { cloud: string; resource_type: string; type: string } }>) => {
      const { cloud, credentials, params } = await authenticateAdmin(deps.db, request);
      const resourceType = parseResourceType(request.params.resource_type);
      return restoreAssetsCommand(deps, { cloudName: cloud, credentials, resourceType, params, type: request.params.type });
    },
  );

  app.delete('/v1_1/:cloud/resources/backup/:asset_id', async (request: FastifyRequest<{ Params: { cloud: string; asset_id: string } }>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return deleteBackedUpAssetsCommand(deps, { cloudName: cloud, assetId: request.params.asset_id, params });
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogDb } from '@rendition/catalog';
import { createUploadMapping, readUploadMappings, removeUploadMapping, updateUploadMappingCommand } from '@rendition/admin';
import { authenticateAdmin } from '../admin-request.ts';

type CloudPath = { Params: { cloud: string } };

/**
 * The Admin API's upload mappings, Basic auth, all on `/v1_1/:cloud/upload_mappings` with the folder as
 * a parameter (as the SDK sends it): GET lists (`api.upload_mappings`) or, with `folder`, describes one
 * (`upload_mapping`); POST creates, PUT updates, DELETE deletes.
 */
export function registerUploadMappingRoutes(app: FastifyInstance, deps: { db: CatalogDb }): void {
  const path = '/v1_1/:cloud/upload_mappings';
  app.get(path, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return readUploadMappings(deps.db, cloud, params);
  });
  app.post(path, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return createUploadMapping(deps.db, cloud, params);
  });
  app.put(path, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return updateUploadMappingCommand(deps.db, cloud, params);
  });
  app.delete(path, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return removeUploadMapping(deps.db, cloud, params);
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  changeMetadataField,
  createMetadataField,
  describeMetadataField,
  listMetadataFieldsCommand,
  removeMetadataField,
  setDatasourceEntriesState,
  updateDatasourceCommand,
  updateMetadataCommand,
  type ManagementDependencies,
} from '@rendition/assets';
import { ApiError } from '@rendition/protocol';
import { authenticateAdmin } from '../admin-request.ts';
import { readUploadApiCommand } from '../upload-api-command.ts';

type CloudPath = { Params: { cloud: string } };
type FieldPath = { Params: { cloud: string; externalId: string } };

/** The Admin API's metadata bodies are JSON objects (validation and datasource nest); a form body has none of those. */
function jsonBody(request: FastifyRequest): Record<string, unknown> {
  const body: unknown = request.body;
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'Expected a JSON object body');
  return body as Record<string, unknown>;
}

/**
 * Structured metadata. Admin API (Basic auth, JSON bodies): `metadata_fields` list/create,
 * `metadata_fields/:external_id` get/update/delete, `…/datasource` update (PUT) and delete entries
 * (DELETE), `…/datasource_restore`. Upload API (signed or Basic): `POST /:resource_type/metadata`
 * (update_metadata).
 */
export function registerMetadataRoutes(app: FastifyInstance, deps: ManagementDependencies): void {
  const list = '/v1_1/:cloud/metadata_fields';
  const one = '/v1_1/:cloud/metadata_fields/:externalId';
  app.get(list, async (request: FastifyRequest<CloudPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return listMetadataFieldsCommand(deps.db, cloud);
  });
  app.post(list, async (request: FastifyRequest<CloudPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return createMetadataField(deps.db, cloud, jsonBody(request));
  });
  app.get(one, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return describeMetadataField(deps.db, cloud, request.params.externalId);
  });
  app.put(one, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return changeMetadataField(deps.db, cloud, request.params.externalId, jsonBody(request));
  });
  app.delete(one, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return removeMetadataField(deps.db, cloud, request.params.externalId);
  });
  app.put(`${one}/datasource`, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return updateDatasourceCommand(deps.db, cloud, request.params.externalId, jsonBody(request));
  });
  app.delete(`${one}/datasource`, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return setDatasourceEntriesState(deps.db, cloud, request.params.externalId, jsonBody(request), 'inactive');
  });
  app.post(`${one}/datasource_restore`, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return setDatasourceEntriesState(deps.db, cloud, request.params.externalId, jsonBody(request), 'active');
  });

  app.post('/v1_1/:cloud/:resourceType/metadata', async (request: FastifyRequest<{ Params: { cloud: string; resourceType: string } }>) => {
    return updateMetadataCommand(deps, await readUploadApiCommand(deps, request));
  });
}

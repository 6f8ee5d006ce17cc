import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  orderMetadataDatasource,
  reorderMetadataFields,
  type CatalogDb,
  type MetadataFieldOrder,
  type MetadataOrderDirection,
} from '@rendition/catalog';
import {
  changeMetadataField,
  createMetadataField,
  definitionOf,
  describeMetadataField,
  fieldJson,
  listMetadataFieldsCommand,
  removeMetadataField,
  setDatasourceEntriesState,
  updateDatasourceCommand,
  updateMetadataCommand,
  type ManagementDependencies,
} from '@rendition/assets';
import { ApiError, missingParameter } from '@rendition/protocol';
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

const FIELD_ORDERS: readonly MetadataFieldOrder[] = ['label', 'external_id', 'created_at'];

function readOrderBy<T extends string>(body: Record<string, unknown>, allowed: readonly T[]): T {
  const orderBy = body.order_by;
  if (orderBy === undefined || orderBy === null || orderBy === '') throw new ApiError(400, missingParameter('order_by'));
  if (typeof orderBy === 'string' && (allowed as readonly string[]).includes(orderBy)) return orderBy as T;
  throw new ApiError(400, `order_by is invalid: ${JSON.stringify(orderBy)}; expected ${allowed.join(', ')}`);
}

/** Optional on both order calls (the SDK drops it when not given): ascending then. */
function readDirection(body: Record<string, unknown>): MetadataOrderDirection {
  const direction = body.direction ?? 'asc';
  const lower = typeof direction === 'string' ? direction.toLowerCase() : undefined;
  if (lower === 'asc' || lower === 'desc') return lower;
  throw new ApiError(400, `direction is invalid: ${JSON.stringify(direction)}; expected asc or desc`);
}

/**
 * `…/datasource/order` with `{order_by: 'value', direction}`: the datasource sorted by value, answered
 * like the other datasource calls (the active entries, in the new order).
 */
async function orderDatasource(db: CatalogDb, cloud: string, externalId: string, body: Record<string, unknown>) {
  readOrderBy(body, ['value']);
  const direction = readDirection(body);
  const { type } = await describeMetadataField(db, cloud, externalId);
  if (type !== 'enum' && type !== 'set') throw new ApiError(400, `Metadata field ${externalId} is a ${String(type)} field and has no datasource`);
  const ordered = await orderMetadataDatasource(db, cloud, externalId, direction);
  if (!ordered) throw new ApiError(404, `Cannot find metadata field with external id ${externalId}`);
  return { values: (definitionOf(ordered).datasource?.values ?? []).filter((entry) => entry.state === 'active') };
}

/** `metadata_fields/order` with `{order_by: label|external_id|created_at, direction}`: the fields, in their new order. */
async function reorderFields(db: CatalogDb, cloud: string, body: Record<string, unknown>) {
  const records = await reorderMetadataFields(db, cloud, readOrderBy(body, FIELD_ORDERS), readDirection(body));
  return { metadata_fields: records.map((record) => fieldJson(definitionOf(record))) };
}

/**
 * Structured metadata. Admin API (Basic auth, JSON bodies): `metadata_fields` list/create,
 * `metadata_fields/order` (reorder_metadata_fields), `metadata_fields/:external_id`
 * get/update/delete, `…/datasource` update (PUT) and delete entries (DELETE), `…/datasource/order`
 * (order_metadata_field_datasource: the SDK POSTs, Cloudinary's reference shows PUT; both are taken),
 * `…/datasource_restore`. Upload API (signed or Basic): `POST /:resource_type/metadata`
 * (update_metadata). The two order calls compose the catalog's statements here: they need no
 * command logic beyond reading their two parameters.
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
  // A static segment wins over a parameter in find-my-way, so this PUT never reaches `one`: a field
  // whose external_id is "order" can be read and deleted here, but not updated.
  app.put(`${list}/order`, async (request: FastifyRequest<CloudPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return reorderFields(deps.db, cloud, jsonBody(request));
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
  for (const method of ['post', 'put'] as const) {
    app[method](`${one}/datasource/order`, async (request: FastifyRequest<FieldPath>) => {
      const { cloud } = await authenticateAdmin(deps.db, request);
      return orderDatasource(deps.db, cloud, request.params.externalId, jsonBody(request));
    });
  }
  app.post(`${one}/datasource_restore`, async (request: FastifyRequest<FieldPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return setDatasourceEntriesState(deps.db, cloud, request.params.externalId, jsonBody(request), 'active');
  });

  app.post('/v1_1/:cloud/:resourceType/metadata', async (request: FastifyRequest<{ Params: { cloud: string; resourceType: string } }>) => {
    return updateMetadataCommand(deps, await readUploadApiCommand(deps, request));
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CatalogDb } from '@rendition/catalog';
import { createPreset, describePreset, listPresets, removePreset, updatePreset } from '@rendition/admin';
import { authenticateAdmin } from '../admin-request.ts';

type CloudPath = { Params: { cloud: string } };
type PresetPath = { Params: { cloud: string; name: string } };

/** Creating and updating check a preset as the uploads it feeds are checked: the API's SSRF policy and parameter limits. */
export type UploadPresetRouteDependencies = { db: CatalogDb } & Parameters<typeof createPreset>[0];

/**
 * The Admin API's upload presets, Basic auth: `api.upload_presets`, `upload_preset`,
 * `create_upload_preset`, `update_upload_preset`, `delete_upload_preset`.
 */
export function registerUploadPresetRoutes(app: FastifyInstance, deps: UploadPresetRouteDependencies): void {
  const list = '/v1_1/:cloud/upload_presets';
  const one = '/v1_1/:cloud/upload_presets/:name';
  app.get(list, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return listPresets(deps.db, cloud, params);
  });
  app.post(list, async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return createPreset(deps, cloud, params);
  });
  app.get(one, async (request: FastifyRequest<PresetPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return describePreset(deps.db, cloud, request.params.name);
  });
  app.put(one, async (request: FastifyRequest<PresetPath>) => {
    const { cloud, params } = await authenticateAdmin(deps.db, request);
    return updatePreset(deps, cloud, request.params.name, params);
  });
  app.delete(one, async (request: FastifyRequest<PresetPath>) => {
    const { cloud } = await authenticateAdmin(deps.db, request);
    return removePreset(deps.db, cloud, request.params.name);
  });
}

/** Basic auth for the path's cloud, then the query and body (form or JSON) as one set of parameters. */

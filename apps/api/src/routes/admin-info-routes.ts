import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cloudConfig, listResourceTypes, listTags, ping, usageReport } from '@rendition/admin';
import { readString } from '@rendition/protocol';
import { authenticateAdmin } from '../admin-request.ts';
import { registerAdminNotFound } from '../admin-not-found.ts';
import type { ApiServerRouteDependencies } from './route-dependencies.ts';

type CloudPath = { Params: { cloud: string } };

/**
 * The Admin API's questions about the cloud, Basic auth: `api.ping`, `resource_types`, `tags`,
 * `usage`, `config`. Also the 404 of every other `/v1_1/…` path no route serves (admin-not-found.ts).
 */
export function registerAdminInfoRoutes(app: FastifyInstance, deps: ApiServerRouteDependencies): void {
  const { db } = deps;
  app.get('/v1_1/:cloud/ping', async (request: FastifyRequest<CloudPath>) => {
    await authenticateAdmin(db, request);
    return ping();
  });
  app.get('/v1_1/:cloud/resources', async (request: FastifyRequest<CloudPath>) => {
    const { cloud } = await authenticateAdmin(db, request);
    return listResourceTypes(db, cloud);
  });
  app.get('/v1_1/:cloud/tags/:resource_type', async (request: FastifyRequest<{ Params: { cloud: string; resource_type: string } }>) => {
    const { cloud, params } = await authenticateAdmin(db, request);
    return listTags(db, cloud, request.params.resource_type, params);
  });
  const { maxUploadBytes, maxLargeUploadBytes } = deps.limits;
  const limits = { maxUploadBytes, ...(maxLargeUploadBytes === undefined ? {} : { maxLargeUploadBytes }) };
  const usage = async (request: FastifyRequest<{ Params: { cloud: string; date?: string } }>) => {
    const { cloud, params } = await authenticateAdmin(db, request);
    const date = request.params.date ?? readString(params, 'date');
    return usageReport(db, cloud, limits, date);
  };
  app.get('/v1_1/:cloud/usage', usage);
  app.get('/v1_1/:cloud/usage/:date', usage);
  app.get('/v1_1/:cloud/config', async (request: FastifyRequest<CloudPath>) => {
    const { cloud, params } = await authenticateAdmin(db, request);
    return cloudConfig(db, cloud, params);
  });
  registerAdminNotFound(app);
}

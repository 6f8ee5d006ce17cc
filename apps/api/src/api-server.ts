import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@rendition/logging';
import { installErrorHandling } from './error-handler.ts';
import { registerAdminResourceRoutes } from './routes/admin-resource-routes.ts';
import { registerBackupRoutes } from './routes/backup-routes.ts';
import { registerBatchRoutes } from './routes/batch-routes.ts';
import { registerDeliveryRoutes, type DeliveryDependencies } from './routes/delivery-route.ts';
import { registerExplicitRoute } from './routes/explicit-route.ts';
import { registerNamedTransformationRoutes } from './routes/named-transformation-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { registerManagementRoutes } from './routes/management-routes.ts';
import { registerMetadataRoutes } from './routes/metadata-routes.ts';
import { registerUploadRoutes, type UploadRouteDependencies } from './routes/upload-route.ts';
import { registerUploadPresetRoutes } from './routes/upload-preset-routes.ts';

export interface ApiServerOptions extends UploadRouteDependencies {
  logger: Logger;
  publicBaseUrl: string;
  secureBaseUrl: string;
  limits: UploadRouteDependencies['limits'] & DeliveryDependencies['limits'] & { maxUploadBytes: number };
}

/** Field bodies (urlencoded/JSON, or a multipart text field) must hold a data URI of the allowed size. */
function textBodyLimit(maxDataUriBytes: number): number {
  return Math.ceil((maxDataUriBytes * 4) / 3) + 64 * 1024;
}

export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: textBodyLimit(options.limits.maxDataUriBytes),
    // Public ids may be long and contain many path elements.
    routerOptions: { maxParamLength: 2048 },
  });
  installErrorHandling(app, options.limits);
  await app.register(formbody);
  await app.register(multipart, {
    limits: {
      fileSize: options.limits.maxUploadBytes,
      fieldSize: textBodyLimit(options.limits.maxDataUriBytes),
      files: 1,
      // tags and context take up to 1000 public_ids[] besides their own fields.
      fields: 1_100,
      parts: 1_101,
    },
    throwFileSizeLimit: true,
  });
  registerHealthRoutes(app, options);
  registerUploadRoutes(app, options);
  registerBatchRoutes(app, options);
  registerExplicitRoute(app, options);
  registerManagementRoutes(app, options);
  registerNamedTransformationRoutes(app, options);
  registerAdminResourceRoutes(app, options);
  registerBackupRoutes(app, options);
  registerUploadPresetRoutes(app, options);
  registerMetadataRoutes(app, options);
  registerDeliveryRoutes(app, options);
  return app;
}

import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ArchiveLimits } from '@rendition/archives';
import { createAutoUploader, type AutoUploadSettings } from '@rendition/intake';
import type { Logger } from '@rendition/logging';
import { DEFAULT_MAX_FIELD_BYTES, DEFAULT_MAX_FIELDS_TOTAL_BYTES, MAX_PARTS, type BodyLimits } from './body-limits.ts';
import { installBodyGuard } from './body-guard.ts';
import { installRateLimits, type RateLimitOptions } from './rate-limits/install-rate-limits.ts';
import { installErrorHandling } from './error-handler.ts';
import { decodeAdminPath } from './admin-path.ts';
import { clientError, frameworkError, installFramingErrors } from './http-framing.ts';
import { registerAdminResourceRoutes } from './routes/admin-resource-routes.ts';
import { registerBackupRoutes } from './routes/backup-routes.ts';
import { registerBatchRoutes } from './routes/batch-routes.ts';
import { registerDeliveryRoutes, type DeliveryDependencies } from './routes/delivery-route.ts';
import { registerExplicitRoute } from './routes/explicit-route.ts';
import { registerNamedTransformationRoutes } from './routes/named-transformation-routes.ts';
import { registerHealthRoutes } from './routes/health-routes.ts';
import { installStatementTally, registerMetrics, type ApiMetricsOptions } from './routes/metrics-route.ts';
import { registerManagementRoutes } from './routes/management-routes.ts';
import { registerMetadataRoutes } from './routes/metadata-routes.ts';
import { registerUploadRoutes, type UploadRouteDependencies } from './routes/upload-route.ts';
import { registerUploadPresetRoutes } from './routes/upload-preset-routes.ts';
import { registerUploadMappingRoutes } from './routes/upload-mapping-routes.ts';
import { registerStreamingProfileRoutes } from './routes/streaming-profile-routes.ts';
import { registerConsoleRoutes } from './console/index.ts';
import { registerArchiveRoutes } from './routes/archive-routes.ts';
import { registerPrivateDownloadRoute } from './routes/private-download-route.ts';
import { registerAdminUpdateRoutes } from './routes/admin-update-routes.ts';
import { registerAdminDeleteRoutes } from './routes/admin-delete-routes.ts';
import { registerSearchRoutes } from './routes/search-routes.ts';
import { registerFolderRoutes } from './routes/folder-routes.ts';
import { registerAdminInfoRoutes } from './routes/admin-info-routes.ts';
import { registerCompositionRoutes } from './routes/composition-routes.ts';
import { registerQueueDashboard, type QueueDashboardSettings } from './queue-dashboard.ts';

export interface ApiServerOptions extends UploadRouteDependencies {
  logger: Logger;
  /** HTTP_REQUEST_TIMEOUT_MS and HTTP_IDLE_TIMEOUT_MS: a slow or silent client is cut off (Node's defaults when absent). */
  timeouts?: { requestTimeoutMs: number; idleTimeoutMs: number };
  /** TRUST_PROXY: the proxies whose X-Forwarded-For names the client (request.ip); none when absent. */
  trustProxy?: boolean | number | readonly string[];
  publicBaseUrl: string;
  secureBaseUrl: string;
  /** The queue dashboard at /admin/queues (ADMIN_USER, ADMIN_PASSWORD, QUEUE_DASHBOARD_READ_ONLY); not served when absent. */
  queueDashboard?: QueueDashboardSettings;
  /** Fetch delivery's fetcher and FETCH_* settings (docs/fetch-delivery.md); fetch URLs answer 404 without it. */
  fetchDelivery?: DeliveryDependencies['fetchDelivery'];
  /** AUTO_UPLOAD_* (docs/fetch-delivery.md, "Auto-upload (upload mappings)"); DEFAULT_AUTO_UPLOAD when absent. */
  autoUpload?: AutoUploadSettings;
  /** DELIVERY_CACHE_* and DATABASE_URL (routes/delivery-route.ts, delivery-cache.ts); delivery reads the catalog on every hit when absent. */
  deliveryCache?: DeliveryDependencies['deliveryCache'];
  /** GET /metrics on this port (when METRICS_PORT is unset) and METRICS_TOKEN; served, open, when absent. */
  metrics?: ApiMetricsOptions;
  /** Admin API and upload rate limits (RATE_LIMIT_*, docs/operations.md "Rate limits"); none when absent. */
  rateLimits?: RateLimitOptions;
  limits: UploadRouteDependencies['limits'] &
    DeliveryDependencies['limits'] & {
      maxUploadBytes: number;
      /** MAX_FIELD_BYTES and MAX_FIELDS_TOTAL_BYTES (body-limits.ts); their defaults when absent. */
      maxFieldBytes?: number;
      maxFieldsTotalBytes?: number;
      /** Retry-After of a 503 that names none (the shutdown answer). */
      unavailableRetryAfterSeconds?: number;
      /** generate_archive's bounds (ARCHIVE_*); the package's defaults when absent. */
      archive?: Partial<ArchiveLimits>;
    };
}

/** AUTO_UPLOAD_FAILURE_TTL_S and AUTO_UPLOAD_FAILURE_CACHE_ENTRIES at their defaults. */
const DEFAULT_AUTO_UPLOAD: AutoUploadSettings = { failureTtlSeconds: 60, maxRememberedFailures: 10_000 };

/** Fastify's trustProxy: a hop count is the function Fastify would make of it (its types take no number). */
function fastifyTrustProxy(setting: ApiServerOptions['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return typeof setting === 'object' ? [...setting] : (setting ?? false);
}

export async function buildApiServer(options: ApiServerOptions): Promise<FastifyInstance> {
  const bodyLimits: BodyLimits = {
    maxUploadBytes: options.limits.maxUploadBytes,
    maxDataUriBytes: options.limits.maxDataUriBytes,
    maxFieldBytes: options.limits.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES,
    maxFieldsTotalBytes: options.limits.maxFieldsTotalBytes ?? DEFAULT_MAX_FIELDS_TOTAL_BYTES,
  };
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Only bodies of other types reach Fastify's own reader; the Upload and Admin APIs' encodings are
    // read by the body guard within their own limits.
    bodyLimit: bodyLimits.maxFieldsTotalBytes,
    // Public ids may be long and contain many path elements.
    routerOptions: { maxParamLength: 2048 },
    // Requests arriving while the server closes are answered by error-handler.ts, in Cloudinary's shape.
    return503OnClosing: false,
    // Node would answer a missing Host with an empty 400 before Fastify runs; http-framing.ts answers it instead.
    // A request that takes longer than requestTimeout to arrive (a client sending 1 KB/s) is cut off with a
    // 408 (http-framing.ts); Node checks running requests every connectionsCheckingInterval.
    http: {
      requireHostHeader: false,
      ...(options.timeouts
        ? {
            headersTimeout: Math.min(options.timeouts.idleTimeoutMs, options.timeouts.requestTimeoutMs),
            connectionsCheckingInterval: Math.min(1_000, options.timeouts.requestTimeoutMs),
          }
        : {}),
    },
    ...(options.timeouts ? { requestTimeout: options.timeouts.requestTimeoutMs, connectionTimeout: options.timeouts.idleTimeoutMs } : {}),
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // The SDKs' `resources%2Fsearch`, `folders%2Fa%2Fb`: admin-path.ts decodes the routing words' slashes.
    rewriteUrl: (request) => decodeAdminPath(request.url ?? '/'),
    // request.ip: what an `ip=` delivery token is compared with (routes/delivery-token.ts).
    trustProxy: fastifyTrustProxy(options.trustProxy),
  });
  installStatementTally(app);
  installErrorHandling(app, { ...options.limits, maxFieldsTotalBytes: bodyLimits.maxFieldsTotalBytes });
  installFramingErrors(app);
  // Multipart bodies are read by read-upload-body.ts, which sets its own limits per request.
  await app.register(multipart, { limits: { parts: MAX_PARTS } });
  installBodyGuard(app, { db: options.db, limits: bodyLimits });
  // After the body guard: its Basic check tells whose call it is.
  if (options.rateLimits) installRateLimits(app, { db: options.db, logger: options.logger, options: options.rateLimits });
  registerMetrics(app, options);
  registerHealthRoutes(app, options);
  registerUploadRoutes(app, options);
  registerBatchRoutes(app, options);
  registerExplicitRoute(app, options);
  registerManagementRoutes(app, options);
  registerNamedTransformationRoutes(app, options);
  registerAdminResourceRoutes(app, options);
  registerAdminUpdateRoutes(app, options);
  registerAdminDeleteRoutes(app, options);
  registerSearchRoutes(app, options);
  registerFolderRoutes(app, options);
  registerAdminInfoRoutes(app, options);
  registerBackupRoutes(app, options);
  registerUploadPresetRoutes(app, options);
  registerUploadMappingRoutes(app, options);
  registerStreamingProfileRoutes(app, options);
  registerMetadataRoutes(app, options);
  registerConsoleRoutes(app, options);
  registerArchiveRoutes(app, options);
  registerPrivateDownloadRoute(app, options);
  registerCompositionRoutes(app, options);
  registerQueueDashboard(app, options);
  // Only the delivery route auto-uploads: the console's previews and private downloads deliver what is stored.
  registerDeliveryRoutes(app, { ...options, autoUploader: createAutoUploader(options, options.autoUpload ?? DEFAULT_AUTO_UPLOAD) });
  return app;
}

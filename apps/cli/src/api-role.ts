import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '@rendition/api';
import { createAcceptanceGroups } from '@rendition/intake';
import type { Services } from './services.ts';

/** The API role: HTTP only. It imports nothing of the workers', so its process never loads a media library. */
export async function startApi(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const acceptances = createAcceptanceGroups({ db: services.db, queues: services.queues }, config.intakeGroups);
  const app = await buildApiServer({
    logger: services.logger,
    timeouts: { requestTimeoutMs: config.http.requestTimeoutMs, idleTimeoutMs: config.http.idleTimeoutMs },
    trustProxy: config.http.trustProxy,
    db: services.db,
    store: services.store,
    queues: services.queues,
    acceptances,
    outcomes: services.outcomes,
    addressPolicy: services.addressPolicy,
    fetchDelivery: { fetcher: services.fetcher, settings: config.fetchDelivery },
    autoUpload: config.autoUpload,
    deliveryCache: { databaseUrl: config.databaseUrl, ...config.deliveryCache },
    // With METRICS_PORT the process's listener serves /metrics (cluster.ts), not the API's port.
    metrics: { route: config.metrics.port === 0, token: config.metrics.token },
    s3SourceBuckets: config.s3SourceBuckets,
    publicBaseUrl: config.publicBaseUrl,
    secureBaseUrl: config.secureBaseUrl,
    ...(config.rateLimits.enabled
      ? {
          rateLimits: {
            redisUrl: config.redisUrl,
            keyPrefix: config.queuePrefix,
            limits: {
              adminPerHour: config.rateLimits.adminPerHour,
              uploadsPerMinute: config.rateLimits.uploadsPerMinute,
              uploadsPerHour: config.rateLimits.uploadsPerHour,
              uploadConcurrency: config.rateLimits.uploadConcurrency,
            },
            timeoutMs: config.rateLimits.timeoutMs,
          },
        }
      : {}),
    queueDashboard: config.queueDashboard,
    limits: {
      maxUploadBytes: config.limits.maxUploadBytes,
      maxLargeUploadBytes: config.limits.maxLargeUploadBytes,
      largeUploadMinPartBytes: config.limits.largeUploadMinPartBytes,
      inlineUploadMaxBytes: config.limits.inlineUploadMaxBytes,
      maxDataUriBytes: config.limits.maxDataUriBytes,
      syncUploadTimeoutMs: config.limits.syncUploadTimeoutMs,
      maxOutputDimension: config.limits.maxOutputDimension,
      maxOutputPixels: config.limits.maxOutputPixels,
      deriveWaitTimeoutMs: config.limits.deriveWaitTimeoutMs,
      archive: config.limits.archive,
      video: {
        maxSyncBytes: config.video.maxSyncBytes,
        maxPixels: config.video.maxPixels,
        maxFrameRate: config.video.maxFrameRate,
        maxBitRate: config.video.maxBitRate,
      },
      parameters: config.limits.parameters,
      maxFieldBytes: config.limits.maxFieldBytes,
      maxFieldsTotalBytes: config.limits.maxFieldsTotalBytes,
      unavailableRetryAfterSeconds: config.unavailableRetryAfterSeconds,
    },
  });
  // Accepted uploads answered before they reached Redis are queued before the queue connection closes.
  app.addHook('onClose', () => acceptances.drain());
  await app.listen({ port: config.http.port, host: config.http.host });
  return app;
}

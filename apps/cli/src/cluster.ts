import type { FastifyInstance } from 'fastify';
import type { Config } from '@rendition/config';
import { createLogger, type Logger } from '@rendition/logging';
import { enableProcessMetrics, startMetricsServer, type MetricsServer } from '@rendition/metrics';
import type { RunningWorkers } from './worker-role.ts';
import { createServices, prepareDatabase, type Services } from './services.ts';

export type Role = 'api' | 'worker';

export interface RunningCluster {
  services: Services;
  app?: FastifyInstance;
  workers?: RunningWorkers;
  /** Where the API listens, e.g. http://127.0.0.1:8080 (with the real port when PORT=0). */
  baseUrl?: string;
  /** The METRICS_PORT listener (/metrics, /healthz), when METRICS_PORT is set. */
  metrics?: MetricsServer;
  stop(): Promise<void>;
}

/**
 * Starts the given roles in this process. `rendition start` runs both; production runs `api`
 * and `worker` as separate deployments. Shutdown stops intake first, then drains the workers.
 */
export async function startCluster(config: Config, options: { roles: readonly Role[]; logger?: Logger; migrate?: boolean }): Promise<RunningCluster> {
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: 'rendition' });
  enableProcessMetrics();
  // Listening first, so that a liveness probe on METRICS_PORT/healthz is answered while migrations run.
  const metrics =
    config.metrics.port > 0
      ? await startMetricsServer({ port: config.metrics.port, host: config.http.host, token: config.metrics.token, logger })
      : undefined;
  if (metrics) logger.info({ port: metrics.port }, 'metrics listener started');
  let services: Services;
  try {
    if (options.migrate ?? true) await prepareDatabase(config);
    services = await createServices(config, logger);
  } catch (error) {
    await metrics?.close();
    throw error;
  }
  let workers: RunningWorkers | undefined;
  let app: FastifyInstance | undefined;
  try {
    // Each role is loaded only when it runs: an API process never loads the workers' media libraries.
    if (options.roles.includes('worker')) workers = await (await import('./worker-role.ts')).startWorkers(services);
    if (options.roles.includes('api')) app = await (await import('./api-role.ts')).startApi(services);
  } catch (error) {
    await workers?.close(0);
    await services.close();
    await metrics?.close();
    throw error;
  }
  const address = app?.server.address();
  const baseUrl = address && typeof address === 'object' ? `http://127.0.0.1:${address.port}` : undefined;

  let stopping: Promise<void> | undefined;
  return {
    services,
    ...(app ? { app } : {}),
    ...(workers ? { workers } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...(metrics ? { metrics } : {}),
    stop() {
      stopping ??= (async () => {
        await app?.close();
        await workers?.close(config.worker.shutdownTimeoutMs);
        await services.close();
        await metrics?.close();
      })();
      return stopping;
    },
  };
}

import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '@rendition/api';
import { isQueueName, QUEUE_NAMES, type QueueName } from '@rendition/jobs';
import { configureImageRuntime } from '@rendition/media';
import { createIngestProcessor, recordExhaustedIngest, startWorkerPool, type QueueHandler, type WorkerPool } from '@rendition/worker';
import { ingestDependencies, type Services } from './services.ts';

export async function startApi(services: Services): Promise<FastifyInstance> {
  const { config } = services;
  const app = await buildApiServer({
    logger: services.logger,
    db: services.db,
    store: services.store,
    queues: services.queues,
    addressPolicy: services.addressPolicy,
    s3SourceBuckets: config.s3SourceBuckets,
    publicBaseUrl: config.publicBaseUrl,
    secureBaseUrl: config.secureBaseUrl,
    limits: {
      maxUploadBytes: config.limits.maxUploadBytes,
      maxDataUriBytes: config.limits.maxDataUriBytes,
      syncUploadTimeoutMs: config.limits.syncUploadTimeoutMs,
    },
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  return app;
}

export function startWorkers(services: Services, queues: readonly string[] = services.config.worker.queues): WorkerPool {
  const selected = selectQueues(queues);
  // Decoders other than the formats we serve stay off, and sharp's cache is of no use to one-shot jobs.
  configureImageRuntime();
  const deps = ingestDependencies(services);
  const handlers: Partial<Record<QueueName, QueueHandler>> = {};
  if (selected.includes('ingest')) {
    handlers.ingest = {
      processor: createIngestProcessor(deps),
      concurrency: services.config.worker.concurrency.ingest,
      onExhausted: (job, error) => recordExhaustedIngest(deps, job, error),
    };
  }
  return startWorkerPool({
    redisUrl: services.config.redisUrl,
    prefix: services.config.queuePrefix,
    handlers,
    logger: services.logger,
  });
}

function selectQueues(requested: readonly string[]): QueueName[] {
  if (requested.length === 0) return [...QUEUE_NAMES];
  const unknown = requested.filter((name) => !isQueueName(name));
  if (unknown.length > 0) throw new Error(`Unknown queue(s): ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`);
  return requested as QueueName[];
}

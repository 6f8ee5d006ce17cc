import type { FastifyInstance } from 'fastify';
import { buildApiServer } from '@rendition/api';
import { isQueueName, QUEUE_NAMES, startOutboxRelay, type OutboxRelay, type QueueName } from '@rendition/jobs';
import { configureImageRuntime } from '@rendition/media';
import { createGuardedFetcher } from '@rendition/net';
import { parseSchedule, webhookFetcherOptions } from '@rendition/webhooks';
import { createDeriveProcessor, createIngestProcessor, createNotifyProcessor, recordExhaustedIngest, startWorkerPool, type QueueHandler, type WorkerPool } from '@rendition/worker';
import { checkRedisForQueues } from './redis-policy.ts';
import { deriveDependencies, ingestDependencies, type Services } from './services.ts';

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
      maxOutputDimension: config.limits.maxOutputDimension,
      maxOutputPixels: config.limits.maxOutputPixels,
      deriveWaitTimeoutMs: config.limits.deriveWaitTimeoutMs,
    },
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  return app;
}

export interface RunningWorkers {
  close(deadlineMs: number): Promise<void>;
}

/** The worker role: one BullMQ worker per selected queue, plus the outbox relay. */
export async function startWorkers(services: Services, queues: readonly string[] = services.config.worker.queues): Promise<RunningWorkers> {
  const { config, logger } = services;
  const selected = selectQueues(queues);
  await checkRedisForQueues(config.redisUrl, { allowEviction: config.redisAllowEviction, logger });
  // Decoders other than the formats we serve stay off, and sharp's cache is of no use to one-shot jobs.
  configureImageRuntime();

  const handlers: Partial<Record<QueueName, QueueHandler>> = {};
  // Run with drained=false when jobs were handed back at the deadline: their requests are cut off then.
  const closers: Array<(drained: boolean) => Promise<void>> = [];
  if (selected.includes('ingest')) {
    const deps = ingestDependencies(services);
    handlers.ingest = {
      processor: createIngestProcessor(deps),
      concurrency: config.worker.concurrency.ingest,
      onExhausted: (job, error) => recordExhaustedIngest(deps, job, error),
    };
  }
  if (selected.includes('derive')) {
    handlers.derive = { processor: createDeriveProcessor(deriveDependencies(services), ingestDependencies(services)), concurrency: config.worker.concurrency.derive };
  }
  if (selected.includes('notify')) {
    const webhookFetcher = createGuardedFetcher({ ...webhookFetcherOptions([...config.remoteFetch.allow]), timeoutMs: config.webhooks.timeoutMs });
    closers.push((drained) => (drained ? webhookFetcher.close() : webhookFetcher.destroy()));
    handlers.notify = {
      processor: createNotifyProcessor({
        db: services.db,
        fetcher: webhookFetcher,
        schedule: parseSchedule(config.webhooks.schedule),
        scheduleScale: config.webhooks.scheduleScale,
        timeoutMs: config.webhooks.timeoutMs,
        signatureAlgorithm: config.webhooks.signatureAlgorithm,
      }),
      concurrency: config.worker.concurrency.notify,
    };
  }
  // Every queue in the registry needs a processor here: a job kind nobody can run must fail the boot.
  const unhandled = selected.filter((queue) => handlers[queue] === undefined);
  if (unhandled.length > 0) throw new Error(`No processor for queue(s): ${unhandled.join(', ')}`);
  const pool: WorkerPool = startWorkerPool({ redisUrl: config.redisUrl, prefix: config.queuePrefix, handlers, logger });
  const relay: OutboxRelay = startOutboxRelay({
    db: services.db,
    queues: services.queues,
    logger,
    intervalMs: config.relay.intervalMs,
    graceMs: config.relay.graceMs,
  });
  return {
    async close(deadlineMs) {
      await relay.stop();
      const drained = await pool.close(deadlineMs);
      // Jobs handed back at the deadline run again elsewhere; the process must not wait for their fetches.
      if (!drained) await services.fetcher.destroy();
      await Promise.all(closers.map((close) => close(drained)));
    },
  };
}

function selectQueues(requested: readonly string[]): QueueName[] {
  if (requested.length === 0) return [...QUEUE_NAMES];
  const unknown = requested.filter((name) => !isQueueName(name));
  if (unknown.length > 0) throw new Error(`Unknown queue(s): ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`);
  return requested as QueueName[];
}

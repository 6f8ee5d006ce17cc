import { isQueueName, QUEUE_NAMES, startOutboxRelay, type OutboxRelay, type QueueName } from '@rendition/jobs';
import { configureImageRuntime, createDocumentEngine } from '@rendition/media';
import { createJobHandlers, scratchDir, startLeftoverSweeper, startWorkerPool, type WorkerPool } from '@rendition/worker';
import { checkRedisForQueues } from './redis-policy.ts';
import type { Services } from './services.ts';

export interface RunningWorkers {
  close(deadlineMs: number): Promise<void>;
}

/**
 * The worker role: one BullMQ worker per selected queue, a handler per job kind, the outbox relay, and
 * the sweeper of what killed processes left behind (staged uploads, scratch directories).
 */
export async function startWorkers(services: Services, queues: readonly string[] = services.config.worker.queues): Promise<RunningWorkers> {
  const { config, logger } = services;
  const selected = selectQueues(queues);
  await checkRedisForQueues(config.redisUrl, { allowEviction: config.redisAllowEviction, logger });
  // Decoders other than the formats we serve stay off, and sharp's cache is of no use to one-shot jobs.
  configureImageRuntime();

  const { documents: limits } = config;
  const documents = createDocumentEngine({
    concurrency: limits.threads,
    maxPages: limits.maxPages,
    maxRenderPixels: limits.maxRenderPixels,
    timeoutMs: limits.timeoutMs,
    memoryMb: limits.memoryMb,
  });
  const handlers = createJobHandlers({ ...services, documents }, selected);
  const pool: WorkerPool = startWorkerPool({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    queues: selected.map((name) => ({ name, concurrency: config.worker.concurrency[name] })),
    handlers,
    logger,
  });
  const relay: OutboxRelay = startOutboxRelay({
    db: services.db,
    queues: services.queues,
    logger,
    intervalMs: config.relay.intervalMs,
    graceMs: config.relay.graceMs,
  });
  const sweeper = startLeftoverSweeper({
    db: services.db,
    store: services.store,
    logger,
    scratchDir: scratchDir(),
    stagingAgeMs: config.sweep.stagingAgeMs,
    scratchAgeMs: config.sweep.scratchAgeMs,
    intervalMs: config.sweep.intervalMs,
    largeUploadTtlMs: config.limits.largeUploadTtlMs,
  });
  return {
    async close(deadlineMs) {
      await Promise.all([relay.stop(), sweeper.stop()]);
      const drained = await pool.close(deadlineMs);
      // Jobs handed back at the deadline run again elsewhere; the process must not wait for their fetches.
      if (!drained) await services.fetcher.destroy();
      await Promise.all(Object.values(handlers).map((handler) => handler.close?.(drained)));
      await documents.close();
    },
  };
}

function selectQueues(requested: readonly string[]): QueueName[] {
  if (requested.length === 0) return [...QUEUE_NAMES];
  const unknown = requested.filter((name) => !isQueueName(name));
  if (unknown.length > 0) throw new Error(`Unknown queue(s): ${unknown.join(', ')}; known: ${QUEUE_NAMES.join(', ')}`);
  return requested as QueueName[];
}

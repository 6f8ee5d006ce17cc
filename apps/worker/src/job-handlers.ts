import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import type { CatalogDb, OutcomeWaiter } from '@rendition/catalog';
import type { Config } from '@rendition/config';
import { createConvertHandler, type ConvertHandlerDependencies } from '@rendition/convert';
import {
  createDeriveHandler,
  createDeriveVideoHandler,
  createExplodeHandler,
  createMultiHandler,
  createSpriteHandler,
  createTextHandler,
  type DeriveHandlerDependencies,
  type VideoDeriveDependencies,
} from '@rendition/derive';
import { createArchiveHandler, type ArchiveHandlerDependencies } from '@rendition/archives';
import { createPurgeHandler } from '@rendition/assets';
import { createAnalyzeHandler, createIngestHandler, type IngestJobDependencies } from '@rendition/ingest';
import { kindsOfQueue, type JobHandler, type JobHandlers, type JobKind, type JobQueues, type QueueName } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { DocumentEngine } from '@rendition/media';
import { createModerateHandler, type ModerateHandlerDependencies } from '@rendition/moderate';
import { createGuardedFetcher, type GuardedFetcher } from '@rendition/net';
import type { BlobStore } from '@rendition/storage';
import { createDirectDeliveries, createNotifyHandler, parseSchedule, webhookFetcherOptions, type DirectDeliveries } from '@rendition/webhooks';

/** Where handlers make their scratch directories, and so where the leftover sweeper looks: the OS temp directory (TMPDIR). */
export function scratchDir(): string {
  return tmpdir();
}

/** The long-lived clients the handlers are built from (made once per process by apps/cli). */
export interface WorkerServices {
  config: Config;
  logger: Logger;
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  fetcher: GuardedFetcher;
  openS3Source(bucket: string, key: string): Promise<Readable>;
  /** pdf.js in isolated threads: PDF probes (ingest), page renders (derive), text extraction (convert). */
  documents: DocumentEngine;
  /** Waits for other jobs' outcomes (an archive job waits for the derivatives it puts in the archive). */
  outcomes: OutcomeWaiter;
}

/** Parts made once per process and shared by several kinds' handlers. */
interface SharedParts {
  /** The notify handler's dependencies (its fetcher), shared with `deliveries`; absent without them. */
  notify?: NotifyDependencies;
  /** First webhook attempts made by the job that ends a batch (WEBHOOK_DIRECT_DELIVERY). */
  deliveries?: DirectDeliveries;
}

/**
 * The handler of every job kind, one line each: the type requires one per kind in packages/jobs'
 * registry, and the worker pool checks again at boot.
 */
const HANDLER_FACTORIES: { [K in JobKind]: (services: WorkerServices, shared: SharedParts) => JobHandler<K> } = {
  ingest: (services, shared) => createIngestHandler(ingestDependencies(services, shared)),
  derive: (services, shared) => createDeriveHandler(deriveDependencies(services, shared)),
  notify: (services, shared) => createNotifyHandler(shared.notify ?? notifyDependencies(services)),
  convert: (services, shared) => createConvertHandler(convertDependencies(services, shared)),
  'derive-video': (services, shared) =>
    createDeriveVideoHandler({ ...deriveDependencies(services, shared), video: videoDependencies(services.config) }),
  analyze: (services, shared) => createAnalyzeHandler(ingestDependencies(services, shared)),
  moderate: (services, shared) => createModerateHandler(moderateDependencies(services, shared)),
  archive: (services, shared) => createArchiveHandler(archiveDependencies(services, shared)),
  multi: (services, shared) => createMultiHandler(deriveDependencies(services, shared)),
  explode: (services, shared) => createExplodeHandler(deriveDependencies(services, shared)),
  sprite: (services, shared) => createSpriteHandler(deriveDependencies(services, shared)),
  text: (services, shared) => createTextHandler(deriveDependencies(services, shared)),
  purge: (services, shared) => createPurgeHandler(batchWorkDependencies(services, shared)),
};

/** The handlers of the kinds the given queues carry, and nothing else (a handler may open connections). */
export function createJobHandlers(services: WorkerServices, queues: readonly QueueName[]): Partial<JobHandlers> {
  const shared = sharedParts(services, queues);
  const handlers: Partial<Record<JobKind, JobHandler<JobKind>>> = {};
  for (const kind of queues.flatMap((queue) => kindsOfQueue(queue))) {
    handlers[kind] = HANDLER_FACTORIES[kind](services, shared) as JobHandler<JobKind>;
  }
  return handlers as Partial<JobHandlers>;
}

/**
 * Only a process that serves the notify queue attempts webhooks directly, within the same bound
 * (WORKER_CONCURRENCY_NOTIFY): an operator who runs webhooks on their own workers keeps them there.
 */
function sharedParts(services: WorkerServices, queues: readonly QueueName[]): SharedParts {
  if (!queues.includes('notify') || !services.config.webhooks.directDelivery) return {};
  const notify = notifyDependencies(services);
  const deliveries = createDirectDeliveries(notify, {
    queues: services.queues,
    logger: services.logger,
    maxInFlight: services.config.worker.concurrency.notify,
    leaseMs: services.config.webhooks.directLeaseMs,
  });
  // Attempts in flight end before the notify handler's fetcher closes.
  return { notify: { ...notify, close: async (drained) => (await deliveries.close(), notify.close(drained)) }, deliveries };
}

export function ingestDependencies(services: WorkerServices, shared: SharedParts = {}): IngestJobDependencies {
  const { config } = services;
  return {
    ...batchWorkDependencies(services, shared),
    fetcher: services.fetcher,
    remoteFetch: { budgetMs: config.remoteFetch.timeoutMs, retries: config.remoteFetch.retries, retryDelayMs: config.remoteFetch.retryDelayMs },
    openS3Source: services.openS3Source,
    limits: {
      maxRemoteBytes: config.limits.maxRemoteBytes,
      maxUploadBytes: config.limits.maxUploadBytes,
      maxInputPixels: config.limits.maxImagePixels,
      timeoutSeconds: config.limits.imageTimeoutSeconds,
      maxDimension: config.limits.maxOutputDimension,
      maxOutputPixels: config.limits.maxOutputPixels,
      inMemoryOutputPixels: config.limits.inMemoryOutputPixels,
    },
    documents: services.documents,
    video: {
      probeLimits: {
        maxDuration: config.video.maxDurationSeconds,
        maxPixels: config.video.maxPixels,
        maxFrameRate: config.video.maxFrameRate,
      },
      timeoutMs: config.video.timeoutMs,
      maxSyncBytes: config.video.maxSyncBytes,
    },
    scriptLimits: { timeoutMs: config.scripts.timeoutMs, memoryBytes: config.scripts.memoryMb * 1024 * 1024 },
    analysisLimits: config.analysis,
  };
}

/** ffmpeg's bounds, time limit and threads, as derive-video jobs use them. */
function videoDependencies(config: Config): VideoDeriveDependencies['video'] {
  return {
    limits: {
      maxSyncBytes: config.video.maxSyncBytes,
      maxPixels: config.video.maxPixels,
      maxFrameRate: config.video.maxFrameRate,
      maxBitRate: config.video.maxBitRate,
    },
    timeoutMs: config.video.timeoutMs,
    threads: config.video.threads,
  };
}

/**
 * The classifier is loaded by the first job that needs it, once per process (loadClassifier memoizes
 * it): TensorFlow.js and the model's weights are not even imported by a worker that never moderates.
 */
function moderateDependencies(services: WorkerServices, shared: SharedParts): ModerateHandlerDependencies {
  const { config } = services;
  return {
    ...batchWorkDependencies(services, shared),
    imageLimits: { maxInputPixels: config.limits.maxImagePixels, timeoutSeconds: config.limits.imageTimeoutSeconds },
    classifier: async () => (await import('@rendition/classifiers')).loadClassifier(config.moderation.model),
    nsfwThresholds: config.moderation.nsfwThresholds,
    video: { frames: config.moderation.videoFrames, timeoutMs: config.video.timeoutMs },
  };
}

function archiveDependencies(services: WorkerServices, shared: SharedParts): ArchiveHandlerDependencies {
  return { ...batchWorkDependencies(services, shared), outcomes: services.outcomes };
}

function convertDependencies(services: WorkerServices, shared: SharedParts): ConvertHandlerDependencies {
  return { ...ingestDependencies(services, shared), documents: services.documents, officeTimeoutMs: services.config.documents.officeTimeoutMs };
}

/** What every handler that finishes batch jobs and stores files starts from. */
function batchWorkDependencies(services: WorkerServices, shared: SharedParts) {
  return {
    db: services.db,
    store: services.store,
    queues: services.queues,
    logger: services.logger,
    ...(shared.deliveries ? { deliveries: shared.deliveries } : {}),
    publicBaseUrl: services.config.publicBaseUrl,
    secureBaseUrl: services.config.secureBaseUrl,
    tmpDir: scratchDir(),
  };
}

export function deriveDependencies(services: WorkerServices, shared: SharedParts = {}): DeriveHandlerDependencies {
  const { config } = services;
  return {
    ...batchWorkDependencies(services, shared),
    limits: {
      maxInputPixels: config.limits.maxImagePixels,
      timeoutSeconds: config.limits.imageTimeoutSeconds,
      maxDimension: config.limits.maxOutputDimension,
      maxOutputPixels: config.limits.maxOutputPixels,
      maxSourceBytes: Math.max(config.limits.maxUploadBytes, config.limits.maxRemoteBytes),
      inMemoryOutputPixels: config.limits.inMemoryOutputPixels,
    },
    documents: services.documents,
    // `l_fetch:` layers load as upload-by-URL does: the same guarded fetcher (SSRF_ALLOW) and time budget.
    remoteFetch: {
      fetcher: services.fetcher,
      policy: { budgetMs: config.remoteFetch.timeoutMs, retries: config.remoteFetch.retries, retryDelayMs: config.remoteFetch.retryDelayMs },
    },
  };
}

type NotifyDependencies = Parameters<typeof createNotifyHandler>[0] & { close(drained: boolean): Promise<void> };

/** Webhooks go out through their own fetcher (its own timeout and allow-list), closed with the handler. */
function notifyDependencies(services: WorkerServices): NotifyDependencies {
  const { config } = services;
  const fetcher = createGuardedFetcher({ ...webhookFetcherOptions([...config.remoteFetch.allow]), timeoutMs: config.webhooks.timeoutMs });
  return {
    db: services.db,
    fetcher,
    schedule: parseSchedule(config.webhooks.schedule),
    scheduleScale: config.webhooks.scheduleScale,
    timeoutMs: config.webhooks.timeoutMs,
    signatureAlgorithm: config.webhooks.signatureAlgorithm,
    close: (drained) => (drained ? fetcher.close() : fetcher.destroy()),
  };
}

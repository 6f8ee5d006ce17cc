import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  connectCatalog,
  createOutcomeWaiter,
  enableSettingsCache,
  ensureDatabaseExists,
  migrateToLatest,
  type CatalogDb,
  type OutcomeWaiter,
} from '@rendition/catalog';
import type { Config } from '@rendition/config';
import { createJobQueues, type JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { createGuardedFetcher, type AddressPolicy, type GuardedFetcher } from '@rendition/net';
import { ApiError } from '@rendition/protocol';
import { BlobNotFoundError, createBlobStore, type BlobStore } from '@rendition/storage';

/** The long-lived clients a process needs, built once from the config and closed together. */
export interface Services {
  config: Config;
  logger: Logger;
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  /** Waits for jobs and batches to finish (synchronous uploads, explicit, first deliveries). */
  outcomes: OutcomeWaiter;
  fetcher: GuardedFetcher;
  addressPolicy: AddressPolicy;
  openS3Source(bucket: string, key: string): Promise<Readable>;
  close(): Promise<void>;
}

export async function prepareDatabase(config: Config): Promise<void> {
  await ensureDatabaseExists(config.databaseUrl);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

export async function createServices(config: Config, logger: Logger): Promise<Services> {
  const store = await createBlobStore(config.storage);
  // The S3 driver is loaded only where a bucket of sources is allowed (or the store is S3).
  const s3Sources = config.s3SourceBuckets.length > 0 ? await import('@rendition/storage/s3') : undefined;
  const db = connectCatalog(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    parallelWorkersPerGather: config.databaseParallelWorkersPerGather,
  });
  const settingsCache =
    config.settingsCache.ttlMs > 0
      ? enableSettingsCache(db, config.databaseUrl, {
          ...config.settingsCache,
          onError: (error) => logger.warn({ err: error }, 'settings change listener connection failed; reading settings uncached until it is back'),
        })
      : undefined;
  const queues = createJobQueues({
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    commandTimeoutMs: config.redisCommandTimeoutMs,
    retryAfterSeconds: config.unavailableRetryAfterSeconds,
  });
  const outcomes = createOutcomeWaiter(config.databaseUrl, (error) => logger.warn({ err: error }, 'outcome listener connection failed; reconnecting'));
  const fetcher = createGuardedFetcher({
    allow: [...config.remoteFetch.allow],
    timeoutMs: config.remoteFetch.timeoutMs,
    maxBytes: config.limits.maxRemoteBytes,
    maxRedirects: config.remoteFetch.maxRedirects,
    userAgent: 'Rendition',
    ...(config.remoteFetch.caFile ? { extraCaPem: readFileSync(config.remoteFetch.caFile, 'utf8') } : {}),
  });
  const s3SourceClient = s3Sources?.createS3Client(config.s3);

  return {
    config,
    logger,
    db,
    store,
    queues,
    outcomes,
    fetcher,
    addressPolicy: fetcher.policy,
    async openS3Source(bucket, key) {
      if (!s3Sources || !s3SourceClient || !config.s3SourceBuckets.includes(bucket)) {
        throw new ApiError(400, `Unsupported source URL: s3://${bucket} is not an allowed bucket`);
      }
      try {
        return await new s3Sources.S3BlobStore({ client: s3SourceClient, bucket }).get(key);
      } catch (error) {
        if (error instanceof BlobNotFoundError) throw new ApiError(400, `Resource not found - s3://${bucket}/${key}`);
        throw error;
      }
    },
    async close() {
      await Promise.allSettled([queues.close(), outcomes.close(), fetcher.close(), store.close(), settingsCache?.close()]);
      s3SourceClient?.destroy();
      await db.destroy();
    },
  };
}

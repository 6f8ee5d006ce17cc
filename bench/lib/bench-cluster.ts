import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase, type ApiCredentials } from '@rendition/catalog';
import { ensureCloudCredentials, startCluster, type Role, type RunningCluster } from '@rendition/cli';
import { loadConfig, type Config } from '@rendition/config';
import { createTestDatabaseUrl, deleteRedisPrefix, freePort } from '@rendition/testing';

export interface BenchCluster {
  baseUrl: string;
  cloud: string;
  credentials: ApiCredentials;
  cluster: RunningCluster;
  config: Config;
  queuePrefix: string;
  /** Stops the roles, drops the database, removes the storage directory and the prefix's Redis keys. */
  stop(): Promise<void>;
}

/**
 * A Rendition of its own on loopback, for benchmarks: a throwaway database, a throwaway queue
 * prefix and a throwaway storage directory on the local PostgreSQL and Redis (TEST_DATABASE_URL,
 * TEST_REDIS_URL override them). Nothing shared is touched: the Redis clean-up deletes only the
 * keys under this run's prefix.
 */
export async function startBenchCluster(env: Record<string, string>, roles: Role[]): Promise<BenchCluster> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'rendition-bench-'));
  const databaseUrl = createTestDatabaseUrl('bench');
  const queuePrefix = `rendition-bench-${randomBytes(6).toString('hex')}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    STORAGE_URL: `file://${dataDir}`,
    LOG_LEVEL: 'silent',
    // A benchmark measures throughput, not the per-key rate limits (docs/operations.md "Rate limits").
    RATE_LIMITS_ENABLED: 'false',
    // Worker concurrency, the delivery cache and where derivatives are encoded may be tuned from the shell for a run:
    // WORKER_CONCURRENCY_DERIVE=4, DELIVERY_CACHE_TTL_MS=0, DERIVE_IN_MEMORY_MAX_PIXELS=0 …
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] =>
          /^(WORKER_CONCURRENCY_|DELIVERY_CACHE_|INTAKE_GROUP_|SETTINGS_CACHE_|DERIVE_IN_MEMORY_)/.test(entry[0]) && entry[1] !== undefined,
      ),
    ),
    ...env,
  });
  const cleanUp = async () => {
    await dropDatabase(databaseUrl).catch((error: unknown) => console.error(`bench: could not drop ${databaseUrl}:`, error));
    await rm(dataDir, { recursive: true, force: true });
    await deleteRedisPrefix(redisUrl, queuePrefix).catch((error: unknown) =>
      console.error(`bench: could not delete Redis keys ${queuePrefix}:*`, error),
    );
  };
  let cluster: RunningCluster;
  try {
    cluster = await startCluster(config, { roles });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const credentials = await ensureCloudCredentials(cluster.services.db, 'demo');
  let stopping: Promise<void> | undefined;
  return {
    baseUrl: config.publicBaseUrl,
    cloud: 'demo',
    credentials,
    cluster,
    config,
    queuePrefix,
    stop() {
      stopping ??= (async () => {
        try {
          await cluster.stop();
        } finally {
          await cleanUp();
        }
      })();
      return stopping;
    },
  };
}

/** SCAN + UNLINK of `<prefix>:*` only: the Redis may be shared, so never FLUSHALL. */

export function basicAuthHeader(credentials: ApiCredentials): string {
  return `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.apiSecret}`).toString('base64')}`;
}

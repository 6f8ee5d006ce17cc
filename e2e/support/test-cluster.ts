import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropDatabase, type ApiCredentials } from '@rendition/catalog';
import { loadConfig } from '@rendition/config';
import { createBlobStore, type BlobStore, type StorageSettings } from '@rendition/storage';
import { createTestDatabaseUrl, deleteRedisPrefix, freePort, loadCloudinarySdk, type CloudinarySdk } from '@rendition/testing';
import { ensureCloudCredentials, startCluster, type Role, type RunningCluster } from '@rendition/cli';

export interface TestCluster {
  baseUrl: string;
  cloud: string;
  credentials: ApiCredentials;
  cluster: RunningCluster;
  /**
   * The cluster's storage, opened separately from the cluster's own (same settings), so tests read
   * what it stored through the BlobStore interface, as any other process would, and not by path.
   */
  store: BlobStore;
  /** The storage settings the cluster runs with (a file:// store in a temp directory unless env names another). */
  storage: StorageSettings;
  /** The temp directory behind the default file:// store; tests do not read it, stop() removes it. */
  dataDir: string;
  databaseUrl: string;
  queuePrefix: string;
  /** The environment the cluster was configured from (PORT aside); shareWith reuses it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /**
   * Run these roles against another test cluster's database, queue prefix and storage, as a
   * separately deployed API or worker would. stop() then stops only this cluster's processes:
   * the owner's stop() drops the database and removes the storage directory.
   */
  shareWith?: TestCluster;
}

/**
 * A whole Rendition (API + workers) on loopback, with a database, a queue prefix and a storage
 * directory of its own, against the real PostgreSQL and Redis.
 */
export async function startTestCluster(
  env: Record<string, string> = {},
  roles: Role[] = ['api', 'worker'],
  options: TestClusterOptions = {},
): Promise<TestCluster> {
  const port = await freePort();
  const owner = options.shareWith;
  const dataDir = owner?.dataDir ?? (await mkdtemp(join(tmpdir(), 'rendition-data-')));
  const databaseUrl = owner?.databaseUrl ?? createTestDatabaseUrl('e2e');
  const queuePrefix = owner?.queuePrefix ?? `rendition-test-${randomBytes(4).toString('hex')}`;
  const settings: Record<string, string> = {
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: queuePrefix,
    STORAGE_URL: `file://${dataDir}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SYNC_UPLOAD_TIMEOUT_MS: '30000',
    // The SDK adds rate_limit_* to every Admin result while the limits are on; tests compare results
    // exactly, so only e2e/rate-limits.test.ts (and tests that ask) run with them.
    RATE_LIMITS_ENABLED: 'false',
    ...owner?.env,
    ...env,
  };
  const config = loadConfig({ ...settings, PORT: String(port) });
  const cluster = await startCluster(config, { roles });
  const credentials = await ensureCloudCredentials(cluster.services.db, 'demo');
  const store = await createBlobStore(config.storage);
  return {
    baseUrl: config.publicBaseUrl,
    cloud: 'demo',
    credentials,
    cluster,
    store,
    storage: config.storage,
    dataDir,
    databaseUrl,
    queuePrefix,
    env: settings,
    async stop() {
      await cluster.stop();
      await store.close();
      if (owner) return;
      await dropDatabase(databaseUrl);
      await rm(dataDir, { recursive: true, force: true });
      await deleteRedisPrefix(settings.REDIS_URL ?? 'redis://127.0.0.1:6379', queuePrefix);
    },
  };
}

/** The official Node SDK pointed at this cluster (CLOUDINARY_URL with its credentials and upload_prefix). */
export function sdkFor(cluster: Pick<TestCluster, 'credentials' | 'cloud' | 'baseUrl'>): CloudinarySdk {
  const { apiKey, apiSecret } = cluster.credentials;
  process.env.CLOUDINARY_URL = `cloudinary://${apiKey}:${apiSecret}@${cluster.cloud}?upload_prefix=${cluster.baseUrl}`;
  return loadCloudinarySdk();
}

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectCatalog,
  createApiKey,
  createOutcomeWaiter,
  dropDatabase,
  ensureDatabaseExists,
  migrateToLatest,
  type ApiCredentials,
  type CatalogDb,
  type OutcomeWaiter,
} from '@rendition/catalog';
import { createJobQueues, type JobQueues } from '@rendition/jobs';
import { createLogger, type Logger } from '@rendition/logging';
import { FsBlobStore, type BlobStore } from '@rendition/storage';
import { deleteRedisPrefix } from './redis-prefix.ts';
import { createTestDatabaseUrl } from './test-database.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The real services a domain package's tests pass to its services, narrowly, without a cluster: one
 * migrated database with the `demo` cloud and a key, one queue prefix, one filesystem store and one
 * scratch directory, all removed by `stop()`.
 */
export interface DomainTestServices {
  databaseUrl: string;
  db: CatalogDb;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  prefix: string;
  store: BlobStore;
  /** Where jobs make their scratch directories (empty again after every job). */
  scratchDir: string;
  credentials: ApiCredentials;
  stop(): Promise<void>;
}

export async function startDomainTestServices(label: string): Promise<DomainTestServices> {
  const databaseUrl = createTestDatabaseUrl(label);
  await ensureDatabaseExists(databaseUrl);
  const db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  const credentials = await createApiKey(db, 'demo');
  const prefix = `rendition-test-${label}-${randomBytes(4).toString('hex')}`;
  const queues = createJobQueues({ redisUrl: TEST_REDIS_URL, prefix });
  await until(() => queues.isConnected(), 5_000, 'the producer connection to Redis');
  const outcomes = createOutcomeWaiter(databaseUrl);
  const dir = await mkdtemp(join(tmpdir(), `rendition-${label}-`));
  const scratchDir = join(dir, 'scratch');
  await mkdir(scratchDir);
  const store = new FsBlobStore(join(dir, 'store'));
  return {
    databaseUrl,
    db,
    queues,
    outcomes,
    logger: createLogger({ level: 'silent' }),
    prefix,
    store,
    scratchDir,
    credentials,
    async stop() {
      await outcomes.close();
      await store.close();
      await queues.close();
      await db.destroy();
      await dropDatabase(databaseUrl);
      await deleteRedisPrefix(TEST_REDIS_URL, prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 10 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const newBatchId = (): string => randomBytes(32).toString('hex');
export const hex32 = (): string => randomBytes(16).toString('hex');

import { randomBytes } from 'node:crypto';
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
import { createTestDatabaseUrl, deleteRedisPrefix } from '@rendition/testing';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What the derivation services need, and nothing more: one migrated database and one queue prefix per test file. */
export interface DerivationTestServices {
  databaseUrl: string;
  db: CatalogDb;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  prefix: string;
  credentials: ApiCredentials;
  stop(): Promise<void>;
}

export async function startDerivationTestServices(label: string): Promise<DerivationTestServices> {
  const databaseUrl = createTestDatabaseUrl(label);
  await ensureDatabaseExists(databaseUrl);
  const db = connectCatalog(databaseUrl, { poolSize: 4 });
  await migrateToLatest(db);
  const credentials = await createApiKey(db, 'demo');
  const prefix = `rendition-test-${label}-${randomBytes(4).toString('hex')}`;
  const queues = createJobQueues({ redisUrl: REDIS_URL, prefix });
  await until(() => queues.isConnected(), 5_000, 'the producer connection to Redis');
  const outcomes = createOutcomeWaiter(databaseUrl);
  return {
    databaseUrl,
    db,
    queues,
    outcomes,
    logger: createLogger({ level: 'silent' }),
    prefix,
    credentials,
    async stop() {
      await outcomes.close();
      await queues.close();
      await db.destroy();
      await dropDatabase(databaseUrl);
      await deleteRedisPrefix(REDIS_URL, prefix);
    },
  };
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const newBatchId = (): string => randomBytes(32).toString('hex');
export const hex32 = (): string => randomBytes(16).toString('hex');

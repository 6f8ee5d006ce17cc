import { afterAll, beforeAll } from 'vitest';
import { connectCatalog, dropDatabase, ensureDatabaseExists, migrateToLatest, type CatalogDb } from '@rendition/catalog';
import { createTestDatabaseUrl } from './test-database.ts';

/** A test file's own migrated catalog: made before its tests, dropped after them. */
export interface TestCatalog {
  readonly db: CatalogDb;
  readonly databaseUrl: string;
}

/**
 * Registers the beforeAll and afterAll of a catalog of the test file's own (a database named after
 * `label`, migrated, with `poolSize` connections), and returns it; read its fields inside tests.
 */
export function useTestCatalog(label: string, options: { poolSize?: number } = {}): TestCatalog {
  let db: CatalogDb | undefined;
  let databaseUrl: string | undefined;
  beforeAll(async () => {
    databaseUrl = createTestDatabaseUrl(label);
    await ensureDatabaseExists(databaseUrl);
    db = connectCatalog(databaseUrl, { poolSize: options.poolSize ?? 2 });
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db?.destroy();
    if (databaseUrl) await dropDatabase(databaseUrl);
  });
  return {
    get db() {
      if (!db) throw new Error('the test catalog is made in beforeAll: read it inside a test or hook');
      return db;
    },
    get databaseUrl() {
      if (!databaseUrl) throw new Error('the test catalog is made in beforeAll: read it inside a test or hook');
      return databaseUrl;
    },
  };
}

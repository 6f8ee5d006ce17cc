import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connectCatalog, dropDatabase, ensureDatabaseExists, type CatalogDb } from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

// DATABASE_PARALLEL_WORKERS_PER_GATHER reaches every connection of the pool (docs/performance.md, "Parallel query").

const databaseUrl = createTestDatabaseUrl('connection');
const opened: CatalogDb[] = [];
afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()));
  await dropDatabase(databaseUrl);
});

async function setting(options: Parameters<typeof connectCatalog>[1]): Promise<string> {
  await ensureDatabaseExists(databaseUrl);
  const db = connectCatalog(databaseUrl, options);
  opened.push(db);
  const { rows } = await sql<{ max_parallel_workers_per_gather: string }>`SHOW max_parallel_workers_per_gather`.execute(db);
  return rows[0]!.max_parallel_workers_per_gather;
}

describe('connectCatalog', () => {
  it('sets max_parallel_workers_per_gather on its connections when asked, and leaves the server default otherwise', async () => {
    expect(await setting({ poolSize: 1, parallelWorkersPerGather: 0 })).toBe('0');
    expect(await setting({ poolSize: 1, parallelWorkersPerGather: 3 })).toBe('3');
    const serverDefault = await setting({ poolSize: 1 });
    expect(serverDefault).toMatch(/^\d+$/);
  });
});

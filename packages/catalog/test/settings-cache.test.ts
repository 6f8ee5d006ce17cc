import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  cachedSetting,
  cloudNotificationUrls,
  connectCatalog,
  createApiKey,
  dropDatabase,
  enableSettingsCache,
  ensureCloud,
  ensureDatabaseExists,
  findApiKey,
  migrateToLatest,
  runWithStatementTally,
  setCloudNotificationUrls,
  type CatalogDb,
  type SettingsCacheHandle,
  type StatementTally,
} from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

// The per-process settings cache (issue 17, docs/performance.md): served until a write to a settings
// table is announced by migration 0028's triggers, from whichever connection made it.

let databaseUrl: string;
let db: CatalogDb;
let cache: SettingsCacheHandle;
const cloudName = 'settings-cloud';

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('settings');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, cloudName);
  cache = enableSettingsCache(db, databaseUrl, { ttlMs: 60_000, maxEntries: 100, onError: () => {} });
  await eventually(servedFromCache);
});

afterAll(async () => {
  await cache?.close();
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  const tally: StatementTally = { statements: 0 };
  await runWithStatementTally(tally, work);
  return tally.statements;
}

/** Whether a read is answered from memory: the cache serves only once its LISTEN took effect. */
async function servedFromCache(): Promise<boolean> {
  await cloudNotificationUrls(db, cloudName);
  return (await statementsOf(() => cloudNotificationUrls(db, cloudName))) === 0;
}

/** Polls until `check` holds: a change notice arrives on its own connection, a moment after the commit. */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A write from another connection, as another process or psql would make it. */
async function writeElsewhere(text: string, values: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

describe('settings cache', () => {
  it('answers a second read without a statement, and the same value', async () => {
    const key = await createApiKey(db, cloudName);
    // The key's own insert empties the cache, and so does its notice a moment later: then it stays.
    await eventually(async () => {
      await findApiKey(db, key.apiKey);
      return (await statementsOf(() => findApiKey(db, key.apiKey))) === 0;
    });
    expect(await statementsOf(() => findApiKey(db, key.apiKey))).toBe(0);
    expect(await findApiKey(db, key.apiKey)).toEqual(key);
  });

  it('forgets a value when another connection changes its table, and reads the new one', async () => {
    await setCloudNotificationUrls(db, cloudName, ['https://one.example/hook']);
    // This process's own write is read back at once, before its notice arrives.
    expect(await cloudNotificationUrls(db, cloudName)).toEqual(['https://one.example/hook']);
    await eventually(servedFromCache);
    await writeElsewhere('UPDATE clouds SET notification_urls = $1 WHERE name = $2', [['https://two.example/hook'], cloudName]);
    await eventually(async () => (await cloudNotificationUrls(db, cloudName))[0] === 'https://two.example/hook');
  });

  it('forgets a deleted key', async () => {
    const key = await createApiKey(db, cloudName);
    await eventually(async () => (await findApiKey(db, key.apiKey)) !== undefined);
    await writeElsewhere('DELETE FROM api_keys WHERE api_key = $1', [key.apiKey]);
    await eventually(async () => (await findApiKey(db, key.apiKey)) === undefined);
  });

  it('keeps nothing a change overtook: a read that began before the notice is not stored after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = cachedSetting(db, 'test:slow', async () => {
      await gate;
      return 'before';
    });
    await writeElsewhere('UPDATE clouds SET notification_urls = notification_urls WHERE name = $1', [cloudName]);
    // The notice empties the cache; wait until a fresh read is no longer the pending one.
    await eventually(async () => (await Promise.race([cachedSetting(db, 'test:slow', async () => 'after'), Promise.resolve('pending')])) === 'after');
    release();
    expect(await slow).toBe('before');
    expect(await cachedSetting(db, 'test:slow', async () => 'third')).toBe('after');
  });

  it('does not empty the caches for a statement that changes no row', async () => {
    await cachedSetting(db, 'test:steady', async () => 'kept');
    // INSERT … ON CONFLICT DO NOTHING from another process: no row, no notice.
    await writeElsewhere('INSERT INTO clouds (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [cloudName]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await cachedSetting(db, 'test:steady', async () => 'reread')).toBe('kept');
  });

  it('reads through, uncached, for a database it was not enabled for and after it is closed', async () => {
    const other = connectCatalog(databaseUrl, { poolSize: 1 });
    try {
      expect(await statementsOf(() => cloudNotificationUrls(other, cloudName))).toBe(1);
      expect(await statementsOf(() => cloudNotificationUrls(other, cloudName))).toBe(1);
    } finally {
      await other.destroy();
    }
  });

  it('reads uncached while its listening connection is lost, and caches again once it is back', async () => {
    expect(await servedFromCache()).toBe(true);
    await writeElsewhere(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN rendition_settings' AND datname = current_database()",
      [],
    );
    await eventually(async () => (await statementsOf(() => cloudNotificationUrls(db, cloudName))) === 1);
    await eventually(servedFromCache);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  connectCatalog,
  dropDatabase,
  ensureCloud,
  ensureDatabaseExists,
  migrateToLatest,
  setCloudNotificationUrls,
  tablesWritten,
  watchOwnWrites,
  type CatalogDb,
} from '@rendition/catalog';
import { createTestDatabaseUrl } from '@rendition/testing';

// Read-your-own-writes for the per-process caches: a process learns of its own committed writes at
// once, before the change notice comes back on another connection (docs/performance.md).

let databaseUrl: string;
let db: CatalogDb;

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('own-writes');
  await ensureDatabaseExists(databaseUrl);
  db = connectCatalog(databaseUrl, { poolSize: 2 });
  await migrateToLatest(db);
  await ensureCloud(db, 'writes');
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

describe('tablesWritten', () => {
  it.each([
    ['insert into "clouds" ("name") values ($1) on conflict ("name") do nothing', [{ kind: 'insert', table: 'clouds' }]],
    ['update "assets" set "tags" = $1 where "asset_id" = $2', [{ kind: 'update', table: 'assets' }]],
    ['delete from "derived" where "asset_id" = $1', [{ kind: 'delete', table: 'derived' }]],
    ['TRUNCATE TABLE api_keys', [{ kind: 'truncate', table: 'api_keys' }]],
    [
      'with "batch" as (insert into "batches" values ($1) returning "batch_id") insert into "jobs" values ($2)',
      [
        { kind: 'insert', table: 'batches' },
        { kind: 'insert', table: 'jobs' },
      ],
    ],
    ['select * from "assets" where "asset_id" = $1 for update', []],
    ['select "updated_at", "deleted_at" from "assets"', []],
  ])('%s', (statement, expected) => {
    expect(tablesWritten(statement)).toEqual(expected);
  });
});

describe('watchOwnWrites', () => {
  it('tells after an autocommit write resolves, and only of the tables and kinds asked for', async () => {
    const heard: string[] = [];
    const stop = watchOwnWrites(db, ['clouds'], () => heard.push('clouds'));
    const stopUpdates = watchOwnWrites(db, ['clouds'], () => heard.push('clouds-updates'), ['update']);
    await setCloudNotificationUrls(db, 'writes', ['https://a.example/hook']);
    // ensureCloud's INSERT, then the UPDATE: the insert-only listener hears both, the update one only the update.
    expect(heard).toEqual(['clouds', 'clouds', 'clouds-updates']);
    await sql`select 1`.execute(db);
    expect(heard).toHaveLength(3);
    stop();
    stopUpdates();
    await setCloudNotificationUrls(db, 'writes', []);
    expect(heard).toHaveLength(3);
  });

  it('tells of a transaction’s writes once it commits, never before, and not at all when it rolls back', async () => {
    let heard = 0;
    const stop = watchOwnWrites(db, ['clouds'], () => (heard += 1));
    try {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('clouds')
          .set({ notification_urls: ['https://b.example/hook'] })
          .where('name', '=', 'writes')
          .execute();
        expect(heard).toBe(0);
      });
      expect(heard).toBe(1);
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.updateTable('clouds').set({ notification_urls: [] }).where('name', '=', 'writes').execute();
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(heard).toBe(1);
    } finally {
      stop();
    }
  });
});

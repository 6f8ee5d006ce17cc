import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectCatalog,
  dropDatabase,
  ensureDatabaseExists,
  ensureCloud,
  findAsset,
  findAssetByVersionId,
  findDeliveryToAttempt,
  findDerivationStart,
  recordStandaloneJobUnlessDerived,
  findDerived,
  findJob,
  findUnfinishedDeliveries,
  findUnfinishedJobs,
  listBatchJobs,
  migrateToLatest,
  startIngest,
  type CatalogDb,
} from '@rendition/catalog';
import type { Database } from '../src/database-schema.ts';
import { createTestDatabaseUrl } from '@rendition/testing';

// The statements every upload or delivery sends must find their rows through an index, whatever the
// catalog's size. Each statement is explained first (EXPLAIN, same parameters) on connections with
// sequential scans priced out (enable_seqscan off), so a plan that still scans a table has no index
// to use: the plan of an empty table tells what a table of millions would do (which index it picks
// then depends on the table's statistics, so only the absence of a scan is held).

let databaseUrl: string;
let pool: pg.Pool;
let db: CatalogDb;
const plans: Array<{ text: string; plan: string }> = [];

beforeAll(async () => {
  databaseUrl = createTestDatabaseUrl('index-use');
  await ensureDatabaseExists(databaseUrl);
  const migrator = connectCatalog(databaseUrl, { poolSize: 1 });
  await migrateToLatest(migrator);
  await migrator.destroy();
  pool = new pg.Pool({ connectionString: databaseUrl, max: 1, options: '-c enable_seqscan=off' });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (text: string, values?: unknown[]) => Promise<pg.QueryResult>;
    (client as unknown as { query: typeof query }).query = async (text, values) => {
      if (typeof text === 'string' && !/^\s*(begin|commit|rollback)\b/i.test(text)) {
        const { rows } = await query(`EXPLAIN ${text}`, values);
        plans.push({ text, plan: rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n') });
      }
      return query(text, values);
    };
  });
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
});

afterAll(async () => {
  await db?.destroy();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

/** The plans of what `work` sent, with every sequential scan named. */
async function plansOf(work: () => Promise<unknown>): Promise<Array<{ plan: string; seqScans: string[] }>> {
  plans.length = 0;
  await work();
  expect(plans.length).toBeGreaterThan(0);
  return plans.map(({ plan }) => ({ plan, seqScans: [...plan.matchAll(/Seq Scan on (\w+)/g)].map((match) => match[1]!) }));
}

const hex32 = () => randomUUID().replaceAll('-', '');

describe('index use on the hot paths', () => {
  it("an ingest's first statement looks its assets up by version and by identity, scanning no table", async () => {
    const input = { versionId: hex32(), cloudName: 'demo', type: 'upload', publicId: 'a/b', resourceTypes: ['image', 'video', 'raw'], now: new Date() };
    const withJob = await plansOf(() => startIngest(db, { ...input, jobId: randomUUID(), readInlineData: true }));
    const withoutJob = await plansOf(() => startIngest(db, input));
    for (const { plan, seqScans } of [...withJob, ...withoutJob]) expect(seqScans, plan).toEqual([]);
  });

  it("the look-ups of an asset, its version, a derivative, a derive job's start, a job and a first hit's scan no table", async () => {
    await ensureCloud(db, 'demo');
    const asset = await plansOf(async () => {
      await findAsset(db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId: 'a/b' });
      await findAssetByVersionId(db, hex32());
      await findDerived(db, { assetId: hex32(), versionId: hex32(), transformationHash: 'h', format: 'jpg' });
      await findDerivationStart(db, { assetId: hex32(), versionId: hex32(), transformationHash: 'h', format: 'jpg' });
      await findJob(db, randomUUID());
      const job = { id: randomUUID(), queue: 'derive' as const, kind: 'derive' as const, payload: {} };
      await recordStandaloneJobUnlessDerived(db, 'demo', job, { assetId: hex32(), versionId: hex32(), transformationHash: 'h', format: 'jpg' });
    });
    expect(asset).toHaveLength(6);
    for (const { plan, seqScans } of asset) expect(seqScans, plan).toEqual([]);
  });

  it("a webhook attempt's read, a batch's jobs and the relays' sweeps of unfinished jobs and deliveries scan no table", async () => {
    const reads = await plansOf(async () => {
      await findDeliveryToAttempt(db, randomUUID());
      await listBatchJobs(db, hex32() + hex32());
      await findUnfinishedJobs(db, new Date(), 100);
      await findUnfinishedDeliveries(db, new Date(), 100);
    });
    expect(reads).toHaveLength(4);
    for (const { plan, seqScans } of reads) expect(seqScans, plan).toEqual([]);
  });
});

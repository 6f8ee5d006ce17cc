import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connectCatalog, createBatchesWithJobs, ensureCloud, runWithStatementTally } from '@rendition/catalog';
import { useTestCatalog } from '@rendition/testing';

// createBatchesWithJobs (intake's group commit): every batch and job of a group in one statement,
// small uploads' bytes in one binary parameter that each job row takes its own slice of.

const catalog = useTestCatalog('batches-with-jobs');

beforeAll(async () => {
  await ensureCloud(catalog.db, 'group');
});

const batch = (batchId: string) => ({ batchId, cloudName: 'group', apiKey: 'key', kind: 'upload', notificationUrls: ['https://hooks.example/a'] });
const job = (inlineData?: Buffer) => ({
  id: randomUUID(),
  queue: 'ingest',
  kind: 'ingest',
  payload: { v: 1, n: randomUUID() },
  ...(inlineData ? { inlineData } : {}),
});

describe('createBatchesWithJobs', () => {
  it("stores each job's own bytes, whatever rows without bytes sit between them, and the payloads as given", async () => {
    const [a, b, c] = [randomBytes(5000), Buffer.from([0, 1, 2, 255]), Buffer.alloc(0)];
    const entries = [
      { batch: batch(randomBytes(32).toString('hex')), jobs: [job(a), job(), job(b)] },
      { batch: batch(randomBytes(32).toString('hex')), jobs: [] },
      { batch: batch(randomBytes(32).toString('hex')), jobs: [job(), job(c)] },
    ];
    await createBatchesWithJobs(catalog.db, entries);
    const ids = entries.flatMap((entry) => entry.jobs.map((each) => each.id));
    const rows = await catalog.db.selectFrom('jobs').select(['id', 'batch_id', 'payload', 'inline_data', 'status']).where('id', 'in', ids).execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const entry of entries) {
      for (const each of entry.jobs) {
        const row = byId.get(each.id);
        expect(row).toMatchObject({ batch_id: entry.batch.batchId, payload: each.payload, status: 'queued' });
        if (each.inlineData === undefined) expect(row?.inline_data).toBeNull();
        else expect(row?.inline_data?.equals(each.inlineData)).toBe(true);
      }
    }
    const batches = await catalog.db
      .selectFrom('batches')
      .select(['batch_id', 'pending_jobs'])
      .where(
        'batch_id',
        'in',
        entries.map((entry) => entry.batch.batchId),
      )
      .execute();
    expect(new Map(batches.map((row) => [row.batch_id, row.pending_jobs]))).toEqual(
      new Map(entries.map((entry) => [entry.batch.batchId, entry.jobs.length])),
    );
  });

  it('counts its statement against the caller that sent it, also when it waited for a connection another unit released', async () => {
    const single = connectCatalog(catalog.databaseUrl, { poolSize: 1 });
    try {
      const holder = { statements: 0 };
      const waiter = { statements: 0 };
      let held!: () => void;
      const connectionTaken = new Promise<void>((resolve) => (held = resolve));
      const holding = runWithStatementTally(holder, () =>
        single.transaction().execute(async (trx) => {
          held();
          await sql`SELECT pg_sleep(0.2)`.execute(trx);
        }),
      );
      await connectionTaken;
      const waiting = runWithStatementTally(waiter, () =>
        createBatchesWithJobs(single, [{ batch: batch(randomBytes(32).toString('hex')), jobs: [job()] }]),
      );
      await Promise.all([holding, waiting]);
      // BEGIN, the sleep, COMMIT: the group's insert, handed the connection by that COMMIT, is the waiter's.
      expect({ holder: holder.statements, waiter: waiter.statements }).toEqual({ holder: 3, waiter: 1 });
    } finally {
      await single.destroy();
    }
  });
});

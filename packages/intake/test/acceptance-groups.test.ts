import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithStatementTally, type StatementTally } from '@rendition/catalog';
import type { JobQueues, QueuedJob } from '@rendition/jobs';
import { startDomainTestServices, type DomainTestServices } from '@rendition/testing';
import { createAcceptanceGroups, type Acceptance } from '../src/acceptance-groups.ts';

// Intake's group commit (issue 17, docs/performance.md "Group commit"): uploads accepted together are
// recorded by one statement and queued in one exchange, each caller answered after its own rows are in.

let services: DomainTestServices;

beforeAll(async () => {
  services = await startDomainTestServices('acceptance');
}, 30_000);

afterAll(async () => {
  await services?.stop();
});

function acceptance(batchId = randomBytes(32).toString('hex')): Acceptance {
  const jobId = randomUUID();
  const payload = { v: 1, deliveryId: `msg_${randomBytes(12).toString('hex')}` };
  return {
    batch: { batchId, cloudName: 'demo', apiKey: services.credentials.apiKey, kind: 'upload', notificationUrls: [] },
    jobs: [{ id: jobId, queue: 'notify', kind: 'notify', payload }],
    queue: [{ kind: 'notify', payload, jobId } as QueuedJob],
  };
}

/** The test's queues, but Redis refuses every job. */
function refusingQueues(): JobQueues {
  return {
    ...services.queues,
    enqueue: () => Promise.reject(new Error('redis down')),
    enqueueMany: () => Promise.reject(new Error('redis down')),
  };
}

/** The test's queues, each exchange's number of jobs pushed onto `exchanges`. */
function countingExchanges(exchanges: number[]): JobQueues {
  return {
    ...services.queues,
    async enqueueMany(jobs) {
      exchanges.push(jobs.length);
      await services.queues.enqueueMany!(jobs);
    },
  };
}

async function recordedBatches(ids: string[]): Promise<number> {
  const rows = await services.db.selectFrom('batches').select('batch_id').where('batch_id', 'in', ids).execute();
  return rows.length;
}

async function queuedJobs(ids: string[]): Promise<number> {
  const found = await Promise.all(ids.map((id) => services.queues.isQueued('notify', id)));
  return found.filter(Boolean).length;
}

describe('createAcceptanceGroups', () => {
  it('records concurrent acceptances in fewer statements than acceptances, each recorded and queued before it resolves', async () => {
    const groups = createAcceptanceGroups({ db: services.db, queues: services.queues }, { maxGroupSize: 64, maxInFlight: 1 });
    const items = Array.from({ length: 30 }, () => acceptance());
    const tally: StatementTally = { statements: 0 };
    const outcomes = await runWithStatementTally(tally, () => Promise.all(items.map((item) => groups.accept(item))));
    expect(outcomes).toEqual(items.map(() => ({ queued: true })));
    expect(await recordedBatches(items.map((item) => item.batch.batchId))).toBe(30);
    expect(await queuedJobs(items.map((item) => item.queue[0]!.jobId))).toBe(30);
    // All thirty arrived in one turn of the event loop: one group, one statement.
    expect(tally.statements).toBe(1);
  });

  it('never groups more than maxGroupSize', async () => {
    const groups = createAcceptanceGroups({ db: services.db, queues: services.queues }, { maxGroupSize: 4, maxInFlight: 1 });
    const items = Array.from({ length: 10 }, () => acceptance());
    const tally: StatementTally = { statements: 0 };
    await runWithStatementTally(tally, () => Promise.all(items.map((item) => groups.accept(item))));
    expect(tally.statements).toBe(3);
    expect(await recordedBatches(items.map((item) => item.batch.batchId))).toBe(10);
  });

  it('fails only the acceptance whose row cannot be recorded; the rest of its group is recorded', async () => {
    const groups = createAcceptanceGroups({ db: services.db, queues: services.queues }, { maxGroupSize: 64, maxInFlight: 1 });
    const existing = acceptance();
    await groups.accept(existing);
    const items = [acceptance(), acceptance(existing.batch.batchId), acceptance()];
    const settled = await Promise.allSettled(items.map((item) => groups.accept(item)));
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await recordedBatches([items[0]!.batch.batchId, items[2]!.batch.batchId])).toBe(2);
    expect(await queuedJobs([items[1]!.queue[0]!.jobId])).toBe(0);
  });

  it('answers recorded-but-not-queued when Redis refuses: the rows stay for the relay', async () => {
    const groups = createAcceptanceGroups({ db: services.db, queues: refusingQueues() }, { maxGroupSize: 64, maxInFlight: 1 });
    const items = [acceptance(), acceptance()];
    const outcomes = await Promise.all(items.map((item) => groups.accept(item)));
    expect(outcomes).toEqual([
      { queued: false, queueError: expect.objectContaining({ message: 'redis down' }) },
      { queued: false, queueError: expect.objectContaining({ message: 'redis down' }) },
    ]);
    expect(await recordedBatches(items.map((item) => item.batch.batchId))).toBe(2);
  });

  it('records up to maxInFlight groups at once while the next group gathers', async () => {
    const groups = createAcceptanceGroups({ db: services.db, queues: services.queues }, { maxGroupSize: 64, maxInFlight: 2 });
    // Another transaction holds the batches table: every recording statement waits on its lock, so
    // those in flight can be counted in pg_stat_activity (the pool has 4 connections: this one, the
    // two waiting statements and the count).
    const waves = [0, 1, 2, 3].map(() => Array.from({ length: 3 }, () => acceptance()));
    const pending: Array<Promise<unknown>> = [];
    let waitingStatements = -1;
    await services.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE batches IN EXCLUSIVE MODE`.execute(trx);
      for (const wave of waves) {
        pending.push(...wave.map((item) => groups.accept(item)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows } = await sql<{ count: string }>`
        SELECT count(*) FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE ${'%json_populate_recordset(NULL::batches%'}
      `.execute(services.db);
      waitingStatements = Number(rows[0]!.count);
    });
    expect(waitingStatements).toBe(2);
    await Promise.all(pending);
    expect(await recordedBatches(waves.flat().map((item) => item.batch.batchId))).toBe(12);
    expect(await queuedJobs(waves.flat().map((item) => item.queue[0]!.jobId))).toBe(12);
  });

  it('answers an answerOnRecord acceptance once recorded, before Redis has it; queueing goes on and drain waits for it', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slowQueues: JobQueues = {
      ...services.queues,
      async enqueueMany(jobs) {
        await gate;
        await services.queues.enqueueMany!(jobs);
      },
    };
    const groups = createAcceptanceGroups({ db: services.db, queues: slowQueues }, { maxGroupSize: 64, maxInFlight: 2 });
    const early = { ...acceptance(), answerOnRecord: true };
    const waitsForQueue = acceptance();
    const late = groups.accept(waitsForQueue);
    expect(await groups.accept(early)).toEqual({ queued: 'after-answer' });
    expect(await recordedBatches([early.batch.batchId])).toBe(1);
    expect(await queuedJobs([early.queue[0]!.jobId])).toBe(0);
    let lateSettled = false;
    void late.then(() => (lateSettled = true));
    let drained = false;
    const draining = groups.drain().then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lateSettled).toBe(false);
    expect(drained).toBe(false);
    open();
    expect(await late).toEqual({ queued: true });
    await draining;
    expect(await queuedJobs([early.queue[0]!.jobId, waitsForQueue.queue[0]!.jobId])).toBe(2);
  });

  it('sends what was recorded during an exchange in the next one: one exchange at a time, several groups in it', async () => {
    const exchanges: number[] = [];
    let writing = 0;
    let mostAtOnce = 0;
    const slowQueues: JobQueues = {
      ...services.queues,
      async enqueueMany(jobs) {
        writing += 1;
        mostAtOnce = Math.max(mostAtOnce, writing);
        exchanges.push(jobs.length);
        await new Promise((resolve) => setTimeout(resolve, 60));
        await services.queues.enqueueMany!(jobs);
        writing -= 1;
      },
    };
    const groups = createAcceptanceGroups({ db: services.db, queues: slowQueues }, { maxGroupSize: 2, maxInFlight: 2 });
    const first = acceptance();
    const pending = [groups.accept(first)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Recorded in groups of 2 while the first exchange waits: all of them go in the second exchange.
    const rest = Array.from({ length: 6 }, () => acceptance());
    pending.push(...rest.map((item) => groups.accept(item)));
    expect(await Promise.all(pending)).toEqual([first, ...rest].map(() => ({ queued: true })));
    expect(mostAtOnce).toBe(1);
    expect(exchanges).toEqual([1, 6]);
    expect(await queuedJobs([first, ...rest].map((item) => item.queue[0]!.jobId))).toBe(7);
  });

  it('queues a recorded group with the one still being recorded (queueLingerMs), in one exchange; alone, at once', async () => {
    const exchanges: number[] = [];
    const countingQueues = countingExchanges(exchanges);
    const groups = createAcceptanceGroups({ db: services.db, queues: countingQueues }, { maxGroupSize: 3, maxInFlight: 2, queueLingerMs: 5_000 });
    // Two groups of three held by a table lock, released together: whichever is recorded first waits
    // for the other (well within the linger), so both go in one exchange.
    const items = Array.from({ length: 6 }, () => acceptance());
    let pending: Array<Promise<unknown>> = [];
    await services.db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE batches IN EXCLUSIVE MODE`.execute(trx);
      pending = items.map((item) => groups.accept(item));
      await new Promise((resolve) => setTimeout(resolve, 100));
    });
    const started = performance.now();
    await Promise.all(pending);
    expect(exchanges).toEqual([6]);
    expect(performance.now() - started).toBeLessThan(4_000);
    // Nothing else being recorded: no wait at all, whatever the linger.
    const alone = acceptance();
    const aloneStarted = performance.now();
    expect(await groups.accept(alone)).toEqual({ queued: true });
    expect(performance.now() - aloneStarted).toBeLessThan(1_000);
    expect(exchanges).toEqual([6, 1]);
  });

  it('queues the first group after the linger when the other is still being recorded', async () => {
    const exchanges: number[] = [];
    const countingQueues = countingExchanges(exchanges);
    const groups = createAcceptanceGroups({ db: services.db, queues: countingQueues }, { maxGroupSize: 64, maxInFlight: 2, queueLingerMs: 50 });
    const first = acceptance();
    const blockedBatch = randomBytes(32).toString('hex');
    let second: Promise<unknown> | undefined;
    const rolledBack = new Error('rolled back on purpose');
    // The second group's statement waits on the batch id another transaction inserted and holds.
    const blocker = services.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO batches (batch_id, cloud_name, api_key, kind, status, pending_jobs)
                VALUES (${blockedBatch}, 'demo', ${services.credentials.apiKey}, 'upload', 'pending', 0)`.execute(trx);
      second = groups.accept(acceptance(blockedBatch));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await groups.accept(first)).toEqual({ queued: true });
      expect(exchanges).toEqual([1]);
      throw rolledBack;
    });
    await expect(blocker).rejects.toBe(rolledBack);
    // Rolled back: the second group's insert goes through, and is queued in an exchange of its own.
    expect(await second).toEqual({ queued: true });
    expect(exchanges).toEqual([1, 1]);
  });

  it('answers the early ones once recorded even when Redis refuses, and the others recorded-but-not-queued', async () => {
    const groups = createAcceptanceGroups({ db: services.db, queues: refusingQueues() }, { maxGroupSize: 64, maxInFlight: 1 });
    const early = { ...acceptance(), answerOnRecord: true };
    const other = acceptance();
    const outcomes = await Promise.all([groups.accept(early), groups.accept(other)]);
    expect(outcomes).toEqual([{ queued: 'after-answer' }, { queued: false, queueError: expect.objectContaining({ message: 'redis down' }) }]);
    await groups.drain();
    expect(await recordedBatches([early.batch.batchId, other.batch.batchId])).toBe(2);
  });
});

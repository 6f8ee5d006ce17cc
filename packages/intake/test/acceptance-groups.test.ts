import { randomBytes, randomUUID } from 'node:crypto';
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
    const refusing: JobQueues = {
      ...services.queues,
      enqueue: () => Promise.reject(new Error('redis down')),
      enqueueMany: () => Promise.reject(new Error('redis down')),
    };
    const groups = createAcceptanceGroups({ db: services.db, queues: refusing }, { maxGroupSize: 64, maxInFlight: 1 });
    const items = [acceptance(), acceptance()];
    const outcomes = await Promise.all(items.map((item) => groups.accept(item)));
    expect(outcomes).toEqual([
      { queued: false, queueError: expect.objectContaining({ message: 'redis down' }) },
      { queued: false, queueError: expect.objectContaining({ message: 'redis down' }) },
    ]);
    expect(await recordedBatches(items.map((item) => item.batch.batchId))).toBe(2);
  });

  it('keeps a second group gathering while the first is written, up to maxInFlight at once', async () => {
    let writing = 0;
    let mostAtOnce = 0;
    const slowQueues: JobQueues = {
      ...services.queues,
      async enqueueMany(jobs) {
        writing += 1;
        mostAtOnce = Math.max(mostAtOnce, writing);
        await new Promise((resolve) => setTimeout(resolve, 30));
        await services.queues.enqueueMany!(jobs);
        writing -= 1;
      },
    };
    const groups = createAcceptanceGroups({ db: services.db, queues: slowQueues }, { maxGroupSize: 64, maxInFlight: 2 });
    const first = Array.from({ length: 3 }, () => acceptance());
    const pending = first.map((item) => groups.accept(item));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = Array.from({ length: 3 }, () => acceptance());
    const third = Array.from({ length: 3 }, () => acceptance());
    pending.push(...second.map((item) => groups.accept(item)));
    await new Promise((resolve) => setTimeout(resolve, 5));
    pending.push(...third.map((item) => groups.accept(item)));
    await Promise.all(pending);
    expect(mostAtOnce).toBe(2);
    expect(await queuedJobs([...first, ...second, ...third].map((item) => item.queue[0]!.jobId))).toBe(9);
  });
});

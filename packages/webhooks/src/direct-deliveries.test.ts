import { describe, expect, it } from 'vitest';
import type { Logger } from '@rendition/logging';
import { createDirectDeliveries, DEFAULT_DIRECT_LEASE_MS, fallbackDelayMs, type FreshDelivery } from './direct-deliveries.ts';
import type { AttemptVerdict, WebhookAttemptDependencies } from './webhook-attempts.ts';

const TIMEOUT_MS = 2_000;
/** The lease: shorter than an attempt may take (2 s + 10 s), so it is what the fallback waits. */
const FALLBACK_MS = DEFAULT_DIRECT_LEASE_MS;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

function delivery(id: string): FreshDelivery {
  return { id, cloudName: 'demo', url: `http://hooks.example/${id}`, body: '{}', apiKey: 'key' };
}

/** The same queues without postpone and withdraw: a queue that can neither move nor remove a job. */
function enqueueOnly(queues: ReturnType<typeof fakeQueues>['queues']): never {
  const { postpone: _none, withdraw: _neither, ...rest } = queues as unknown as Record<string, unknown>;
  return rest as never;
}

/** Queues that record what they were asked, each enqueue answered when the test says. */
function fakeQueues() {
  const calls: Array<{ op: 'enqueue' | 'postpone' | 'withdraw'; jobId: string; delayMs?: number }> = [];
  /** What each enqueue and postpone named besides the job id: the kind or queue and the payload. */
  const named: unknown[] = [];
  const pending = new Map<string, Deferred<void>>();
  return {
    calls,
    named,
    settleEnqueue(jobId: string) {
      pending.get(jobId)?.resolve();
    },
    queues: {
      enqueue(kind: string, payload: unknown, jobId: string, options?: { delayMs?: number }) {
        named.push({ kind, payload });
        calls.push({ op: 'enqueue', jobId, ...(options?.delayMs === undefined ? {} : { delayMs: options.delayMs }) });
        const gate = deferred<void>();
        pending.set(jobId, gate);
        return gate.promise;
      },
      async postpone(queue: string, jobId: string, delayMs: number) {
        named.push({ queue });
        calls.push({ op: 'postpone', jobId, delayMs });
      },
      async withdraw(queue: string, jobId: string) {
        named.push({ queue });
        calls.push({ op: 'withdraw', jobId });
      },
    } as never,
  };
}

function fakeLogger() {
  const warnings: unknown[] = [];
  return { warnings, logger: { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger };
}

const deps = { timeoutMs: TIMEOUT_MS } as WebhookAttemptDependencies;
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('direct webhook deliveries', () => {
  it('attempts at once and queues the notify job as the fallback, delayed by the lease', async () => {
    const fake = fakeQueues();
    const attempted: string[] = [];
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 4,
      attempt: async (each) => (attempted.push(each.id), { kind: 'finished' }),
    });
    const queued = direct.queue(delivery('msg_a'));
    expect(FALLBACK_MS).toBe(5_000);
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_a', delayMs: FALLBACK_MS }]);
    await tick();
    // The attempt does not wait for Redis.
    expect(attempted).toEqual(['msg_a']);
    // Delivered: the fallback is withdrawn, once it is in Redis (not before: there is nothing to remove).
    await tick();
    expect(fake.calls.map((call) => call.op)).toEqual(['enqueue']);
    fake.settleEnqueue('msg_a');
    await queued;
    await direct.close();
    await tick();
    expect(fake.calls).toEqual([
      { op: 'enqueue', jobId: 'msg_a', delayMs: FALLBACK_MS },
      { op: 'withdraw', jobId: 'msg_a' },
    ]);
    expect(fake.named).toEqual([{ kind: 'notify', payload: { v: 1, deliveryId: 'msg_a' } }, { queue: 'notify' }]);
  });

  it("after a failed attempt moves the queued job to the schedule's next slot, once it is queued", async () => {
    const fake = fakeQueues();
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 4,
      attempt: async (): Promise<AttemptVerdict> => ({ kind: 'retry', delayMs: 5_000 }),
    });
    const queued = direct.queue(delivery('msg_b'));
    await tick();
    await tick();
    // Not before the job is in Redis: there would be nothing to move.
    expect(fake.calls.map((call) => call.op)).toEqual(['enqueue']);
    fake.settleEnqueue('msg_b');
    await queued;
    await direct.close();
    expect(fake.calls).toEqual([
      { op: 'enqueue', jobId: 'msg_b', delayMs: FALLBACK_MS },
      { op: 'postpone', jobId: 'msg_b', delayMs: 5_000 },
    ]);
    expect(fake.named[1]).toEqual({ queue: 'notify' });
  });

  it('hands deliveries to the queue, undelayed and unattempted, past the in-flight bound and after close', async () => {
    const fake = fakeQueues();
    const gate = deferred<AttemptVerdict>();
    const attempted: string[] = [];
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 1,
      attempt: (each) => (attempted.push(each.id), gate.promise),
    });
    void direct.queue(delivery('msg_c'));
    void direct.queue(delivery('msg_d'));
    await tick();
    expect(attempted).toEqual(['msg_c']);
    expect(fake.calls).toEqual([
      { op: 'enqueue', jobId: 'msg_c', delayMs: FALLBACK_MS },
      { op: 'enqueue', jobId: 'msg_d' },
    ]);

    // close waits for the attempt in flight; what comes after it goes to the queue at once.
    let closed = false;
    const closing = direct.close().then(() => (closed = true));
    void direct.queue(delivery('msg_e'));
    await tick();
    expect(closed).toBe(false);
    gate.resolve({ kind: 'finished' });
    await closing;
    expect(closed).toBe(true);
    expect(attempted).toEqual(['msg_c']);
    expect(fake.calls.at(-1)).toEqual({ op: 'enqueue', jobId: 'msg_e' });
    expect(fake.named.slice(1)).toEqual([
      { kind: 'notify', payload: { v: 1, deliveryId: 'msg_d' } },
      { kind: 'notify', payload: { v: 1, deliveryId: 'msg_e' } },
    ]);
  });

  it('frees its slot when an attempt ends, and attempts nothing once closed even with slots free', async () => {
    const fake = fakeQueues();
    const attempted: string[] = [];
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 1,
      attempt: async (each) => (attempted.push(each.id), { kind: 'finished' }),
    });
    void direct.queue(delivery('msg_g'));
    await tick();
    await tick();
    void direct.queue(delivery('msg_h'));
    await tick();
    expect(attempted).toEqual(['msg_g', 'msg_h']);
    await tick();
    await direct.close();
    void direct.queue(delivery('msg_i'));
    await tick();
    expect(attempted).toEqual(['msg_g', 'msg_h']);
    expect(fake.calls.at(-1)).toEqual({ op: 'enqueue', jobId: 'msg_i' });
  });

  it('logs an attempt that throws, and leaves the delivery to its queued job', async () => {
    const fake = fakeQueues();
    const log = fakeLogger();
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: log.logger,
      maxInFlight: 4,
      attempt: async () => {
        throw new Error('database gone');
      },
    });
    const queued = direct.queue(delivery('msg_f'));
    fake.settleEnqueue('msg_f');
    await queued;
    await direct.close();
    expect(log.warnings).toHaveLength(1);
    expect(JSON.stringify(log.warnings[0])).toContain('msg_f');
    expect(JSON.stringify(log.warnings[0])).toContain('its queued job will retry');
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_f', delayMs: FALLBACK_MS }]);
  });

  it('waits the lease, or the longest an attempt may take when that is shorter or nothing can push the fallback back', () => {
    expect(fallbackDelayMs(2_000, 5_000)).toBe(5_000);
    expect(fallbackDelayMs(2_000, 60_000)).toBe(12_000);
    expect(fallbackDelayMs(15_000, undefined)).toBe(25_000);
  });

  it('pushes the fallback back by the lease while a slow attempt runs, once the job is queued, and stops when it ends', async () => {
    const fake = fakeQueues();
    const gate = deferred<AttemptVerdict>();
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 4,
      leaseMs: 100,
      attempt: () => gate.promise,
    });
    const queued = direct.queue(delivery('msg_slow'));
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_slow', delayMs: 100 }]);
    // Renewals wait for the job to be in Redis.
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(fake.calls.filter((call) => call.op === 'postpone')).toEqual([]);
    fake.settleEnqueue('msg_slow');
    await queued;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const renewals = fake.calls.filter((call) => call.op === 'postpone');
    // Every 20 ms (a fifth of the lease): about 10 in 220 ms, never the lease's worth apart.
    expect(renewals.length).toBeGreaterThanOrEqual(4);
    expect(new Set(renewals.map((call) => `${call.jobId}:${call.delayMs}`))).toEqual(new Set(['msg_slow:100']));
    // Each renewal moves the notify queue's job.
    expect(fake.named.slice(1)).toEqual(renewals.map(() => ({ queue: 'notify' })));
    gate.resolve({ kind: 'finished' });
    await direct.close();
    const atEnd = fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(fake.calls.length).toBe(atEnd);
  });

  it("after a slow failed attempt, moves the job to the schedule's slot after the last renewal", async () => {
    const fake = fakeQueues();
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 4,
      leaseMs: 100,
      attempt: async (): Promise<AttemptVerdict> => {
        await new Promise((resolve) => setTimeout(resolve, 90));
        return { kind: 'retry', delayMs: 7_000 };
      },
    });
    const queued = direct.queue(delivery('msg_late'));
    fake.settleEnqueue('msg_late');
    await queued;
    await direct.close();
    const postpones = fake.calls.filter((call) => call.op === 'postpone');
    expect(postpones.length).toBeGreaterThanOrEqual(2);
    expect(postpones.at(-1)).toEqual({ op: 'postpone', jobId: 'msg_late', delayMs: 7_000 });
    expect(postpones.slice(0, -1).every((call) => call.delayMs === 100)).toBe(true);
  });

  it('without a way to push the job back, queues it past the longest attempt and renews nothing', async () => {
    const fake = fakeQueues();
    const gate = deferred<AttemptVerdict>();
    const direct = createDirectDeliveries(deps, {
      queues: enqueueOnly(fake.queues),
      logger: fakeLogger().logger,
      maxInFlight: 4,
      leaseMs: 100,
      attempt: () => gate.promise,
    });
    const queued = direct.queue(delivery('msg_plain'));
    fake.settleEnqueue('msg_plain');
    await queued;
    await new Promise((resolve) => setTimeout(resolve, 60));
    gate.resolve({ kind: 'finished' });
    await direct.close();
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_plain', delayMs: TIMEOUT_MS + 10_000 }]);
  });

  it('renews nothing when the lease is no shorter than the longest attempt', async () => {
    const fake = fakeQueues();
    const gate = deferred<AttemptVerdict>();
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 4,
      // Exactly an attempt's longest (2 s + 10 s): the fallback already waits that long.
      leaseMs: TIMEOUT_MS + 10_000,
      attempt: () => gate.promise,
    });
    const queued = direct.queue(delivery('msg_long'));
    fake.settleEnqueue('msg_long');
    await queued;
    await new Promise((resolve) => setTimeout(resolve, 60));
    gate.resolve({ kind: 'finished' });
    await direct.close();
    await tick();
    expect(fake.calls).toEqual([
      { op: 'enqueue', jobId: 'msg_long', delayMs: TIMEOUT_MS + 10_000 },
      { op: 'withdraw', jobId: 'msg_long' },
    ]);
  });

  it('after a failed attempt, leaves the job where it is when the queue cannot move it, and logs nothing', async () => {
    const fake = fakeQueues();
    const log = fakeLogger();
    const direct = createDirectDeliveries(deps, {
      queues: enqueueOnly(fake.queues),
      logger: log.logger,
      maxInFlight: 4,
      attempt: async (): Promise<AttemptVerdict> => ({ kind: 'retry', delayMs: 7_000 }),
    });
    const queued = direct.queue(delivery('msg_stay'));
    fake.settleEnqueue('msg_stay');
    await queued;
    await direct.close();
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_stay', delayMs: TIMEOUT_MS + 10_000 }]);
    expect(log.warnings).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Logger } from '@rendition/logging';
import { createDirectDeliveries, fallbackDelayMs, type FreshDelivery } from './direct-deliveries.ts';
import type { AttemptVerdict, WebhookAttemptDependencies } from './webhook-attempts.ts';

const TIMEOUT_MS = 2_000;

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

/** Queues that record what they were asked, each enqueue answered when the test says. */
function fakeQueues() {
  const calls: Array<{ op: 'enqueue' | 'postpone'; jobId: string; delayMs?: number }> = [];
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
  it('attempts at once and queues the notify job as the fallback, delayed past the attempt timeout', async () => {
    const fake = fakeQueues();
    const attempted: string[] = [];
    const direct = createDirectDeliveries(deps, {
      queues: fake.queues,
      logger: fakeLogger().logger,
      maxInFlight: 4,
      attempt: async (each) => (attempted.push(each.id), { kind: 'finished' }),
    });
    const queued = direct.queue(delivery('msg_a'));
    expect(fallbackDelayMs(TIMEOUT_MS)).toBe(TIMEOUT_MS + 10_000);
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_a', delayMs: TIMEOUT_MS + 10_000 }]);
    await tick();
    // The attempt does not wait for Redis.
    expect(attempted).toEqual(['msg_a']);
    fake.settleEnqueue('msg_a');
    await queued;
    await direct.close();
    expect(fake.calls.filter((call) => call.op === 'postpone')).toEqual([]);
    expect(fake.named).toEqual([{ kind: 'notify', payload: { v: 1, deliveryId: 'msg_a' } }]);
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
      { op: 'enqueue', jobId: 'msg_b', delayMs: TIMEOUT_MS + 10_000 },
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
      { op: 'enqueue', jobId: 'msg_c', delayMs: TIMEOUT_MS + 10_000 },
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
    expect(fake.calls).toEqual([{ op: 'enqueue', jobId: 'msg_f', delayMs: TIMEOUT_MS + 10_000 }]);
  });
});

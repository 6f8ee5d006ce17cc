import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createJobQueues, QueueUnavailableError, type JobQueues } from '@rendition/jobs';
import { Queue, Worker } from 'bullmq';
import { startRedisServer, TEST_REDIS_URL, until } from '@rendition/testing';

describe('the producer side without Redis', () => {
  it('fails at once, even for a queue it has never used, instead of waiting for Redis', async () => {
    // Nothing listens on port 1: the connection never becomes ready.
    const queues = createJobQueues({ redisUrl: 'redis://127.0.0.1:1', prefix: `test-${randomUUID()}`, retryAfterSeconds: 9 });
    try {
      const started = Date.now();
      await expect(queues.isQueued('derive', randomUUID())).rejects.toBeInstanceOf(QueueUnavailableError);
      const error = await queues.enqueue('notify', { v: 1, deliveryId: 'msg_abc' }, randomUUID()).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(QueueUnavailableError);
      expect(error).toMatchObject({
        status: 503,
        expose: true,
        retryAfterSeconds: 9,
        message: 'Service unavailable: the job queue cannot be reached, try again shortly',
        cause: expect.objectContaining({ message: expect.stringMatching(/Redis is not connected/) }),
      });
      expect(() => queues.assertAvailable()).toThrow(QueueUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(queues.isConnected()).toBe(false);
    } finally {
      await queues.close();
    }
  });

  it('a payload that does not parse is a bug, not an unavailable queue', async () => {
    const queues = createJobQueues({ redisUrl: 'redis://127.0.0.1:1', prefix: `test-${randomUUID()}` });
    try {
      const error = await queues.enqueue('notify', { v: 2 } as never, randomUUID()).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(QueueUnavailableError);
    } finally {
      await queues.close();
    }
  });
});

describe('the producer side with a Redis that does not answer', () => {
  it('gives up on a command after commandTimeoutMs, with a QueueUnavailableError', async () => {
    const redis = await startRedisServer();
    const queues = createJobQueues({ redisUrl: redis.url, prefix: `test-${randomUUID()}`, commandTimeoutMs: 300 });
    try {
      await until(() => queues.isConnected(), 5_000, 'the private Redis');
      expect(await queues.isQueued('notify', randomUUID())).toBe(false);
      // Connected, and every command stalls: as a paused, overloaded or half-open Redis would.
      expect(await redis.command('CLIENT', 'PAUSE', '3000', 'ALL')).toBe('OK');
      const started = Date.now();
      await expect(queues.enqueue('notify', { v: 1, deliveryId: 'msg_abc' }, randomUUID())).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(queues.isQueued('ingest', randomUUID())).rejects.toBeInstanceOf(QueueUnavailableError);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(queues.isConnected()).toBe(true);
    } finally {
      await redis.command('CLIENT', 'UNPAUSE').catch(() => undefined);
      await queues.close();
      await redis.close();
    }
  });
});

/** A producer on a fresh prefix and the notify queue as BullMQ reads it, connected; both removed after `work`. */
async function withNotifyQueue(work: (context: { prefix: string; queues: JobQueues; notify: Queue }) => Promise<void>): Promise<void> {
  const prefix = `test-${randomUUID()}`;
  const queues = createJobQueues({ redisUrl: TEST_REDIS_URL, prefix });
  const notify = new Queue('notify', { connection: { url: TEST_REDIS_URL }, prefix });
  try {
    await until(() => queues.isConnected(), 5_000, 'Redis');
    await work({ prefix, queues, notify });
  } finally {
    await notify.obliterate({ force: true }).catch(() => undefined);
    await notify.close();
    await queues.close();
  }
}

describe('enqueueMany', () => {
  it('queues an exchange of one job as enqueue does, and an exchange of several with the same options', async () => {
    await withNotifyQueue(async ({ queues, notify }) => {
      const [alone, viaEnqueue, first, second] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
      await queues.enqueueMany!([{ kind: 'notify', payload: { v: 1, deliveryId: 'msg_alone' }, jobId: alone }]);
      await queues.enqueue('notify', { v: 1, deliveryId: 'msg_enqueued' }, viaEnqueue);
      await queues.enqueueMany!([
        { kind: 'notify', payload: { v: 1, deliveryId: 'msg_first' }, jobId: first },
        { kind: 'notify', payload: { v: 1, deliveryId: 'msg_second' }, jobId: second },
      ]);
      const seen = async (id: string) => {
        const job = await notify.getJob(id);
        return { name: job?.name, data: job?.data as unknown, attempts: job?.opts.attempts, backoff: job?.opts.backoff, state: await job?.getState() };
      };
      const expected = await seen(viaEnqueue);
      expect(expected).toMatchObject({ name: 'notify', data: { v: 1, deliveryId: 'msg_enqueued' }, state: 'waiting' });
      expect(await seen(alone)).toEqual({ ...expected, data: { v: 1, deliveryId: 'msg_alone' } });
      expect(await seen(first)).toEqual({ ...expected, data: { v: 1, deliveryId: 'msg_first' } });
      expect(await seen(second)).toEqual({ ...expected, data: { v: 1, deliveryId: 'msg_second' } });
      // Queued again under the same id, a job is not added twice.
      await queues.enqueueMany!([{ kind: 'notify', payload: { v: 1, deliveryId: 'msg_alone' }, jobId: alone }]);
      expect(await notify.getWaitingCount()).toBe(4);
    });
  });
});

describe('withdraw', () => {
  it('removes a delayed or waiting job, leaves a running one to finish, and takes a missing one as nothing', async () => {
    await withNotifyQueue(async ({ prefix, queues, notify }) => {
      const [delayed, waiting, running] = [randomUUID(), randomUUID(), randomUUID()];
      await queues.enqueue('notify', { v: 1, deliveryId: 'msg_delayed' }, delayed, { delayMs: 60_000 });
      await queues.enqueue('notify', { v: 1, deliveryId: 'msg_waiting' }, waiting);
      expect(await (await notify.getJob(delayed))?.getState()).toBe('delayed');
      await queues.withdraw!('notify', delayed);
      await queues.withdraw!('notify', waiting);
      expect(await notify.getJob(delayed)).toBeUndefined();
      expect(await notify.getJob(waiting)).toBeUndefined();
      await queues.withdraw!('notify', randomUUID());

      // A job a worker holds (its lock) is not taken from under it.
      await queues.enqueue('notify', { v: 1, deliveryId: 'msg_running' }, running);
      let release!: () => void;
      let started!: () => void;
      const runningNow = new Promise<void>((resolve) => (started = resolve));
      const worker = new Worker(
        'notify',
        async () => {
          started();
          await new Promise<void>((done) => (release = done));
        },
        { connection: { url: TEST_REDIS_URL }, prefix },
      );
      try {
        await runningNow;
        await queues.withdraw!('notify', running);
        expect(await (await notify.getJob(running))?.getState()).toBe('active');
        release();
        await until(async () => (await (await notify.getJob(running))?.getState()) === 'completed', 5_000, 'the running job to complete');
      } finally {
        await worker.close();
      }
    });
  });
});

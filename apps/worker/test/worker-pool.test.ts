import { randomBytes, randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createJobQueues,
  createRedisConnection,
  RejectedJobError,
  RunLaterError,
  type IngestJobV1,
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobKind,
  type JobQueues,
} from '@rendition/jobs';
import { createLogger } from '@rendition/logging';
import { deleteRedisPrefix } from '@rendition/testing';
import { assertHandled, startWorkerPool, type WorkerPool } from '@rendition/worker';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });

const prefixes: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

/** A queue prefix of this test's own, so no pool of another test (or file) takes its jobs. */
function newPrefix(): string {
  const prefix = `rendition-test-pool-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

afterAll(async () => {
  for (const prefix of prefixes) await deleteRedisPrefix(REDIS_URL, prefix);
});

/** A handler that records its calls and does what `behave` says on each. */
function recordingHandler<K extends JobKind>(behave: (call: number, payload: unknown, context: JobContext) => Promise<unknown>) {
  const calls: Array<{ payload: unknown; context: JobContext; at: number }> = [];
  const exhausted: Array<{ payload: unknown; error: Error; context: JobContext }> = [];
  const handler: JobHandler<K> = {
    async handle(payload, context) {
      calls.push({ payload, context, at: performance.now() });
      return behave(calls.length, payload, context);
    },
    async onExhausted(payload, error, context) {
      exhausted.push({ payload, error, context });
    },
  };
  return { handler, calls, exhausted };
}

function pool(prefix: string, queue: 'ingest' | 'derive' | 'notify', handlers: Partial<JobHandlers>): WorkerPool {
  const started = startWorkerPool({ redisUrl: REDIS_URL, prefix, queues: [{ name: queue, concurrency: 1 }], handlers, logger });
  closers.push(() => started.close(5_000));
  return started;
}

function rawQueue(prefix: string, name: string): Queue {
  const queue = new Queue(name, { connection: createRedisConnection(REDIS_URL, 'worker'), prefix });
  closers.push(() => queue.close());
  return queue;
}

async function producer(prefix: string): Promise<JobQueues> {
  const queues = createJobQueues({ redisUrl: REDIS_URL, prefix });
  closers.push(() => queues.close());
  const deadline = Date.now() + 5_000;
  while (!queues.isConnected()) {
    if (Date.now() > deadline) throw new Error('Redis did not answer');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return queues;
}

async function settledJob(queue: Queue, id: string, timeoutMs = 10_000): Promise<{ job: Job; state: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await queue.getJob(id);
    const state = job ? await job.getState() : 'missing';
    // Read again once the state is final: the first read may predate the failure's fields.
    if (job && (state === 'completed' || state === 'failed')) return { job: (await queue.getJob(id)) ?? job, state };
    if (Date.now() > deadline) throw new Error(`job ${id} still ${state}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An ingest payload as intake writes it, without the fields whose defaults the schema fills in. */
function ingestPayload(): Omit<
  IngestJobV1,
  | 'eager'
  | 'eagerAsync'
  | 'eagerInIngest'
  | 'returnDeleteToken'
  | 'backup'
  | 'incoming'
  | 'rawConvert'
  | 'request'
  | 'analysis'
  | 'evalScript'
  | 'onSuccess'
  | 'moderation'
> & {
  request: Omit<IngestJobV1['request'], 'metadata'>;
} {
  return {
    v: 1,
    jobId: randomUUID(),
    batchId: randomBytes(32).toString('hex'),
    cloudName: 'demo',
    apiKey: '123456789012345',
    source: { kind: 'staged', key: `staging/${randomUUID()}` },
    newAssetId: randomBytes(16).toString('hex'),
    request: {
      resourceType: 'image',
      type: 'upload',
      publicId: 'p',
      publicIdGenerated: false,
      originalFilename: null,
      assetFolder: '',
      displayName: null,
      overwrite: true,
      tags: [],
      context: {},
      format: null,
      allowedFormats: [],
      accessMode: 'public',
    },
  };
}

describe('boot', () => {
  it('assertHandled names every kind of a selected queue that has no handler', () => {
    const ingest = recordingHandler<'ingest'>(async () => undefined).handler;
    expect(() => assertHandled(['ingest', 'derive', 'notify'], { ingest })).toThrow(
      new Error(
        'No handler for job kind(s): derive (queue derive), analyze (queue derive), multi (queue derive), explode (queue derive), sprite (queue derive), text (queue derive), notify (queue notify)',
      ),
    );
    expect(() => assertHandled(['derive'], {})).toThrow(
      new Error(
        'No handler for job kind(s): derive (queue derive), analyze (queue derive), multi (queue derive), explode (queue derive), sprite (queue derive), text (queue derive)',
      ),
    );
    // Only the selected queues count.
    expect(() => assertHandled(['ingest'], { ingest })).not.toThrow();
    expect(() => assertHandled([], {})).not.toThrow();
  });

  it('startWorkerPool refuses to boot, naming the kind, before it takes any job', async () => {
    const prefix = newPrefix();
    const queues = await producer(prefix);
    await queues.enqueue('notify', { v: 1, deliveryId: 'msg_waiting' }, 'msg_waiting');
    const notify = recordingHandler<'notify'>(async () => 'ran');
    expect(() =>
      startWorkerPool({
        redisUrl: REDIS_URL,
        prefix,
        queues: [
          { name: 'notify', concurrency: 1 },
          { name: 'derive', concurrency: 1 },
        ],
        handlers: { notify: notify.handler },
        logger,
      }),
    ).toThrow(
      'No handler for job kind(s): derive (queue derive), analyze (queue derive), multi (queue derive), explode (queue derive), sprite (queue derive), text (queue derive)',
    );
    await pause(300);
    expect(notify.calls).toEqual([]);
    expect(await rawQueue(prefix, 'notify').getJobState('msg_waiting')).toBe('waiting');
  });
});

describe('running jobs', () => {
  it('ends a malformed payload failed after one attempt, without calling the handler or onExhausted', async () => {
    const prefix = newPrefix();
    const queue = rawQueue(prefix, 'notify');
    await queue.add('notify', { v: 2, deliveryId: 'msg_ok' }, { jobId: 'malformed', attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    const notify = recordingHandler<'notify'>(async () => 'ran');
    pool(prefix, 'notify', { notify: notify.handler });
    const { job, state } = await settledJob(queue, 'malformed');
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^Malformed notify payload: /);
    expect(job.failedReason).toContain('"v"');
    await pause(100);
    expect(notify.calls).toEqual([]);
    expect(notify.exhausted).toEqual([]);
  });

  it('does not retry a job whose handler throws RejectedJobError, nor call onExhausted', async () => {
    const prefix = newPrefix();
    const queues = await producer(prefix);
    const derive = recordingHandler<'derive'>(async () => {
      throw new RejectedJobError('Invalid image file', { status: 400 });
    });
    pool(prefix, 'derive', {
      derive: derive.handler,
      analyze: recordingHandler<'analyze'>(async () => undefined).handler,
      multi: recordingHandler<'multi'>(async () => undefined).handler,
      explode: recordingHandler<'explode'>(async () => undefined).handler,
      sprite: recordingHandler<'sprite'>(async () => undefined).handler,
      text: recordingHandler<'text'>(async () => undefined).handler,
    });
    const jobId = randomUUID();
    const payload = {
      v: 1 as const,
      cloudName: 'demo',
      assetId: 'a'.repeat(32),
      versionId: 'b'.repeat(32),
      transformation: 'w_10',
      format: 'jpg' as const,
    };
    await queues.enqueue('derive', payload, jobId);
    const { job, state } = await settledJob(rawQueue(prefix, 'derive'), jobId);
    expect({ state, attemptsMade: job.attemptsMade, failedReason: job.failedReason, attempts: job.opts.attempts }).toEqual({
      state: 'failed',
      attemptsMade: 1,
      failedReason: 'Invalid image file',
      attempts: 3,
    });
    await pause(100);
    expect(derive.calls.map((call) => [call.payload, call.context])).toEqual([[payload, { jobId, attempt: 1, signal: expect.any(AbortSignal) }]]);
    expect(derive.exhausted).toEqual([]);
  });

  it('runs the same job again after a RunLaterError, not counting it as a failed attempt', async () => {
    const prefix = newPrefix();
    const queues = await producer(prefix);
    const notify = recordingHandler<'notify'>(async (call) => {
      if (call === 1) throw new RunLaterError(400);
      return 'delivered';
    });
    pool(prefix, 'notify', { notify: notify.handler });
    await queues.enqueue('notify', { v: 1, deliveryId: 'msg_later' }, 'msg_later');
    const queue = rawQueue(prefix, 'notify');
    await pause(150);
    expect(notify.calls).toHaveLength(1);
    expect(await queue.getJobState('msg_later')).toBe('delayed');
    const { job, state } = await settledJob(queue, 'msg_later');
    expect({ state, returned: job.returnvalue, failedReason: job.failedReason }).toEqual({
      state: 'completed',
      returned: 'delivered',
      failedReason: undefined,
    });
    expect(notify.calls.map((call) => call.context.jobId)).toEqual(['msg_later', 'msg_later']);
    expect(notify.calls.map((call) => call.payload)).toEqual([
      { v: 1, deliveryId: 'msg_later' },
      { v: 1, deliveryId: 'msg_later' },
    ]);
    expect(notify.calls[1]!.at - notify.calls[0]!.at).toBeGreaterThanOrEqual(380);
    // Only the finishing run is an attempt: a rescheduled run spends none of the job's retries.
    expect(job.attemptsMade).toBe(1);
    expect(notify.exhausted).toEqual([]);
    expect(await queue.getJobCounts('waiting', 'delayed', 'failed', 'completed')).toEqual({ waiting: 0, delayed: 0, failed: 0, completed: 1 });
  });

  it('retries a transient error, then calls onExhausted once with the parsed payload', async () => {
    const prefix = newPrefix();
    const queue = rawQueue(prefix, 'ingest');
    const ingest = recordingHandler<'ingest'>(async () => {
      throw new Error('connection reset');
    });
    pool(prefix, 'ingest', { ingest: ingest.handler });
    const raw = ingestPayload();
    await queue.add('ingest', raw, { jobId: raw.jobId, attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    const { job, state } = await settledJob(queue, raw.jobId);
    expect({ state, attemptsMade: job.attemptsMade, failedReason: job.failedReason }).toEqual({
      state: 'failed',
      attemptsMade: 3,
      failedReason: 'connection reset',
    });
    expect(ingest.calls.map((call) => call.context)).toEqual(
      [1, 2, 3].map((attempt) => ({ jobId: raw.jobId, attempt, signal: expect.any(AbortSignal) })),
    );
    const deadline = Date.now() + 2_000;
    while (ingest.exhausted.length === 0 && Date.now() < deadline) await pause(10);
    await pause(200);
    expect(ingest.exhausted).toHaveLength(1);
    const [exhausted] = ingest.exhausted;
    // Parsed: the schema's defaults are there, as the handler itself saw them.
    const parsed = {
      ...raw,
      request: { ...raw.request, metadata: {} },
      eager: [],
      eagerAsync: false,
      eagerInIngest: false,
      returnDeleteToken: false,
      backup: false,
      incoming: null,
      rawConvert: null,
      analysis: { colors: false, phash: false, qualityAnalysis: false, accessibilityAnalysis: false, mediaMetadata: false },
      evalScript: null,
      onSuccess: null,
      moderation: null,
    };
    expect(exhausted!.payload).toEqual(parsed);
    expect(ingest.calls[0]!.payload).toEqual(parsed);
    expect(exhausted!.error.message).toBe('connection reset');
    expect(exhausted!.context).toEqual({ jobId: raw.jobId, attempt: 3, signal: expect.any(AbortSignal) });
  });

  it('does not call onExhausted for a transient error that a retry gets past', async () => {
    const prefix = newPrefix();
    const queue = rawQueue(prefix, 'ingest');
    const ingest = recordingHandler<'ingest'>(async (call) => {
      if (call === 1) throw new Error('connection reset');
      return { ok: true };
    });
    pool(prefix, 'ingest', { ingest: ingest.handler });
    const raw = ingestPayload();
    await queue.add('ingest', raw, { jobId: raw.jobId, attempts: 3, backoff: { type: 'fixed', delay: 50 } });
    const { job, state } = await settledJob(queue, raw.jobId);
    expect({ state, attemptsMade: job.attemptsMade, returned: job.returnvalue }).toEqual({
      state: 'completed',
      attemptsMade: 2,
      returned: { ok: true },
    });
    await pause(100);
    expect(ingest.exhausted).toEqual([]);
  });
});

describe('shutdown', () => {
  it('closes gracefully when idle, and hands a job still running at the deadline back to the queue', async () => {
    const prefix = newPrefix();
    const idle = startWorkerPool({
      redisUrl: REDIS_URL,
      prefix,
      queues: [{ name: 'notify', concurrency: 1 }],
      handlers: { notify: recordingHandler<'notify'>(async () => 'x').handler },
      logger,
    });
    expect(await idle.close(2_000)).toBe(true);

    const queues = await producer(prefix);
    let release: () => void = () => {};
    const stuck = recordingHandler<'notify'>(() => new Promise((resolve) => (release = () => resolve('late'))));
    const busy = startWorkerPool({
      redisUrl: REDIS_URL,
      prefix,
      queues: [{ name: 'notify', concurrency: 1 }],
      handlers: { notify: stuck.handler },
      logger,
    });
    await queues.enqueue('notify', { v: 1, deliveryId: 'msg_stuck' }, 'msg_stuck');
    const deadline = Date.now() + 5_000;
    while (stuck.calls.length === 0 && Date.now() < deadline) await pause(10);
    expect(stuck.calls).toHaveLength(1);
    const started = performance.now();
    expect(await busy.close(300)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await rawQueue(prefix, 'notify').getJobState('msg_stuck')).toBe('waiting');
    // The handler was told to stop (its signal aborted) before the job was handed back.
    expect(stuck.calls[0]!.context.signal.aborted).toBe(true);
    release();
  });
});

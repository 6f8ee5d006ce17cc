import { describe, expect, it } from 'vitest';
import { defineJob, isJobKind, isQueueName, JOBS, kindsOfQueue, NotifyJobV1Schema, QUEUE_NAMES, type JobKind } from '@rendition/jobs';

const kinds = Object.keys(JOBS) as JobKind[];

describe('the job registry', () => {
  it('holds the thirteen kinds of this build, each on its queue', () => {
    expect(Object.fromEntries(kinds.map((kind) => [kind, JOBS[kind].queue]))).toEqual({
      ingest: 'ingest',
      derive: 'derive',
      notify: 'notify',
      convert: 'documents',
      'derive-video': 'video',
      analyze: 'derive',
      moderate: 'moderate',
      archive: 'archive',
      multi: 'derive',
      explode: 'derive',
      sprite: 'derive',
      text: 'derive',
      purge: 'purge',
    });
    expect([...QUEUE_NAMES]).toEqual(['ingest', 'derive', 'notify', 'documents', 'video', 'moderate', 'archive', 'purge']);
  });

  it.each(kinds)('registers %s under its own kind', (kind) => {
    expect(JOBS[kind].kind).toBe(kind);
    expect(isJobKind(kind)).toBe(true);
  });

  it.each(kinds)('puts %s on a queue of QUEUE_NAMES', (kind) => {
    expect(QUEUE_NAMES).toContain(JOBS[kind].queue);
    expect(isQueueName(JOBS[kind].queue)).toBe(true);
  });

  it('kindsOfQueue covers every kind exactly once over all queues', () => {
    const covered = QUEUE_NAMES.flatMap((queue) => kindsOfQueue(queue));
    expect([...covered].sort()).toEqual([...kinds].sort());
    expect(new Set(covered).size).toBe(covered.length);
    for (const queue of QUEUE_NAMES) {
      for (const kind of kindsOfQueue(queue)) expect(JOBS[kind].queue).toBe(queue);
    }
  });

  it('knows no kind or queue outside the registry', () => {
    expect(kindsOfQueue('moderation')).toEqual([]);
    expect(isJobKind('toString')).toBe(false);
    expect(isJobKind('__proto__')).toBe(false);
    expect(isQueueName('Ingest')).toBe(false);
  });

  it('freezes each definition and retries every kind more than once with a backoff', () => {
    for (const kind of kinds) {
      const definition = JOBS[kind];
      expect(Object.isFrozen(definition)).toBe(true);
      expect(definition.options.attempts).toBeGreaterThan(1);
      expect(definition.options.backoff).toEqual({ type: 'exponential', delay: 1_000 });
      // Redis is trimmed; PostgreSQL keeps the history.
      expect(definition.options.removeOnComplete).toEqual({ age: 3_600, count: 1_000 });
      expect(definition.options.removeOnFail).toEqual({ age: 86_400, count: 5_000 });
    }
  });

  it('defineJob freezes a copy and leaves the object it is given as it was', () => {
    const definition = { kind: 'probe', queue: 'derive', schema: NotifyJobV1Schema, options: { attempts: 2 } } as const;
    const job = defineJob(definition);
    expect(job).not.toBe(definition);
    expect(job).toEqual({ kind: 'probe', queue: 'derive', schema: NotifyJobV1Schema, options: { attempts: 2 } });
    expect(Object.isFrozen(job)).toBe(true);
    expect(Object.isFrozen(definition)).toBe(false);
  });
});

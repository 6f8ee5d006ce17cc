import { describe, expect, it } from 'vitest';
import { createSingleFlight } from '../../src/auto-upload/single-flight.ts';

describe('createSingleFlight', () => {
  it('runs once for concurrent callers of one key, and again once that run has ended', async () => {
    const once = createSingleFlight<number>();
    let runs = 0;
    let release: (value: number) => void = () => undefined;
    const run = () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const first = once('k', run);
    const second = once('k', run);
    const other = once('other', async () => 7);
    release(42);
    expect(await Promise.all([first, second, other])).toEqual([42, 42, 7]);
    expect(runs).toBe(1);
    const third = once('k', run);
    release(43);
    expect(await third).toBe(43);
    expect(runs).toBe(2);
  });

  it('gives every waiting caller the failure, and lets the next caller try again', async () => {
    const once = createSingleFlight<void>();
    const failing = () => Promise.reject(new Error('remote down'));
    const results = await Promise.allSettled([once('k', failing), once('k', failing)]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    await expect(once('k', async () => undefined)).resolves.toBeUndefined();
  });
});

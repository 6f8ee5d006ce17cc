import { describe, expect, it } from 'vitest';
import { oneAtATime } from '../src/one-at-a-time.ts';

const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('oneAtATime', () => {
  it('starts each work only after the previous one settled, in call order', async () => {
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const work = (name: string, ms: number) => async () => {
      running += 1;
      most = Math.max(most, running);
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
      running -= 1;
      return name;
    };
    const results = await Promise.all([oneAtATime(work('a', 15)), oneAtATime(work('b', 1)), oneAtATime(work('c', 5))]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('goes on after a failed work, which rejects its own caller only', async () => {
    const failed = oneAtATime(async () => {
      throw new Error('boom');
    });
    const next = oneAtATime(async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });
});

import { describe, expect, it } from 'vitest';
import { ApiError } from '@rendition/protocol';
import { createFailureMemory } from '../../src/auto-upload/failure-memory.ts';

describe('createFailureMemory', () => {
  it('answers a failure until its TTL has passed, then forgets it', () => {
    let now = 1_000;
    const memory = createFailureMemory({ ttlSeconds: 60, maxEntries: 10, now: () => now });
    const failure = new ApiError(404, 'Resource not found - a/b.png');
    memory.remember('a', failure);
    now += 59_999;
    expect(memory.recall('a')).toBe(failure);
    now += 1;
    expect(memory.recall('a')).toBeUndefined();
  });

  it('forgets the oldest entry first beyond its bound', () => {
    const memory = createFailureMemory({ ttlSeconds: 60, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) memory.remember(key, new ApiError(404, key));
    expect(memory.recall('a')).toBeUndefined();
    expect(memory.recall('b')?.message).toBe('b');
    expect(memory.recall('c')?.message).toBe('c');
    // Remembering a key again makes it the newest.
    memory.remember('b', new ApiError(404, 'b2'));
    memory.remember('d', new ApiError(404, 'd'));
    expect(memory.recall('c')).toBeUndefined();
    expect(memory.recall('b')?.message).toBe('b2');
  });

  it('remembers nothing with a TTL of 0', () => {
    const memory = createFailureMemory({ ttlSeconds: 0, maxEntries: 10 });
    memory.remember('a', new ApiError(404, 'a'));
    expect(memory.recall('a')).toBeUndefined();
  });
});

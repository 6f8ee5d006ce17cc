import { describe, expect, it } from 'vitest';
import { withDeadline } from '../src/deadline.ts';
import { MediaError } from '../src/media-error.ts';

const after = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('withDeadline', () => {
  it('settles with work that finishes in time', async () => {
    await expect(withDeadline(after(5, 'done'), 1)).resolves.toBe('done');
    await expect(withDeadline(Promise.reject(new Error('broken')), 1)).rejects.toThrow('broken');
  });

  it('rejects with a timeout when the work is late, and cleans up once it ends', async () => {
    const cleaned: string[] = [];
    const late = after(80, 'late');
    const error: unknown = await withDeadline(late, 0.02, async () => {
      cleaned.push('cleaned');
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'timeout' });
    expect(cleaned).toEqual([]);
    await late;
    await after(0, undefined);
    expect(cleaned).toEqual(['cleaned']);
  });
});

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { byteWindow } from '../src/byte-window.ts';

const BYTES = Buffer.from('0123456789abcdefghij');

function chunks(size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < BYTES.length; i += size) parts.push(BYTES.subarray(i, i + size));
  return Readable.from(parts);
}

describe('byteWindow', () => {
  it.each([
    [0, 1, 1],
    [0, 20, 3],
    [5, 3, 3],
    [4, 10, 7],
    [19, 5, 4],
    [3, Number.POSITIVE_INFINITY, 6],
    [0, 0, 5],
  ])('skips %d and takes %d across chunks of %d', async (skip, length, chunkSize) => {
    const out = Buffer.concat(await byteWindow(chunks(chunkSize), skip, length).toArray());
    expect(out.toString()).toBe(BYTES.subarray(skip, skip + length).toString());
  });

  it('destroys the source once the window is full', async () => {
    const source = chunks(2);
    await byteWindow(source, 0, 3).toArray();
    expect(source.destroyed).toBe(true);
  });
});

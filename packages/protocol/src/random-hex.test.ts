import { describe, expect, it } from 'vitest';
import { randomHex, takeRandomBytes } from './random-hex.ts';

describe('randomHex', () => {
  it('answers twice as many hex digits as bytes asked, never the same twice', () => {
    const seen = new Set<string>();
    // More than one pool's worth, so the refill is crossed.
    for (let index = 0; index < 600; index += 1) {
      const id = randomHex(32);
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(600);
    expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
    expect(randomHex(5000)).toMatch(/^[0-9a-f]{10000}$/);
  });

  it('uses every digit value: the bytes are not mostly zero', () => {
    const digits = new Set(randomHex(4096).split(''));
    expect(digits.size).toBe(16);
  });

  it('refuses a size that is not a positive whole number', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => randomHex(bad)).toThrow(RangeError);
  });
});

describe('takeRandomBytes', () => {
  it('hands out each byte of the pool once: consecutive takes are adjacent, never overlapping', () => {
    // Until a take crosses the pool's end, consecutive takes are neighbours in the same pool.
    let previous = takeRandomBytes(7);
    let adjacent = 0;
    for (let index = 0; index < 1200; index += 1) {
      const next = takeRandomBytes(7);
      expect(next.length).toBe(7);
      if (next.buffer === previous.buffer) {
        expect(next.byteOffset).toBe(previous.byteOffset + 7);
        adjacent += 1;
      }
      previous = next;
    }
    // 1,200 takes of 7 bytes cross a 4,096-byte pool twice at least: the rest were adjacent.
    expect(adjacent).toBeGreaterThan(1190);
    expect(adjacent).toBeLessThan(1200);
  });

  it('fills the pool to its last byte before drawing a new one', () => {
    // A take of a whole pool leaves it spent: the next take starts a new pool at its first byte.
    takeRandomBytes(4096);
    const first = takeRandomBytes(8);
    expect(first.byteOffset).toBe(0);
    const rest = takeRandomBytes(4088);
    expect(rest.buffer).toBe(first.buffer);
    expect(rest.byteOffset).toBe(8);
    expect(takeRandomBytes(1).buffer).not.toBe(first.buffer);
  });

  it('names the size it refuses', () => {
    expect(() => takeRandomBytes(0)).toThrow('random bytes are taken a positive whole number at a time, not 0');
  });

  it('serves a take larger than the pool on its own', () => {
    expect(takeRandomBytes(5000).length).toBe(5000);
  });
});

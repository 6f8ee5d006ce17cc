import { describe, expect, it } from 'vitest';
import { randomHex } from './random-hex.ts';

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

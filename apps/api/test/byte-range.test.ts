import { describe, expect, it } from 'vitest';
import { parseRangeHeader, type RangeRequest } from '../src/byte-range.ts';

const none: RangeRequest = { kind: 'none' };
const unsatisfiable: RangeRequest = { kind: 'unsatisfiable' };
const range = (start: number, end: number): RangeRequest => ({ kind: 'range', start, end });

describe('parseRangeHeader', () => {
  it.each<[string | undefined, number, RangeRequest]>([
    // No header, or nothing we understand: the whole body (RFC 9110 lets a server ignore Range).
    [undefined, 100, none],
    ['', 100, none],
    ['bytes=', 100, none],
    ['bytes=-', 100, none],
    ['bytes=abc', 100, none],
    ['bytes=1-x', 100, none],
    ['items=0-9', 100, none],
    ['bytes 0-9', 100, none],
    ['bytes=0-1,5-6', 100, none],
    ['bytes=-1-2', 100, none],
    ['bytes=1.5-3', 100, none],
    // last < first makes the spec invalid, so the header is ignored, not refused.
    ['bytes=9-0', 100, none],
    // first-last, inclusive.
    ['bytes=0-9', 100, range(0, 9)],
    ['bytes=0-0', 100, range(0, 0)],
    ['bytes=99-99', 100, range(99, 99)],
    ['bytes=10-19', 100, range(10, 19)],
    ['  bytes=0-9  ', 100, range(0, 9)],
    ['bytes=007-010', 100, range(7, 10)],
    // An end past the size is clamped to the last byte.
    ['bytes=90-1000', 100, range(90, 99)],
    ['bytes=0-99999999999999999999', 100, range(0, 99)],
    // Open end.
    ['bytes=0-', 100, range(0, 99)],
    ['bytes=100-', 1000, range(100, 999)],
    ['bytes=99-', 100, range(99, 99)],
    // Suffix: the last N bytes, all of them when N exceeds the size.
    ['bytes=-5', 100, range(95, 99)],
    ['bytes=-1', 100, range(99, 99)],
    ['bytes=-100', 100, range(0, 99)],
    ['bytes=-500', 100, range(0, 99)],
    ['bytes=-99999999999999999999', 100, range(0, 99)],
    // Nothing of the body is in the range: 416.
    ['bytes=100-', 100, unsatisfiable],
    ['bytes=100-200', 100, unsatisfiable],
    ['bytes=99999999999999999999-', 100, unsatisfiable],
    ['bytes=-0', 100, unsatisfiable],
    ['bytes=0-', 0, unsatisfiable],
    ['bytes=0-0', 0, unsatisfiable],
    ['bytes=-5', 0, unsatisfiable],
  ])('%j of %i bytes', (header, size, expected) => {
    expect(parseRangeHeader(header, size)).toEqual(expected);
  });

  it('never returns a window outside the body', () => {
    const headers = ['bytes=0-', 'bytes=-1', 'bytes=-7', 'bytes=3-', 'bytes=3-4', 'bytes=2-1000'];
    for (const size of [1, 2, 5, 7, 64]) {
      for (const header of headers) {
        const result = parseRangeHeader(header, size);
        if (result.kind !== 'range') continue;
        expect(result.start, `${header} of ${size}`).toBeGreaterThanOrEqual(0);
        expect(result.end, `${header} of ${size}`).toBeLessThan(size);
        expect(result.start, `${header} of ${size}`).toBeLessThanOrEqual(result.end);
      }
    }
  });
});

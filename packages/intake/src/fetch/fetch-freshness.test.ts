import { describe, expect, it } from 'vitest';
import { freshnessLifetime } from './fetch-freshness.ts';

const BOUNDS = { minTtlSeconds: 60, maxTtlSeconds: 86_400 };
const NOW = new Date('2026-01-01T00:00:00Z');

describe('freshnessLifetime', () => {
  it.each([
    [{ 'cache-control': 'public, max-age=3600' }, 3_600],
    [{ 'cache-control': 'max-age="300"' }, 300],
    [{ 'cache-control': 'max-age=3600, s-maxage=120' }, 120],
    [{ 'cache-control': 'max-age=3600', age: '600' }, 3_000],
    [{ 'cache-control': 'max-age=10' }, 60],
    [{ 'cache-control': 'max-age=0, must-revalidate' }, 60],
    [{ 'cache-control': 'max-age=31536000, immutable' }, 86_400],
    [{ 'cache-control': 'no-store' }, 60],
    [{ 'cache-control': 'No-Cache' }, 60],
    [{ 'cache-control': 'private, max-age=3600' }, 60],
    [{ 'cache-control': 'max-age=abc' }, 86_400],
    [{}, 86_400],
    [{ expires: 'Thu, 01 Jan 2026 02:00:00 GMT', date: 'Thu, 01 Jan 2026 00:00:00 GMT' }, 7_200],
    [{ expires: 'Thu, 01 Jan 2026 00:30:00 GMT' }, 1_800],
    [{ expires: '0' }, 60],
    [{ expires: 'Thu, 01 Jan 2026 02:00:00 GMT', 'cache-control': 'max-age=600' }, 600],
  ])('%j → %d s', (headers, seconds) => {
    expect(freshnessLifetime(headers as Record<string, string>, BOUNDS, NOW)).toBe(seconds);
  });
});

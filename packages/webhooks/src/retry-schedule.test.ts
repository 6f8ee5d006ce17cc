import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE_MS, MAX_RETRY_AFTER_MS, nextDelayMs, parseSchedule } from './retry-schedule.ts';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const middle = (): number => 0.5;
const lowest = (): number => 0;
const highest = (): number => 1;

describe('DEFAULT_SCHEDULE_MS', () => {
  it('is the Standard Webhooks schedule: ten attempts, the first immediately', () => {
    expect(DEFAULT_SCHEDULE_MS).toEqual([0, 5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(Object.isFrozen(DEFAULT_SCHEDULE_MS)).toBe(true);
  });
});

describe('parseSchedule', () => {
  it.each([
    ['0,5s,5m,30m,2h,5h,10h,14h,20h,24h', [...DEFAULT_SCHEDULE_MS]],
    [' 0 , 250ms ,1.5s, 1d', [0, 250, 1_500, 24 * H]],
    ['10ms', [10]],
    ['1.25s', [1_250]],
  ])('%j → %j', (text, expected) => {
    expect(parseSchedule(text)).toEqual(expected);
  });

  it.each(['', '5', '5x', '-1s', '0,,1s', '1 s', 's', '1.s', 'Infinityh', ',5s', '5sx'])('refuses %j, naming the entry', (text) => {
    expect(() => parseSchedule(text)).toThrow(text === '' ? /at least one entry/ : /Invalid retry schedule entry/);
  });
});

describe('nextDelayMs', () => {
  const base = { schedule: DEFAULT_SCHEDULE_MS, scale: 1, jitter: middle };

  it.each([
    // attemptsMade, jitter, retryAfterMs, expected
    [0, highest, undefined, 0],
    [1, middle, undefined, 5 * S],
    [1, lowest, undefined, 4_500],
    [1, highest, undefined, 5_500],
    [2, middle, undefined, 5 * M],
    [9, middle, undefined, 24 * H],
    [9, highest, undefined, 95_040_000],
    [10, middle, undefined, 'exhausted'],
    [11, middle, 1_000, 'exhausted'],
    [1, middle, 7_000, 7_000],
    [1, middle, 1_000, 5 * S],
    [1, lowest, 4_800, 4_800],
    [1, middle, 48 * H, MAX_RETRY_AFTER_MS],
    [9, highest, 48 * H, 95_040_000],
    [1, middle, Number.NaN, 5 * S],
    [1, middle, -5, 5 * S],
    [1, middle, Number.POSITIVE_INFINITY, 5 * S],
  ] as const)('after %i attempts, jitter %o, Retry-After %o → %o', (attemptsMade, jitter, retryAfterMs, expected) => {
    expect(nextDelayMs({ ...base, attemptsMade, jitter, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })).toBe(expected);
  });

  it('scales every wait, Retry-After included', () => {
    expect(nextDelayMs({ ...base, scale: 0.001, attemptsMade: 2 })).toBe(300);
    expect(nextDelayMs({ ...base, scale: 0.001, attemptsMade: 1, retryAfterMs: 7_000 })).toBe(7);
    expect(nextDelayMs({ ...base, scale: 0, attemptsMade: 5 })).toBe(0);
  });

  it('does not jitter the first attempt even when the schedule delays it', () => {
    expect(nextDelayMs({ schedule: [1_000, 2_000], scale: 1, jitter: highest, attemptsMade: 0 })).toBe(1_000);
    expect(nextDelayMs({ schedule: [1_000, 2_000], scale: 0.5, jitter: highest, attemptsMade: 0 })).toBe(500);
  });

  it('follows a sequence of failures to exhaustion', () => {
    const schedule = parseSchedule('0,1s,2s');
    const delays = [0, 1, 2, 3].map((attemptsMade) => nextDelayMs({ schedule, scale: 1, jitter: middle, attemptsMade }));
    expect(delays).toEqual([0, 1_000, 2_000, 'exhausted']);
  });

  it.each([
    [{ attemptsMade: -1 }, /attemptsMade/],
    [{ attemptsMade: 1.5 }, /attemptsMade/],
    [{ attemptsMade: 1, scale: -1 }, /scale/],
    [{ attemptsMade: 1, scale: Number.POSITIVE_INFINITY }, /scale/],
  ])('refuses %o', (input, message) => {
    expect(() => nextDelayMs({ ...base, ...input })).toThrow(message);
  });
});

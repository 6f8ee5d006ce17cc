const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The Standard Webhooks schedule. Entry `i` is the wait before attempt `i + 1`: entry 0 before the
 * first attempt (0, immediately), entry `i` (i >= 1) after attempt `i` failed. Ten entries, ten
 * attempts, about 3.3 days from the first to the last.
 */
export const DEFAULT_SCHEDULE_MS: readonly number[] = Object.freeze([
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
]);

/** A receiver's Retry-After may lengthen a wait up to this, never further: it must not park a delivery. */
export const MAX_RETRY_AFTER_MS = 24 * HOUR;

/** Each delay after a failure varies by up to this fraction either way, so failed deliveries spread out. */
export const JITTER_FRACTION = 0.1;

const UNIT_MS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: 24 * HOUR };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a configured schedule such as `0,5s,5m,30m,2h,5h,10h,14h,20h,24h` into milliseconds. Every
 * entry but `0` needs a unit (ms, s, m, h, d) so `5` cannot silently mean 5 ms. Throws, naming the
 * entry, on anything else, so a bad value fails at boot.
 */
export function parseSchedule(text: string): number[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') throw new Error('A retry schedule needs at least one entry');
  return entries.map((entry) => {
    if (entry === '0') return 0;
    const match = DURATION.exec(entry);
    if (match === null) {
      throw new Error(`Invalid retry schedule entry "${entry}": expected 0 or a number with ms, s, m, h or d`);
    }
    return Math.round(Number(match[1]) * (UNIT_MS[match[2] as string] as number));
  });
}

export interface NextDelayInput {
  /** Attempts already made (and failed): 0 asks for the wait before the first one. */
  attemptsMade: number;
  schedule: readonly number[];
  /** Multiplies every wait, Retry-After included, so tests can run the real sequence compressed. */
  scale: number;
  /** A uniform value in [0, 1), like Math.random; injected so tests are exact. */
  jitter: () => number;
  /** What the receiver asked for with Retry-After, in (unscaled) milliseconds. */
  retryAfterMs?: number;
}

/**
 * Milliseconds to wait before the next attempt, or `'exhausted'` when the schedule has no entry left.
 * After a failure the scheduled wait is jittered by ±JITTER_FRACTION; the first attempt is not, so
 * "immediately" stays immediate. A Retry-After longer than the jittered wait replaces it, capped at
 * MAX_RETRY_AFTER_MS; a shorter one is ignored. Retry-After never adds attempts.
 */
export function nextDelayMs(input: NextDelayInput): number | 'exhausted' {
  const { attemptsMade, schedule, scale } = input;
  if (!Number.isSafeInteger(attemptsMade) || attemptsMade < 0) {
    throw new Error(`attemptsMade must be a whole number >= 0, got ${attemptsMade}`);
  }
  if (!(scale >= 0) || !Number.isFinite(scale)) throw new Error(`scale must be a finite number >= 0, got ${scale}`);
  const scheduled = schedule[attemptsMade];
  if (scheduled === undefined) return 'exhausted';
  if (attemptsMade === 0) return Math.round(scheduled * scale);
  const factor = 1 + (2 * input.jitter() - 1) * JITTER_FRACTION;
  const asked = input.retryAfterMs ?? 0;
  const retryAfter = Number.isFinite(asked) && asked > 0 ? Math.min(asked, MAX_RETRY_AFTER_MS) : 0;
  return Math.round(Math.max(scheduled * factor, retryAfter) * scale);
}

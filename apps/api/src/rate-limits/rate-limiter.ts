import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '@rendition/logging';
import { createConcurrencySlots, type Slot } from './concurrency-slots.ts';
import type { CloudSettingsCache } from './rate-limit-settings.ts';
import type { RedisClient } from './redis-client.ts';
import { clockWindow, HOUR_MS, MINUTE_MS } from './windows.ts';

/** One counter's state after this request was counted in its window. */
export interface WindowCount {
  limit: number;
  remaining: number;
  /** When the window ends (ms since the epoch). */
  resetAt: number;
  exceeded: boolean;
}

export type UploadWindow = WindowCount & { per: 'minute' | 'hour' };

/** What the upload limits decided; the caller holds `slot` until the request is over. */
export interface UploadDecision {
  slot?: Slot;
  concurrency?: { limit: number; remaining: number };
  /** The window with the fewest uploads left (absent for a later chunk of a chunked upload: it is not counted). */
  window?: UploadWindow;
  refused?: 'concurrency' | 'minute' | 'hour';
}

export interface RateLimiter {
  /**
   * Counts one Admin API call of `apiKey` in the current clock hour. Undefined: the cloud has no Admin
   * limit, or Redis did not answer in time (the call goes through unlimited).
   */
  chargeAdmin(cloud: string, apiKey: string): Promise<WindowCount | undefined>;
  /**
   * Takes an upload slot of `subject` (an API key, or an unsigned upload's cloud) and, when the request
   * starts an upload, counts it in the current minute and hour. Undefined: no limit applies, or Redis
   * did not answer in time.
   */
  admitUpload(cloud: string, subject: string, options: { startsUpload: boolean }): Promise<UploadDecision | undefined>;
  close(): void;
}

export interface RateLimiterOptions {
  redis: RedisClient;
  /** Prefix of the counters' Redis keys (QUEUE_PREFIX, so that several deployments can share one Redis). */
  keyPrefix: string;
  settings: CloudSettingsCache;
  /** The most one request waits for Redis before it goes through unlimited (RATE_LIMIT_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  /** The clock the windows are cut from (tests fix it). */
  now?: () => number;
}

/** After Redis failed or was too slow, how long requests go through without asking it. */
const BACKOFF_MS = 1_000;
/** At most one warning per this long while Redis keeps failing. */
const WARNING_INTERVAL_MS = 60_000;
const TIMED_OUT = Symbol('timed out');

type CounterKind = 'admin' | 'uploads-minute' | 'uploads-hour';

/**
 * The rate limits' counting, in Redis so that every API replica shares it. Window counters are
 * rate-limiter-flexible's RateLimiterRedis (one atomic script per count); the window is part of the
 * key (windows.ts). Whatever goes wrong with Redis lets the request through: a rate limit is not worth
 * an outage of the API (docs/operations.md "Rate limits").
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const { redis, logger } = options;
  const slots = createConcurrencySlots(redis, {
    onError: (error) => logger.debug({ err: error }, 'rate limits: an upload slot could not be renewed or given back'),
  });
  const counters = new Map<string, RateLimiterRedis>();
  let skipUntil = 0;
  let failing = false;
  let lastWarning = Number.NEGATIVE_INFINITY;

  const counter = (kind: CounterKind, points: number, windowMs: number): RateLimiterRedis => {
    const id = `${kind}:${points}`;
    let limiter = counters.get(id);
    if (!limiter) {
      // The key names its window; it lives one window at most (a little longer than needed from its first count).
      limiter = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${options.keyPrefix}:ratelimit:${kind}`,
        points,
        duration: windowMs / 1_000,
        rejectIfRedisNotReady: true,
      });
      counters.set(id, limiter);
    }
    return limiter;
  };

  const count = async (kind: CounterKind, points: number, windowMs: number, subject: string): Promise<WindowCount> => {
    const window = clockWindow(now(), windowMs);
    try {
      const result = await counter(kind, points, windowMs).consume(`${subject}:${window.index}`);
      return { limit: points, remaining: result.remainingPoints, resetAt: window.resetAt, exceeded: false };
    } catch (error) {
      if (error instanceof RateLimiterRes) return { limit: points, remaining: 0, resetAt: window.resetAt, exceeded: true };
      throw error;
    }
  };

  const uncount = (kind: CounterKind, points: number, windowMs: number, subject: string): void => {
    const window = clockWindow(now(), windowMs);
    counter(kind, points, windowMs)
      .reward(`${subject}:${window.index}`)
      .catch(() => undefined);
  };

  const failed = (error: unknown): void => {
    skipUntil = performance.now() + BACKOFF_MS;
    failing = true;
    if (performance.now() - lastWarning < WARNING_INTERVAL_MS) return;
    lastWarning = performance.now();
    logger.warn({ err: error }, 'rate limits: Redis did not answer; requests go through without rate limits until it does');
  };

  /** Runs `work` within the time limit; undefined (the request goes through) when Redis fails or is late. */
  const guarded = async <T>(work: (state: { abandoned: boolean }) => Promise<T>): Promise<T | undefined> => {
    if (performance.now() < skipUntil) return undefined;
    const state = { abandoned: false };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), options.timeoutMs);
    });
    try {
      const outcome = await Promise.race([work(state), deadline]);
      if (outcome === TIMED_OUT) {
        state.abandoned = true;
        failed(new Error(`no answer within RATE_LIMIT_TIMEOUT_MS (${options.timeoutMs} ms)`));
        return undefined;
      }
      if (failing) {
        failing = false;
        logger.info('rate limits: Redis answers again; rate limits apply');
      }
      return outcome;
    } catch (error) {
      failed(error);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async chargeAdmin(cloud, apiKey) {
      const { adminPerHour } = await options.settings.settingsOf(cloud);
      if (adminPerHour <= 0) return undefined;
      return guarded(() => count('admin', adminPerHour, HOUR_MS, apiKey));
    },

    async admitUpload(cloud, subject, { startsUpload }) {
      const limits = await options.settings.settingsOf(cloud);
      const perMinute = startsUpload ? limits.uploadsPerMinute : 0;
      const perHour = startsUpload ? limits.uploadsPerHour : 0;
      if (limits.uploadConcurrency <= 0 && perMinute <= 0 && perHour <= 0) return undefined;
      return guarded(async (state) => {
        const decision: UploadDecision = {};
        try {
          if (limits.uploadConcurrency > 0) {
            const outcome = await slots.acquire(`${options.keyPrefix}:ratelimit:upload-slots:${subject}`, limits.uploadConcurrency);
            decision.concurrency = { limit: limits.uploadConcurrency, remaining: Math.max(0, limits.uploadConcurrency - outcome.held) };
            if (!outcome.granted) return { ...decision, refused: 'concurrency' };
            decision.slot = outcome.slot;
            if (state.abandoned) throw new Error('abandoned');
          }
          const windows: UploadWindow[] = [];
          if (perMinute > 0) {
            const minute = { ...(await count('uploads-minute', perMinute, MINUTE_MS, subject)), per: 'minute' as const };
            if (minute.exceeded) return refuse(decision, minute);
            windows.push(minute);
          }
          if (perHour > 0) {
            const hour = { ...(await count('uploads-hour', perHour, HOUR_MS, subject)), per: 'hour' as const };
            if (hour.exceeded) {
              // Refused: this upload does not use up one of the minute's either.
              if (perMinute > 0) uncount('uploads-minute', perMinute, MINUTE_MS, subject);
              return refuse(decision, hour);
            }
            windows.push(hour);
          }
          const tightest = windows.sort((a, b) => a.remaining - b.remaining || a.resetAt - b.resetAt)[0];
          if (state.abandoned) throw new Error('abandoned');
          return tightest ? { ...decision, window: tightest } : decision;
        } catch (error) {
          // Redis failed midway, or answered after the request went on without it: no slot stays taken.
          await decision.slot?.release();
          throw error;
        }
      });
    },

    close() {
      slots.close();
    },
  };
}

/** A refusal by a window: the slot taken for the request is given back at once. */
async function refuse(decision: UploadDecision, window: UploadWindow): Promise<UploadDecision> {
  const { slot, concurrency, ...rest } = decision;
  await slot?.release();
  return {
    ...rest,
    ...(concurrency
      ? { concurrency: { limit: concurrency.limit, remaining: Math.min(concurrency.limit, concurrency.remaining + (slot ? 1 : 0)) } }
      : {}),
    window,
    refused: window.per,
  };
}

import { setTimeout as sleep } from 'node:timers/promises';
import { countRemoteFetchFailure } from '@rendition/metrics';
import type { GuardedFetcher, GuardedResponse } from './guarded-fetch.ts';
import { displayUrl, RemoteFetchError } from './remote-fetch-error.ts';

export interface RetryPolicy {
  /** One time limit for everything: every attempt, every wait between them and the body read by `consume`. */
  budgetMs: number;
  /** Attempts after the first, made only after a transient failure and only while the budget allows. */
  retries: number;
  /** Wait before another attempt when the server did not name one (Retry-After). */
  retryDelayMs: number;
}

/** Statuses that say "not now" rather than "no": worth another attempt when the wait fits the budget. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** Another attempt needs at least this much of the budget left after its wait, or it could only time out. */
const MIN_ATTEMPT_MS = 250;

/**
 * Fetches `url` and hands a 2xx response to `consume` (which reads the body; it may run more than once,
 * so it must start over each time). A failure that another attempt may not meet (a connection reset, a
 * temporary DNS failure, a truncated body, HTTP 429/502/503/504) is tried again after Retry-After or
 * `retryDelayMs`, while attempts are left and the wait leaves time for the attempt within the budget.
 * Everything else fails at once: a refused connection, an unknown host, a TLS failure, a timeout, any
 * other status. Fails with RemoteFetchError (`http_status` for a non-2xx answer), whose `reason` is
 * what an upload's `Error in loading <url> - <reason>` shows.
 */
export async function fetchWithRetries<T>(
  fetcher: Pick<GuardedFetcher, 'fetch'>,
  url: string,
  policy: RetryPolicy,
  consume: (response: GuardedResponse) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  const remaining = () => policy.budgetMs - (Date.now() - started);
  for (let attempt = 0; ; attempt++) {
    let failure: RemoteFetchError;
    let retryable: boolean;
    let waitMs = policy.retryDelayMs;
    try {
      const response = await fetcher.fetch(url, { timeoutMs: Math.max(1, remaining()) });
      if (response.status >= 200 && response.status < 300) return await consume(response);
      response.body.destroy();
      failure = statusFailure(response);
      retryable = RETRYABLE_STATUSES.has(response.status);
      waitMs = retryAfterMs(response.headers['retry-after']) ?? policy.retryDelayMs;
    } catch (error) {
      if (!(error instanceof RemoteFetchError)) throw error;
      // Whichever attempt ran out of time, the caller's limit is what was exceeded.
      if (error.code === 'timeout') throw counted(timedOut(url, policy.budgetMs, error));
      failure = error;
      retryable = error.transient;
    }
    if (!retryable || attempt >= policy.retries || waitMs + MIN_ATTEMPT_MS > remaining()) throw counted(failure);
    await sleep(waitMs);
  }
}

/** rendition_remote_fetch_failures_total: one per source that could not be loaded, after its retries. */
function counted(failure: RemoteFetchError): RemoteFetchError {
  countRemoteFetchFailure(failure.code);
  return failure;
}

function statusFailure(response: GuardedResponse): RemoteFetchError {
  return new RemoteFetchError('http_status', `Could not fetch ${displayUrl(response.finalUrl)}: the server answered HTTP ${response.status}`, {
    status: response.status,
    reason: String(response.status),
  });
}

function timedOut(url: string, budgetMs: number, cause: RemoteFetchError): RemoteFetchError {
  return new RemoteFetchError('timeout', `Timed out fetching ${displayUrl(url)} after ${budgetMs} ms`, {
    reason: `timed out after ${budgetMs} ms`,
    cause,
  });
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

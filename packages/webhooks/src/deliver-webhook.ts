import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { countWebhookAttempt } from '@rendition/metrics';
import { type GuardedFetcher, type GuardedFetcherOptions, type GuardedResponse, RemoteFetchError } from '@rendition/net';
import { type AttemptOutcome, classifyResponse } from './attempt-outcome.ts';

export const WEBHOOK_USER_AGENT = 'Rendition-Webhooks/1';
/** Standard Webhooks' 15 s: a consumer slower than that is treated as down and gets a retry. */
export const WEBHOOK_TIMEOUT_MS = 15_000;
// A receiver's reply is never used; reading a small one lets the connection return to the pool, and a
// larger one is cut off instead of being downloaded.
const MAX_RESPONSE_BYTES_READ = 64 * 1024;

export interface WebhookRequest {
  url: string;
  /** The serialized notification, exactly as signed. */
  body: string;
  /** The signature headers of this attempt (see signing.ts). */
  headers: Record<string, string>;
}

export interface AttemptResult {
  startedAt: Date;
  /** Until the response status arrived, or until the attempt failed without one. */
  latencyMs: number;
  status: number | null;
  /** Why no status arrived, in words safe to show to the API client; null when one did. */
  error: string | null;
  outcome: AttemptOutcome;
}

/**
 * Options for the guarded fetcher that delivers webhooks: `allow` is the operator's allow-list, the same
 * one remote sources use. No redirects and no body limit: a 3xx is returned as a failed attempt, and a
 * receiver announcing a large body must not turn a 2xx into a failure, since the body is never read far.
 */
export function webhookFetcherOptions(allow: string[]): GuardedFetcherOptions {
  return {
    allow,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
    maxBytes: Number.MAX_SAFE_INTEGER,
    maxRedirects: 0,
    userAgent: WEBHOOK_USER_AGENT,
  };
}

/**
 * POSTs one attempt and reports what happened. Remote failures (refusal, timeout, reset, any status)
 * become the result and never throw; an abort of the caller's own `signal` (shutdown, job cancelled)
 * rejects with its reason, because that attempt says nothing about the receiver.
 */
export async function deliverOnce(
  fetcher: GuardedFetcher,
  request: WebhookRequest,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<AttemptResult> {
  const result = await attemptOnce(fetcher, request, options);
  // rendition_webhook_attempts_total; an attempt the caller aborted (attemptOnce rejects) is not one.
  countWebhookAttempt(result.outcome.kind === 'stop' ? result.outcome.reason : result.outcome.kind, result.status);
  return result;
}

async function attemptOnce(
  fetcher: GuardedFetcher,
  request: WebhookRequest,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<AttemptResult> {
  const startedAt = new Date();
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  const signal = options.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, options.signal]);
  const headers = {
    ...lowerCaseKeys(request.headers),
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
  };

  try {
    let response: GuardedResponse;
    try {
      response = await fetcher.fetch(request.url, {
        method: 'POST',
        headers,
        body: request.body,
        followRedirects: false,
        signal,
      });
    } catch (error) {
      if (options.signal?.aborted === true) throw options.signal.reason;
      const latencyMs = elapsed();
      if (deadline.signal.aborted) {
        return failure(startedAt, latencyMs, `Timed out delivering to the notification URL after ${options.timeoutMs} ms`, {
          kind: 'retry',
        });
      }
      if (!(error instanceof RemoteFetchError)) throw error;
      return failure(startedAt, latencyMs, error.message, outcomeOfFetchError(error));
    }
    const latencyMs = elapsed();
    // A status that arrived stands even if shutdown interrupts the drain: a 2xx reported as an abort
    // would be delivered a second time.
    await discard(response.body);
    return {
      startedAt,
      latencyMs,
      status: response.status,
      error: null,
      outcome: classifyResponse(response.status, response.headers),
    };
  } finally {
    clearTimeout(timer);
  }
}

function outcomeOfFetchError(error: RemoteFetchError): AttemptOutcome {
  // The guard's verdict on a URL or address does not change between attempts; everything else might.
  if (error.code === 'refused_address' || error.code === 'bad_url') return { kind: 'stop', reason: 'refused' };
  return { kind: 'retry' };
}

function failure(startedAt: Date, latencyMs: number, error: string, outcome: AttemptOutcome): AttemptResult {
  return { startedAt, latencyMs, status: null, error, outcome };
}

/** The status has decided the outcome; what follows in the body, or fails in it, changes nothing. */
async function discard(body: Readable): Promise<void> {
  let read = 0;
  try {
    for await (const chunk of body) {
      read += (chunk as Buffer).length;
      if (read >= MAX_RESPONSE_BYTES_READ) break;
    }
  } catch {
    // A reset or timeout while the receiver sends its reply: the delivery already has its status.
  } finally {
    body.destroy();
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** What one answered request means for its delivery. */
export type ResponseOutcome = { kind: 'delivered' } | { kind: 'retry'; retryAfterMs?: number } | { kind: 'stop'; reason: 'gone' };

/**
 * What one attempt means, answered or not: a request that never got a status is retried, except when
 * the address guard refused it, which no retry can change.
 */
export type AttemptOutcome = ResponseOutcome | { kind: 'stop'; reason: 'refused' };

// RFC 9110 defines Retry-After for these two as "come back later"; elsewhere it is not a promise.
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * Standard Webhooks semantics: any 2xx delivers; 410 Gone means the endpoint is retired, so stop;
 * everything else, 3xx included (redirects are never followed, a moved endpoint must be reconfigured),
 * is a failed attempt to retry on schedule.
 */
export function classifyResponse(status: number, headers: Readonly<Record<string, string | undefined>>, now: Date = new Date()): ResponseOutcome {
  if (status >= 200 && status <= 299) return { kind: 'delivered' };
  if (status === 410) return { kind: 'stop', reason: 'gone' };
  if (RETRY_AFTER_STATUSES.has(status)) {
    const value = headerValue(headers, 'retry-after');
    const retryAfterMs = value === undefined ? undefined : parseRetryAfter(value, now);
    if (retryAfterMs !== undefined) return { kind: 'retry', retryAfterMs };
  }
  return { kind: 'retry' };
}

const DELAY_SECONDS = /^\d+$/;
// asctime (`Sun Nov  6 08:49:37 1994`) carries no zone; RFC 9110 means GMT, Date.parse would assume local time.
const ASCTIME = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;
// IMF-fixdate and both obsolete forms RFC 9110 still accepts start with a day name. Requiring it keeps
// Date.parse, which reads almost anything ("7", "2024"), from inventing a date.
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s/;

/**
 * Milliseconds from `now` that a Retry-After value asks for: delay-seconds or an HTTP date (a past date
 * is 0). `undefined` when the value is neither, so a garbled header falls back to the schedule.
 */
export function parseRetryAfter(value: string, now: Date): number | undefined {
  const text = value.trim();
  if (DELAY_SECONDS.test(text)) return Number(text) * 1_000;
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(ASCTIME.test(text) ? `${text} GMT` : text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

function headerValue(headers: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const exact = headers[name];
  if (exact !== undefined) return exact;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

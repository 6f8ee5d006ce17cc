import { Counter, Histogram } from 'prom-client';
import { registry } from './registry.ts';

// Every label below takes values from a closed set (the HTTP route's pattern, a queue, a job kind, an
// outcome): never a URL, a public id, a cloud name or anything else a client chooses, which would make a
// new time series per request.

/** Seconds; from a health probe (milliseconds) to a large upload or a synchronous derivation (a minute). */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
/** Seconds; from a notification (milliseconds) to a long transcode (VIDEO_TIMEOUT_MS, 10 minutes) and beyond. */
export const JOB_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] as const;

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
/** The `route` of a request no route matched (a 404 of the router, or a framing error answered before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

export const httpRequestDuration = new Histogram({
  name: 'rendition_http_request_duration_seconds',
  help: 'Time from the request arriving to the response being sent, by method, route pattern and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [...HTTP_DURATION_BUCKETS],
  registers: [registry],
});

/**
 * One answered request. `route` is the router's pattern (`/v1_1/:cloud/:resourceType/upload`),
 * never the URL; undefined when no route matched.
 */
export function observeHttpRequest(request: { method: string; route: string | undefined; statusCode: number; seconds: number }): void {
  const method = HTTP_METHODS.has(request.method) ? request.method : 'other';
  const status = Number.isInteger(request.statusCode) && request.statusCode >= 100 && request.statusCode <= 599 ? String(request.statusCode) : 'other';
  httpRequestDuration.observe({ method, route: request.route ?? UNMATCHED_ROUTE, status_code: status }, Math.max(0, request.seconds));
}

/** Statements per unit of work: the budgets of docs/performance.md are single digits; a listing may send dozens. */
export const DB_STATEMENT_BUCKETS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 24, 32, 64, 128] as const;

export const dbStatements = new Histogram({
  name: 'rendition_db_statements',
  help: 'PostgreSQL statements (BEGIN and COMMIT included) one answered request or one job run sent, by request route or job kind.',
  labelNames: ['unit', 'name'] as const,
  buckets: [...DB_STATEMENT_BUCKETS],
  registers: [registry],
});

/**
 * The statements of one request (`name`: the route pattern, UNMATCHED_ROUTE when none) or one job run
 * (`name`: the job kind), counted by the catalog's statement tally.
 */
export function observeStatements(unit: { kind: 'request' | 'job'; name: string | undefined; statements: number }): void {
  dbStatements.observe({ unit: unit.kind, name: unit.name ?? UNMATCHED_ROUTE }, Math.max(0, unit.statements));
}

/**
 * How a job run ended, as the worker pool saw it:
 * - `completed`: the handler returned;
 * - `failed`: the job will not run again (bad input, no attempts left);
 * - `retried`: it failed and BullMQ runs it again after its backoff;
 * - `rescheduled`: the handler asked to run later (RunLaterError), e.g. until what it needs is stored;
 * - `abandoned`: the shutdown deadline handed it back to the queue, for another worker.
 */
export const JOB_OUTCOMES = ['completed', 'failed', 'retried', 'rescheduled', 'abandoned'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

export const jobDuration = new Histogram({
  name: 'rendition_job_duration_seconds',
  help: 'Time one run of a job took in its handler, by queue, job kind and outcome.',
  labelNames: ['queue', 'kind', 'outcome'] as const,
  buckets: [...JOB_DURATION_BUCKETS],
  registers: [registry],
});

export const jobsTotal = new Counter({
  name: 'rendition_jobs_total',
  help: 'Job runs finished by this worker, by queue, job kind and outcome.',
  labelNames: ['queue', 'kind', 'outcome'] as const,
  registers: [registry],
});

/** One run of a job, counted and timed. */
export function observeJob(job: { queue: string; kind: string; outcome: JobOutcome; seconds: number }): void {
  const labels = { queue: job.queue, kind: job.kind, outcome: job.outcome };
  jobsTotal.inc(labels);
  jobDuration.observe(labels, Math.max(0, job.seconds));
}

/**
 * Makes the counters of a worker's queues and kinds exist at 0 (completed and failed) from the start, so
 * that rate() and increase() see the first job of each rather than a series appearing mid-window.
 */
export function initJobMetrics(queue: string, kinds: readonly string[]): void {
  for (const kind of kinds) {
    for (const outcome of ['completed', 'failed'] as const) jobsTotal.labels({ queue, kind, outcome }).inc(0);
  }
}

/**
 * What one webhook attempt meant (packages/webhooks attempt-outcome.ts): `delivered` (2xx), `retry` (any
 * other status, a timeout or a network failure: tried again on schedule), `gone` (410: never again),
 * `refused` (the SSRF guard refused the URL or its address).
 */
export const WEBHOOK_OUTCOMES = ['delivered', 'retry', 'gone', 'refused'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];
/** The answer's status class; `network` when none arrived (refused, reset, timed out). */
export const WEBHOOK_STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'network'] as const;
export type WebhookStatusClass = (typeof WEBHOOK_STATUS_CLASSES)[number];

export const webhookAttempts = new Counter({
  name: 'rendition_webhook_attempts_total',
  help: 'Webhook (notification) delivery attempts, by outcome and the status class of the answer (network when none arrived).',
  labelNames: ['outcome', 'status_class'] as const,
  registers: [registry],
});
for (const [outcome, statusClass] of [
  ['delivered', '2xx'],
  ['retry', '3xx'],
  ['retry', '4xx'],
  ['retry', '5xx'],
  ['retry', 'network'],
  ['gone', '4xx'],
  ['refused', 'network'],
] as const) {
  webhookAttempts.labels({ outcome, status_class: statusClass }).inc(0);
}

export function webhookStatusClass(status: number | null): WebhookStatusClass {
  if (status === null) return 'network';
  if (status >= 200 && status <= 299) return '2xx';
  if (status >= 300 && status <= 399) return '3xx';
  if (status >= 400 && status <= 499) return '4xx';
  // 5xx, and whatever else a receiver could answer that is no success (1xx never ends an exchange).
  return '5xx';
}

/** One attempt; `status` is the answer's, null when none arrived. */
export function countWebhookAttempt(outcome: WebhookOutcome, status: number | null): void {
  webhookAttempts.inc({ outcome, status_class: webhookStatusClass(status) });
}

export const DERIVATIVE_CACHE_RESULTS = ['hit', 'miss'] as const;
export type DerivativeCacheResult = (typeof DERIVATIVE_CACHE_RESULTS)[number];

export const derivativeCache = new Counter({
  name: 'rendition_derivative_cache_total',
  help: 'Derivatives asked for on request (delivery URLs, generate_archive): hit when stored already, miss when a derive job had to make it.',
  labelNames: ['result'] as const,
  registers: [registry],
});
for (const result of DERIVATIVE_CACHE_RESULTS) derivativeCache.labels({ result }).inc(0);

export function countDerivativeCache(result: DerivativeCacheResult): void {
  derivativeCache.inc({ result });
}

/** packages/net's RemoteFetchErrorCode, every one (net passes its code: it type-checks only while this list has them all). */
export const REMOTE_FETCH_FAILURE_REASONS = [
  'bad_url',
  'refused_address',
  'too_many_redirects',
  'timeout',
  'too_large',
  'http_status',
  'network',
] as const;
export type RemoteFetchFailureReason = (typeof REMOTE_FETCH_FAILURE_REASONS)[number];

export const remoteFetchFailures = new Counter({
  name: 'rendition_remote_fetch_failures_total',
  help: 'Remote sources (file=https://..., fetch layers) that could not be loaded, retries included, by reason.',
  labelNames: ['reason'] as const,
  registers: [registry],
});
for (const reason of REMOTE_FETCH_FAILURE_REASONS) remoteFetchFailures.labels({ reason }).inc(0);

export function countRemoteFetchFailure(reason: RemoteFetchFailureReason): void {
  remoteFetchFailures.inc({ reason });
}

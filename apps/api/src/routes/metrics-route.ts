import type { FastifyInstance } from 'fastify';
import { QUEUE_NAMES, type JobQueues } from '@rendition/jobs';
import { runWithStatementTally, type StatementTally } from '@rendition/catalog';
import {
  addQueueDepthSource,
  authorizedScrape,
  METRICS_CONTENT_TYPE,
  metricsText,
  observeHttpRequest,
  observeStatements,
  type QueueDepths,
} from '@rendition/metrics';

export interface ApiMetricsOptions {
  /** Whether GET /metrics is served on the API's own port: only when METRICS_PORT is unset (0). */
  route: boolean;
  /** METRICS_TOKEN: the bearer token a scrape must send. */
  token?: string | undefined;
}

/** The queue states rendition_queue_jobs reports (completed jobs are trimmed in Redis: their count means little). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
/** A scrape never waits longer for Redis (Prometheus' default scrape timeout is 10 s). */
const QUEUE_DEPTH_TIMEOUT_MS = 3_000;

/**
 * The API's part of /metrics (docs/operations.md, "Metrics"):
 * - rendition_http_request_duration_seconds for every answered request, by the route's pattern
 *   (never the URL: one series per route, whatever the public ids);
 * - rendition_queue_jobs: the depth of every queue, read from Redis when scraped (the API has a
 *   producer for each queue; workers do not report it, so it is not counted once per pod);
 * - GET /metrics on this port unless METRICS_PORT gives the process a listener of its own
 *   (startMetricsServer), behind METRICS_TOKEN when set.
 */
export function registerMetrics(app: FastifyInstance, deps: { queues: JobQueues; metrics?: ApiMetricsOptions }): void {
  app.addHook('onResponse', async (request, reply) => {
    observeHttpRequest({
      method: request.method,
      route: request.routeOptions.url,
      statusCode: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
    });
  });

  const removeSource = addQueueDepthSource({ read: () => queueDepths(deps.queues), timeoutMs: QUEUE_DEPTH_TIMEOUT_MS });
  app.addHook('onClose', async () => removeSource());

  if (deps.metrics?.route === false) return;
  const token = deps.metrics?.token;
  app.get('/metrics', async (request, reply) => {
    if (!authorizedScrape(request.headers.authorization, token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8').send('unauthorized\n');
    }
    const text = await metricsText();
    return reply.header('cache-control', 'no-store').type(METRICS_CONTENT_TYPE).send(text);
  });
}

/**
 * rendition_db_statements: the PostgreSQL statements each request sent, by route. Installed before any
 * other hook, so what the body guard and authentication send counts too.
 */
export function installStatementTally(app: FastifyInstance): void {
  const tallies = new WeakMap<object, StatementTally>();
  // A callback hook, so the rest of the request (later hooks, the handler) runs inside the tally's context.
  app.addHook('onRequest', (request, _reply, done) => {
    const tally: StatementTally = { statements: 0 };
    tallies.set(request, tally);
    runWithStatementTally(tally, done);
  });
  app.addHook('onResponse', async (request) => {
    const tally = tallies.get(request);
    if (tally) observeStatements({ kind: 'request', name: request.routeOptions.url, statements: tally.statements });
  });
}

/** Every queue's jobs by state; rejects when Redis is not connected (the gauge then has no samples). */
async function queueDepths(queues: JobQueues): Promise<QueueDepths> {
  const all = queues.allQueues?.() ?? [];
  const known = new Set<string>(QUEUE_NAMES);
  return Promise.all(
    all.filter((queue) => known.has(queue.name)).map(async (queue) => ({ queue: queue.name, counts: await queue.getJobCounts(...QUEUE_STATES) })),
  );
}

// Prometheus metrics (prom-client): one registry per process, the rendition_* instruments, and the
// small HTTP listener workers expose on METRICS_PORT. Every name and label is listed in
// docs/operations.md, "Metrics".
export { enableProcessMetrics, metricsText, METRIC_PREFIX, METRICS_CONTENT_TYPE, registry } from './registry.ts';
export {
  countDerivativeCache,
  countRemoteFetchFailure,
  countWebhookAttempt,
  DB_STATEMENT_BUCKETS,
  DERIVATIVE_CACHE_RESULTS,
  HTTP_DURATION_BUCKETS,
  initJobMetrics,
  JOB_DURATION_BUCKETS,
  JOB_OUTCOMES,
  observeHttpRequest,
  observeJob,
  observeStatements,
  REMOTE_FETCH_FAILURE_REASONS,
  UNMATCHED_ROUTE,
  WEBHOOK_OUTCOMES,
  WEBHOOK_STATUS_CLASSES,
  webhookStatusClass,
} from './instruments.ts';
export type { DerivativeCacheResult, JobOutcome, RemoteFetchFailureReason, WebhookOutcome, WebhookStatusClass } from './instruments.ts';
export { addQueueDepthSource } from './queue-depth.ts';
export type { QueueDepths, QueueDepthSource } from './queue-depth.ts';
export { authorizedScrape, startMetricsServer } from './metrics-server.ts';
export type { MetricsServer, MetricsServerOptions } from './metrics-server.ts';

import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one registry: every rendition_* instrument is registered here, and /metrics (the API's
 * route and the METRICS_PORT listener alike) serves it. prom-client's global registry is not used, so a
 * library that registers its own metrics there does not appear in ours by accident.
 */
export const registry = new Registry();

/** The Content-Type of the text /metrics answers: Prometheus text exposition format 0.0.4. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** Every name this package registers starts with it (Prometheus: one prefix per application). */
export const METRIC_PREFIX = 'rendition_';

let processMetrics = false;

/**
 * prom-client's default process and Node.js metrics (CPU, resident memory, open file descriptors, event
 * loop lag, heap, GC), prefixed `rendition_`: rendition_process_cpu_seconds_total,
 * rendition_nodejs_eventloop_lag_seconds, ... Called once per process by the composition root; later calls
 * do nothing (the collectors would be registered twice).
 */
export function enableProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
}

/** The registry in Prometheus text format, with every collector (queue depth included) run first. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}

import { describe, expect, it } from 'vitest';
import {
  countDerivativeCache,
  countRemoteFetchFailure,
  countWebhookAttempt,
  enableProcessMetrics,
  initJobMetrics,
  metricsText,
  observeHttpRequest,
  observeJob,
  observeStatements,
  registry,
  REMOTE_FETCH_FAILURE_REASONS,
  addQueueDepthSource,
  webhookStatusClass,
} from '@rendition/metrics';
import { isValidLabelName, isValidMetricName, parsePrometheusText, sampleValue } from './prometheus-text.ts';

const scrape = async () => parsePrometheusText(await metricsText());

describe('the rendition_* instruments', () => {
  it('follow the Prometheus naming rules: prefix, base units, _total on counters, valid label names, help', async () => {
    enableProcessMetrics();
    enableProcessMetrics(); // a second call registers nothing twice
    const metrics = await registry.getMetricsAsJSON();
    expect(metrics.length).toBeGreaterThan(10);
    for (const metric of metrics) {
      expect(isValidMetricName(metric.name), metric.name).toBe(true);
      expect(metric.name, metric.name).toMatch(/^rendition_[a-z0-9_]+$/);
      expect(metric.help.length, metric.name).toBeGreaterThan(0);
      if (String(metric.type) === 'counter') expect(metric.name, metric.name).toMatch(/_total$/);
      // prom-client's own process metrics have gauges named *_total (nodejs_active_handles_total); ours do not.
      else if (!/^rendition_(process|nodejs)_/.test(metric.name)) expect(metric.name, metric.name).not.toMatch(/_total$/);
      // Durations are in seconds, sizes in bytes: never milliseconds or other units.
      expect(metric.name, metric.name).not.toMatch(/_(ms|milliseconds|minutes|kb|mb|percent)(_|$)/);
      if (metric.name.includes('duration')) expect(metric.name).toMatch(/_seconds$/);
      for (const value of metric.values)
        for (const label of Object.keys(value.labels)) expect(isValidLabelName(label), `${metric.name} ${label}`).toBe(true);
    }
    const names = new Set(metrics.map((metric) => metric.name));
    for (const name of [
      'rendition_http_request_duration_seconds',
      'rendition_queue_jobs',
      'rendition_job_duration_seconds',
      'rendition_jobs_total',
      'rendition_db_statements',
      'rendition_webhook_attempts_total',
      'rendition_derivative_cache_total',
      'rendition_remote_fetch_failures_total',
      'rendition_process_cpu_seconds_total',
      'rendition_process_resident_memory_bytes',
      'rendition_nodejs_eventloop_lag_seconds',
    ]) {
      expect(names, name).toContain(name);
    }
    // The whole exposition, process metrics included, passes the strict parser.
    await scrape();
  });

  it('records an HTTP request by method, route pattern and status code, with bounded labels', async () => {
    observeHttpRequest({ method: 'POST', route: '/v1_1/:cloud/:resourceType/upload', statusCode: 200, seconds: 0.3 });
    observeHttpRequest({ method: 'BREW', route: undefined, statusCode: 404, seconds: 0.001 });
    const families = await scrape();
    const labels = { method: 'POST', route: '/v1_1/:cloud/:resourceType/upload', status_code: '200' };
    expect(sampleValue(families, 'rendition_http_request_duration_seconds_count', labels)).toBe(1);
    expect(sampleValue(families, 'rendition_http_request_duration_seconds_bucket', { ...labels, le: '0.25' })).toBe(0);
    expect(sampleValue(families, 'rendition_http_request_duration_seconds_bucket', { ...labels, le: '0.5' })).toBe(1);
    expect(sampleValue(families, 'rendition_http_request_duration_seconds_sum', labels)).toBeCloseTo(0.3);
    expect(sampleValue(families, 'rendition_http_request_duration_seconds_count', { method: 'other', route: 'unmatched', status_code: '404' })).toBe(1);
  });

  it('records the statements of a request by route and of a job run by kind', async () => {
    observeStatements({ kind: 'request', name: '/v1_1/:cloud/:resourceType/upload', statements: 1 });
    observeStatements({ kind: 'job', name: 'ingest', statements: 15 });
    observeStatements({ kind: 'request', name: undefined, statements: -2 });
    const families = await scrape();
    const upload = { unit: 'request', name: '/v1_1/:cloud/:resourceType/upload' };
    expect(sampleValue(families, 'rendition_db_statements_bucket', { ...upload, le: '1' })).toBe(1);
    expect(sampleValue(families, 'rendition_db_statements_sum', upload)).toBe(1);
    const ingest = { unit: 'job', name: 'ingest' };
    expect(sampleValue(families, 'rendition_db_statements_bucket', { ...ingest, le: '12' })).toBe(0);
    expect(sampleValue(families, 'rendition_db_statements_bucket', { ...ingest, le: '16' })).toBe(1);
    // No route: the unmatched series; a count below zero (impossible) is recorded as 0.
    expect(sampleValue(families, 'rendition_db_statements_sum', { unit: 'request', name: 'unmatched' })).toBe(0);
    expect(sampleValue(families, 'rendition_db_statements_count', { unit: 'request', name: 'unmatched' })).toBe(1);
  });

  it('counts and times jobs by queue, kind and outcome, the known ones at 0 from the start', async () => {
    initJobMetrics('derive', ['derive', 'sprite']);
    let families = await scrape();
    expect(sampleValue(families, 'rendition_jobs_total', { queue: 'derive', kind: 'sprite', outcome: 'failed' })).toBe(0);
    expect(families.get('rendition_jobs_total')!.samples.some((sample) => sample.labels.kind === 'sprite')).toBe(true);
    observeJob({ queue: 'derive', kind: 'derive', outcome: 'completed', seconds: 2 });
    observeJob({ queue: 'derive', kind: 'derive', outcome: 'retried', seconds: 0.02 });
    families = await scrape();
    expect(sampleValue(families, 'rendition_jobs_total', { queue: 'derive', kind: 'derive', outcome: 'completed' })).toBe(1);
    expect(sampleValue(families, 'rendition_jobs_total', { queue: 'derive', kind: 'derive', outcome: 'retried' })).toBe(1);
    expect(sampleValue(families, 'rendition_job_duration_seconds_count', { queue: 'derive', kind: 'derive', outcome: 'completed' })).toBe(1);
    expect(sampleValue(families, 'rendition_job_duration_seconds_bucket', { queue: 'derive', kind: 'derive', outcome: 'completed', le: '2.5' })).toBe(
      1,
    );
  });

  it('counts webhook attempts by outcome and status class', async () => {
    expect([200, 204, 301, 404, 410, 500, 503, null].map(webhookStatusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx', '5xx', 'network']);
    const before = await scrape();
    expect(sampleValue(before, 'rendition_webhook_attempts_total', { outcome: 'delivered', status_class: '2xx' })).toBe(0);
    countWebhookAttempt('delivered', 200);
    countWebhookAttempt('retry', 503);
    countWebhookAttempt('retry', null);
    countWebhookAttempt('gone', 410);
    const after = await scrape();
    expect(sampleValue(after, 'rendition_webhook_attempts_total', { outcome: 'delivered', status_class: '2xx' })).toBe(1);
    expect(sampleValue(after, 'rendition_webhook_attempts_total', { outcome: 'retry', status_class: '5xx' })).toBe(1);
    expect(sampleValue(after, 'rendition_webhook_attempts_total', { outcome: 'retry', status_class: 'network' })).toBe(1);
    expect(sampleValue(after, 'rendition_webhook_attempts_total', { outcome: 'gone', status_class: '4xx' })).toBe(1);
  });

  it('counts derivative cache hits and misses, and remote fetch failures by reason, every one present at 0', async () => {
    const before = await scrape();
    for (const result of ['hit', 'miss']) expect(before.get('rendition_derivative_cache_total')!.samples.map((s) => s.labels.result)).toContain(result);
    for (const reason of REMOTE_FETCH_FAILURE_REASONS) {
      expect(before.get('rendition_remote_fetch_failures_total')!.samples.map((s) => s.labels.reason)).toContain(reason);
    }
    countDerivativeCache('miss');
    countDerivativeCache('hit');
    countDerivativeCache('hit');
    countRemoteFetchFailure('http_status');
    const after = await scrape();
    expect(
      sampleValue(after, 'rendition_derivative_cache_total', { result: 'hit' }) -
        sampleValue(before, 'rendition_derivative_cache_total', { result: 'hit' }),
    ).toBe(2);
    expect(
      sampleValue(after, 'rendition_derivative_cache_total', { result: 'miss' }) -
        sampleValue(before, 'rendition_derivative_cache_total', { result: 'miss' }),
    ).toBe(1);
    expect(sampleValue(after, 'rendition_remote_fetch_failures_total', { reason: 'http_status' })).toBe(1);
    expect(sampleValue(after, 'rendition_remote_fetch_failures_total', { reason: 'timeout' })).toBe(0);
  });
});

describe('rendition_queue_jobs', () => {
  const depths = [
    { queue: 'ingest', counts: { waiting: 3, prioritized: 0, active: 1, delayed: 2, failed: 0 } },
    { queue: 'notify', counts: { waiting: 0, prioritized: 0, active: 0, delayed: 7, failed: 1 } },
  ];
  const samples = async () => (await scrape()).get('rendition_queue_jobs')!.samples;

  it('reads the queues at scrape time, and has no samples without a source', async () => {
    expect(await samples()).toEqual([]);
    let reads = 0;
    const remove = addQueueDepthSource({
      read: async () => {
        reads++;
        return depths;
      },
      timeoutMs: 1_000,
    });
    try {
      const families = await scrape();
      expect(reads).toBe(1);
      expect(families.get('rendition_queue_jobs')!.type).toBe('gauge');
      expect(sampleValue(families, 'rendition_queue_jobs', { queue: 'ingest', state: 'waiting' })).toBe(3);
      expect(sampleValue(families, 'rendition_queue_jobs', { queue: 'notify', state: 'delayed' })).toBe(7);
      expect(families.get('rendition_queue_jobs')!.samples).toHaveLength(10);
    } finally {
      remove();
    }
    expect(await samples()).toEqual([]);
  });

  it('reads the newest source, and the one before once the newest is removed', async () => {
    const removeFirst = addQueueDepthSource({ read: async () => depths, timeoutMs: 1_000 });
    const removeSecond = addQueueDepthSource({ read: async () => [{ queue: 'video', counts: { waiting: 1 } }], timeoutMs: 1_000 });
    expect(await samples()).toEqual([{ name: 'rendition_queue_jobs', labels: { queue: 'video', state: 'waiting' }, value: 1 }]);
    removeSecond();
    removeSecond(); // twice: nothing more
    expect(await samples()).toHaveLength(10);
    removeFirst();
    expect(await samples()).toEqual([]);
  });

  it('answers the scrape within the timeout when Redis does not, without the stale depths', async () => {
    const removeAnswering = addQueueDepthSource({ read: async () => depths, timeoutMs: 1_000 });
    expect(await samples()).toHaveLength(10);
    const removeSilent = addQueueDepthSource({ read: () => new Promise(() => {}), timeoutMs: 200 });
    const started = Date.now();
    expect(await samples()).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    removeSilent();
    const removeFailing = addQueueDepthSource({ read: () => Promise.reject(new Error('Redis is not connected')), timeoutMs: 200 });
    expect(await samples()).toEqual([]);
    removeFailing();
    removeAnswering();
  });
});

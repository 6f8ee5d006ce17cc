// /metrics (issue 16): the API's route and a separately running worker's METRICS_PORT listener are
// scraped and parsed with a strict Prometheus text-format parser, and the counters move by exactly what
// an upload (with eager and a notification), a derivation at delivery, a webhook and a failed remote
// source make happen.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS, QUEUE_NAMES, type JobKind } from '@rendition/jobs';
import { fixturePath, freePort, startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '@rendition/testing';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../packages/metrics/test/prometheus-text.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';
import { spawnWorker, workerEnvironment, type WorkerProcess } from './support/worker-process.ts';

type Families = Map<string, MetricFamily>;

const png = readFileSync(fixturePath('images/embedgravitybird.png'));
const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'];
const METRICS_TOKEN = 'e2e-metrics-token-0123456789';

let cluster: TestCluster;
let worker: WorkerProcess;
let workerMetrics: string;
let receiver: WebhookReceiver;
let source: Server;
let sourceUrl: string;

/** /flaky answers 500 to its first webhook and 200 afterwards; everything else 200. */
function respond(request: ReceivedWebhook, countOnPath: number) {
  if (request.path.startsWith('/flaky')) return { status: countOnPath === 1 ? 500 : 200 };
  return { status: 200 };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver(respond);
  source = createServer((request, response) => {
    if (request.url === '/bird.png') response.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  const address = source.address();
  sourceUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  // The API in this process, without METRICS_PORT: /metrics on its own port.
  cluster = await startTestCluster(
    { SSRF_ALLOW: '127.0.0.1/32', WEBHOOK_SCHEDULE_SCALE: '0.0002', RELAY_INTERVAL_MS: '1000', RELAY_GRACE_MS: '1000' },
    ['api'],
  );
  // The workers in a process of their own, as deployed, with their listener.
  const port = await freePort();
  workerMetrics = `http://127.0.0.1:${port}`;
  worker = spawnWorker(workerEnvironment(cluster, cluster.env.REDIS_URL!, { METRICS_PORT: String(port) }));
  await worker.ready;
});

afterAll(async () => {
  worker?.kill('SIGTERM');
  await worker?.exited;
  await cluster?.stop();
  await receiver?.close();
  await new Promise((resolve) => source?.close(resolve));
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Families> {
  const response = await fetch(url, { headers });
  expect(response.status, `${url}: ${response.status}`).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
  // Throws on anything a Prometheus scrape would refuse (histogram buckets that decrease included).
  return parsePrometheusText(await response.text());
}

const scrapeApi = () => scrape(`${cluster.baseUrl}/metrics`);
const scrapeWorker = () => scrape(`${workerMetrics}/metrics`);

/** Every series of a counter (or a histogram's _count) that changed between two scrapes, by its labels. */
function changes(before: Families, after: Families, sampleName: string): Record<string, number> {
  const family = [...after.values()].find((candidate) => candidate.samples.some((sample) => sample.name === sampleName));
  const moved: Record<string, number> = {};
  for (const sample of family?.samples ?? []) {
    if (sample.name !== sampleName) continue;
    const delta = sample.value - sampleValue(before, sampleName, sample.labels);
    if (delta !== 0) moved[Object.values(sample.labels).join('/')] = delta;
  }
  return moved;
}

/** Requests the API answered between two scrapes, by `METHOD route status`, /metrics itself left out. */
function requests(before: Families, after: Families): Record<string, number> {
  const moved: Record<string, number> = {};
  for (const sample of after.get('rendition_http_request_duration_seconds')?.samples ?? []) {
    if (!sample.name.endsWith('_count') || sample.labels.route === '/metrics') continue;
    const delta = sample.value - sampleValue(before, sample.name, sample.labels);
    if (delta !== 0) moved[`${sample.labels.method} ${sample.labels.route} ${sample.labels.status_code}`] = delta;
  }
  return moved;
}

async function upload(fields: Record<string, string | Blob>): Promise<Record<string, unknown>> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, {
    method: 'POST',
    body: form,
    headers: { authorization: basicAuthHeader(cluster.credentials) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

interface BatchState {
  status: string;
  jobs: Array<{ kind: string; queue: string; status: string }>;
  notifications: Array<{ status: string; attempts: number }>;
}

async function batch(batchId: string): Promise<BatchState> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/demo/batches/${batchId}`, { headers: { authorization: basicAuthHeader(cluster.credentials) } });
  expect(response.status).toBe(200);
  return (await response.json()) as BatchState;
}

describe('/metrics', () => {
  it('is served by the API on its port and by the worker on METRICS_PORT, with process metrics and every queue’s depth', async () => {
    const [api, workers] = await Promise.all([scrapeApi(), scrapeWorker()]);
    for (const families of [api, workers]) {
      for (const name of ['rendition_process_cpu_seconds_total', 'rendition_process_resident_memory_bytes', 'rendition_nodejs_eventloop_lag_seconds']) {
        expect(families.has(name), name).toBe(true);
      }
      for (const name of families.keys()) expect(name).toMatch(/^rendition_/);
    }
    // Queue depth: the API reads every queue in every state; workers do not report it (no double count).
    const depth = api.get('rendition_queue_jobs')!;
    expect(depth.type).toBe('gauge');
    for (const queue of QUEUE_NAMES) {
      for (const state of QUEUE_STATES) {
        const sample = depth.samples.find((candidate) => candidate.labels.queue === queue && candidate.labels.state === state);
        expect(sample, `${queue} ${state}`).toBeDefined();
        expect(Number.isInteger(sample!.value) && sample!.value >= 0, `${queue} ${state}`).toBe(true);
      }
    }
    expect(depth.samples).toHaveLength(QUEUE_NAMES.length * QUEUE_STATES.length);
    expect(workers.get('rendition_queue_jobs')?.samples ?? []).toEqual([]);
    // The worker's counters exist from the start, at 0, for the kinds of its queues.
    for (const kind of Object.keys(JOBS) as JobKind[]) {
      expect(
        workers.get('rendition_jobs_total')!.samples.some((sample) => sample.labels.kind === kind && sample.labels.outcome === 'completed'),
        kind,
      ).toBe(true);
    }
    expect((await fetch(`${workerMetrics}/healthz`)).status).toBe(200);
    expect((await fetch(`${workerMetrics}/nothing`)).status).toBe(404);
  });

  it('counts an async upload with eager and a notification: its request, every job it ran, the webhook', async () => {
    const [apiBefore, workerBefore] = await Promise.all([scrapeApi(), scrapeWorker()]);
    const accepted = await upload({
      file: new Blob([png]),
      public_id: 'metrics-bird',
      async: 'true',
      eager: 'w_100,c_scale|e_grayscale,w_50,c_scale/jpg',
      notification_url: `${receiver.url}/upload`,
    });
    expect(accepted).toMatchObject({ status: 'pending' });
    const batchId = String(accepted.batch_id);
    const [webhook] = await receiver.waitFor(1, { path: '/upload' });
    const payload = JSON.parse(webhook!.body) as { eager?: Array<{ batch_id?: string }> };
    const batchIds = [...new Set([batchId, ...(payload.eager ?? []).flatMap((item) => (item.batch_id ? [item.batch_id] : []))])];
    await expect.poll(async () => (await batch(batchId)).notifications.every((item) => item.status === 'delivered'), { timeout: 10_000 }).toBe(true);
    const states = await Promise.all(batchIds.map(batch));
    // What the worker must have counted: each job of the batches, completed. No notify job: the webhook is the
    // worker's direct attempt (WEBHOOK_DIRECT_DELIVERY), and its queued fallback is withdrawn once it is delivered.
    const expected: Record<string, number> = {};
    for (const state of states) {
      for (const job of state.jobs) {
        expect(job.status).toBe('completed');
        const key = `${job.queue}/${job.kind}/completed`;
        expected[key] = (expected[key] ?? 0) + 1;
      }
    }
    const notifications = states.reduce((sum, state) => sum + state.notifications.length, 0);
    expect(notifications).toBe(1);
    expect(expected['ingest/ingest/completed']).toBe(1);
    expect(expected['derive/derive/completed']).toBeGreaterThanOrEqual(1); // the eager item the ingest leaves to the derive queue

    // A job is counted once its handler has returned, which may be just after what the test waited for.
    await expect.poll(async () => changes(workerBefore, await scrapeWorker(), 'rendition_jobs_total'), { timeout: 10_000 }).toEqual(expected);
    const workerAfter = await scrapeWorker();
    expect(changes(workerBefore, workerAfter, 'rendition_job_duration_seconds_count')).toEqual(expected);
    expect(changes(workerBefore, workerAfter, 'rendition_webhook_attempts_total')).toEqual({ 'delivered/2xx': 1 });
    expect(changes(workerBefore, workerAfter, 'rendition_remote_fetch_failures_total')).toEqual({});

    const apiAfter = await scrapeApi();
    const answered = requests(apiBefore, apiAfter);
    const uploads = Object.entries(answered).filter(([key]) => key.startsWith('POST ') && key.endsWith(' 200'));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]![0]).toMatch(/^POST \/v1_1\/:\w+\/:\w+\/upload 200$/);
    expect(uploads[0]![1]).toBe(1);
    // Routes are patterns, never URLs: nothing of the request's own values is a label.
    for (const sample of apiAfter.get('rendition_http_request_duration_seconds')!.samples) {
      expect(sample.labels.route).not.toMatch(/demo|metrics-bird|batches\/[0-9a-f]/);
    }
    expect(changes(apiBefore, apiAfter, 'rendition_derivative_cache_total')).toEqual({});
  });

  it('counts a derivation at delivery as a miss that runs one derive job, and the next delivery as a hit', async () => {
    const url = `${cluster.baseUrl}/demo/image/upload/c_fill,w_64,h_64/metrics-bird.webp`;
    const [apiBefore, workerBefore] = await Promise.all([scrapeApi(), scrapeWorker()]);
    const first = await fetch(url);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const afterMiss = await scrapeApi();
    expect(changes(apiBefore, afterMiss, 'rendition_derivative_cache_total')).toEqual({ miss: 1 });
    await expect
      .poll(async () => changes(workerBefore, await scrapeWorker(), 'rendition_jobs_total'), { timeout: 10_000 })
      .toEqual({ 'derive/derive/completed': 1 });

    const second = await fetch(url);
    expect(second.status).toBe(200);
    await second.arrayBuffer();
    // The histogram is observed in onResponse, which may run just after the client has read the last byte.
    let apiAfter = await scrapeApi();
    await expect
      .poll(async () => {
        apiAfter = await scrapeApi();
        return Object.values(requests(apiBefore, apiAfter)).reduce((sum, count) => sum + count, 0);
      })
      .toBe(2);
    expect(changes(afterMiss, apiAfter, 'rendition_derivative_cache_total')).toEqual({ hit: 1 });
    const answered = Object.entries(requests(apiBefore, apiAfter));
    expect(answered).toHaveLength(1);
    expect(answered[0]![0]).toMatch(/^GET \S+ 200$/);
    expect(answered[0]![1]).toBe(2);
    expect(changes(workerBefore, await scrapeWorker(), 'rendition_jobs_total')).toEqual({ 'derive/derive/completed': 1 });
  });

  it('counts webhook attempts by outcome and status class: a 500 that is retried, then the 2xx', async () => {
    const workerBefore = await scrapeWorker();
    await upload({ file: new Blob([png]), async: 'true', notification_url: `${receiver.url}/flaky` });
    await receiver.waitFor(2, { path: '/flaky', timeoutMs: 20_000 });
    await expect
      .poll(async () => changes(workerBefore, await scrapeWorker(), 'rendition_webhook_attempts_total'), { timeout: 10_000 })
      .toEqual({ 'retry/5xx': 1, 'delivered/2xx': 1 });
    // The first attempt is the ingest worker's own (WEBHOOK_DIRECT_DELIVERY); after its 500 the queued notify job is
    // moved to the schedule's next slot and makes the second attempt: one run, completed.
    await expect
      .poll(async () => changes(workerBefore, await scrapeWorker(), 'rendition_jobs_total'), { timeout: 10_000 })
      .toEqual({ 'ingest/ingest/completed': 1, 'notify/notify/completed': 1 });
  });

  it('counts a remote source that cannot be loaded by its reason, once', async () => {
    const workerBefore = await scrapeWorker();
    await upload({ file: `${sourceUrl}/missing.png`, async: 'true', notification_url: `${receiver.url}/missing` });
    const [webhook] = await receiver.waitFor(1, { path: '/missing' });
    expect(JSON.parse(webhook!.body)).toMatchObject({ error: { message: expect.stringContaining('404') } });
    await expect
      .poll(async () => changes(workerBefore, await scrapeWorker(), 'rendition_remote_fetch_failures_total'), { timeout: 10_000 })
      .toEqual({ http_status: 1 });
    const workerAfter = await scrapeWorker();
    expect(changes(workerBefore, workerAfter, 'rendition_webhook_attempts_total')).toEqual({ 'delivered/2xx': 1 });
    const ingest = Object.entries(changes(workerBefore, workerAfter, 'rendition_jobs_total')).filter(([key]) => key.startsWith('ingest/'));
    expect(ingest).toHaveLength(1);
    expect(ingest[0]![1]).toBe(1);
    expect(ingest[0]![0]).toMatch(/^ingest\/ingest\/(completed|failed)$/);
  });

  it('moves to METRICS_PORT when the API process sets it, behind METRICS_TOKEN', async () => {
    const port = await freePort();
    const guarded = await startTestCluster({ METRICS_PORT: String(port), METRICS_TOKEN }, ['api'], { shareWith: cluster });
    try {
      expect(guarded.cluster.metrics?.port).toBe(port);
      expect((await fetch(`${guarded.baseUrl}/metrics`)).status).toBe(404);
      const refused = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })).status).toBe(401);
      const families = await scrape(`http://127.0.0.1:${port}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(families.get('rendition_queue_jobs')!.samples).toHaveLength(QUEUE_NAMES.length * QUEUE_STATES.length);
      // The liveness answer needs no token.
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await guarded.stop();
    }
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    // The first API still reads the queues once the second has gone.
    expect((await scrapeApi()).get('rendition_queue_jobs')!.samples).toHaveLength(QUEUE_NAMES.length * QUEUE_STATES.length);
  });
});

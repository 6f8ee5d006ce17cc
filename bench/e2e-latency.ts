/**
 * Upload-to-webhook latency: small async uploads sent one at a time to a whole Rendition (API and
 * workers in this process), each timed from the request being sent to its signed notification
 * reaching a webhook receiver on loopback; beside the irreducible work for the same image, measured
 * in the same run: sharp probing and decoding it, plus writing it to a local file. See bench/README.md.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { request } from 'undici';
import { registry } from '@rendition/metrics';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { profiled } from './lib/cpu-profile.ts';
import { envInt } from './lib/env.ts';
import { multipartBody } from './lib/multipart.ts';
import { runBench, scratchDirectory } from './lib/run-bench.ts';
import { smallPng } from './lib/small-png.ts';
import { formatCpuPerUnit, threadCpu, threadCpuSince } from './lib/thread-cpu.ts';
import { ErrorTally, fixed, percentile, sortedCopy, table } from './lib/stats.ts';
import { startArrivalReceiver } from './lib/webhook-arrivals.ts';

const UPLOADS = envInt('BENCH_UPLOADS', 200, 10, 1_000);
const WARMUP = envInt('BENCH_WARMUP_UPLOADS', 10, 0, 100);
const PER_UPLOAD_TIMEOUT_MS = 15_000;

await runBench('e2e-latency', main);

async function main(cleanup: Cleanup): Promise<void> {
  const png = await smallPng();
  const width = (await sharp(png).metadata()).width;

  const receiver = await startArrivalReceiver(cleanup);
  const { arrivals } = receiver;
  // WORKER_QUEUES passes through, e.g. to leave out a queue whose processor is not written yet.
  const queues: Record<string, string> = process.env.WORKER_QUEUES ? { WORKER_QUEUES: process.env.WORKER_QUEUES } : {};
  // WEBHOOK_DIRECT_DELIVERY passes through too (default on, as in the product): `false` measures every attempt through the notify queue.
  const direct: Record<string, string> = process.env.WEBHOOK_DIRECT_DELIVERY ? { WEBHOOK_DIRECT_DELIVERY: process.env.WEBHOOK_DIRECT_DELIVERY } : {};
  const rendition = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32', ...queues, ...direct }, ['api', 'worker']);
  cleanup.add('rendition', () => rendition.stop());
  const auth = basicAuthHeader(rendition.credentials);
  const uploadUrl = `${rendition.baseUrl}/v1_1/demo/image/upload`;

  console.log(
    `e2e-latency: ${cpus().length} CPU(s), Node ${process.version}; ${UPLOADS} async uploads (after ${WARMUP} warm-up) sent one at a time, ` +
      `${png.length}-byte PNG (multipart, async=true, notification_url), API + worker in this process ` +
      `(queues ${rendition.config.worker.queues.join(',') || 'all'}; ingest concurrency ${rendition.config.worker.concurrency.ingest}, notify ${rendition.config.worker.concurrency.notify}), file storage, ` +
      `WEBHOOK_DIRECT_DELIVERY=${rendition.config.webhooks.directDelivery}`,
  );

  const accepted: number[] = [];
  const delivered: number[] = [];
  const errors = new ErrorTally();
  const uploadOne = async (i: number): Promise<void> => {
    const path = `/e2e/${i}`;
    const { body, contentType } = multipartBody(
      [
        ['async', 'true'],
        ['notification_url', `${receiver.url}${path}`],
      ],
      { name: 'file', filename: 'bench.png', type: 'image/png', bytes: png },
    );
    let timer: NodeJS.Timeout | undefined;
    const arrival = new Promise<{ at: number; body: string }>((resolve, reject) => {
      arrivals.set(path, (at, text) => resolve({ at, body: text }));
      timer = setTimeout(() => reject(new Error(`no webhook on ${path} within ${PER_UPLOAD_TIMEOUT_MS} ms`)), PER_UPLOAD_TIMEOUT_MS);
    });
    arrival.catch(() => {});
    const sent = performance.now();
    try {
      const response = await request(uploadUrl, { method: 'POST', headers: { 'content-type': contentType, authorization: auth }, body });
      const answer = await response.body.text();
      const answered = performance.now();
      if (response.statusCode !== 200 || !answer.includes('"status":"pending"'))
        throw new Error(`HTTP ${response.statusCode}: ${answer.slice(0, 200)}`);
      const webhook = await arrival;
      const payload = JSON.parse(webhook.body) as { notification_type?: string; width?: number };
      if (payload.notification_type !== 'upload' || payload.width !== width) throw new Error(`unexpected notification ${webhook.body.slice(0, 200)}`);
      if (i >= WARMUP) {
        accepted.push(answered - sent);
        delivered.push(webhook.at - sent);
      }
    } catch (error) {
      errors.add(error);
    } finally {
      clearTimeout(timer);
      arrivals.delete(path);
    }
  };
  for (let i = 0; i < WARMUP; i += 1) await uploadOne(i);
  const handlersBefore = await handlerTimes();
  const cpuBefore = await threadCpu();
  await profiled('e2e-latency', async () => {
    for (let i = WARMUP; i < WARMUP + UPLOADS; i += 1) await uploadOne(i);
  });
  // What one upload costs on each kind of thread (its client's and webhook receiver's share included).
  const cpuSpent = threadCpuSince(await threadCpu(), cpuBefore);
  const handlers = since(await handlerTimes(), handlersBefore);

  // The irreducible work for the same image, in the same process and sharp configuration.
  const scratch = await scratchDirectory(cleanup);
  const reference = await timeEach(WARMUP, UPLOADS, async (i) => {
    await sharp(png).metadata();
    await sharp(png, { failOn: 'error' }).raw().toBuffer();
    await writeFile(join(scratch, `${i}.png`), png);
  });
  const referenceFsync = await timeEach(WARMUP, UPLOADS, async (i) => {
    await sharp(png).metadata();
    await sharp(png, { failOn: 'error' }).raw().toBuffer();
    await writeFile(join(scratch, `fsync-${i}.png`), png, { flush: true });
  });

  const acceptedSorted = sortedCopy(accepted);
  const deliveredSorted = sortedCopy(delivered);
  const line = (name: string, sorted: Float64Array): string[] => [
    name,
    fixed(percentile(sorted, 50), 2),
    fixed(percentile(sorted, 99), 2),
    fixed(sorted.reduce((sum, value) => sum + value, 0) / sorted.length, 2),
    String(sorted.length),
  ];
  console.log(
    table([
      ['measure', 'p50 ms', 'p99 ms', 'mean ms', 'n'],
      line('upload accepted (request sent -> 200 pending)', acceptedSorted),
      line('upload -> webhook received', deliveredSorted),
      line('reference: sharp metadata + decode + fs write', reference),
      line('reference with fsync (writeFile flush: true)', referenceFsync),
    ]),
  );
  console.log(errors.summary());
  console.log(
    `CPU per upload (ms; the measured uploads, sent one at a time; bench/lib/thread-cpu.ts):\n${formatCpuPerUnit([['rendition', cpuSpent]], UPLOADS)}`,
  );
  // Where an upload's time goes, from the worker's own metrics (this process): the rest of upload ->
  // webhook is the intake's answer and the hops between (queue, pick-up, scheduling).
  const acceptedMean = accepted.reduce((sum, value) => sum + value, 0) / Math.max(1, accepted.length);
  const deliveredMean = delivered.reduce((sum, value) => sum + value, 0) / Math.max(1, delivered.length);
  const ingestMs = handlers.ingest.count === 0 ? 0 : (handlers.ingest.seconds / handlers.ingest.count) * 1000;
  const notifyMs = handlers.notify.count === 0 ? 0 : (handlers.notify.seconds / handlers.notify.count) * 1000;
  const ingestStatements = handlers.ingest.count === 0 ? 0 : handlers.ingest.statements / handlers.ingest.count;
  const notifyStatements = handlers.notify.count === 0 ? 0 : handlers.notify.statements / handlers.notify.count;
  // The webhook's first attempt is the ingest worker's own, made as the batch ends (WEBHOOK_DIRECT_DELIVERY,
  // docs/async-and-webhooks.md): a notify job runs only where it did not (or failed), counted apart.
  console.log(
    `where the mean upload -> webhook (${fixed(deliveredMean, 1)} ms) goes: intake answer ${fixed(acceptedMean, 1)} ms, ` +
      `ingest job ${fixed(ingestMs, 1)} ms (${fixed(ingestStatements, 1)} statements), ` +
      `the rest ${fixed(deliveredMean - acceptedMean - ingestMs, 1)} ms (the queue hop to the ingest, the webhook's POST as the batch ends); ` +
      `notify jobs run: ${handlers.notify.count}` +
      (handlers.notify.count > 0 ? ` (${fixed(notifyMs, 1)} ms, ${fixed(notifyStatements, 1)} statements each)` : ''),
  );
  const ratio = (numerator: Float64Array, denominator: Float64Array, p: number) => fixed(percentile(numerator, p) / percentile(denominator, p), 1);
  console.log(`ratio upload->webhook ÷ reference: p50 ${ratio(deliveredSorted, reference, 50)}x, p99 ${ratio(deliveredSorted, reference, 99)}x`);
  console.log(
    `ratio upload->webhook ÷ reference with fsync: p50 ${ratio(deliveredSorted, referenceFsync, 50)}x, p99 ${ratio(deliveredSorted, referenceFsync, 99)}x`,
  );
}

async function timeEach(warmup: number, count: number, work: (i: number) => Promise<void>): Promise<Float64Array> {
  const times: number[] = [];
  for (let i = 0; i < warmup + count; i += 1) {
    const started = performance.now();
    await work(i);
    if (i >= warmup) times.push(performance.now() - started);
  }
  return sortedCopy(times);
}

interface JobTimes {
  count: number;
  seconds: number;
  statements: number;
}
type HandlerTimes = Record<'ingest' | 'notify', JobTimes>;

/** The worker's handler time and statements per job kind so far, from this process's metrics registry. */
async function handlerTimes(): Promise<HandlerTimes> {
  const [durations, statements] = await Promise.all([
    registry.getSingleMetric('rendition_job_duration_seconds')?.get(),
    registry.getSingleMetric('rendition_db_statements')?.get(),
  ]);
  const times = (kind: string): JobTimes => {
    const rows = (durations?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
    const mine = rows.filter((row) => row.labels.kind === kind);
    const stmtRows = (statements?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
    return {
      count: mine.filter((row) => row.metricName === 'rendition_job_duration_seconds_count').reduce((sum, row) => sum + row.value, 0),
      seconds: mine.filter((row) => row.metricName === 'rendition_job_duration_seconds_sum').reduce((sum, row) => sum + row.value, 0),
      statements: stmtRows
        .filter((row) => row.labels.unit === 'job' && row.labels.name === kind && row.metricName === 'rendition_db_statements_sum')
        .reduce((sum, row) => sum + row.value, 0),
    };
  };
  return { ingest: times('ingest'), notify: times('notify') };
}

function since(after: HandlerTimes, before: HandlerTimes): HandlerTimes {
  const minus = (a: JobTimes, b: JobTimes): JobTimes => ({
    count: a.count - b.count,
    seconds: a.seconds - b.seconds,
    statements: a.statements - b.statements,
  });
  return { ingest: minus(after.ingest, before.ingest), notify: minus(after.notify, before.notify) };
}

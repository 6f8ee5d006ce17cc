/**
 * Eager derivation throughput: async uploads of a photo, each with one eager transformation
 * (`eager_async=true`, `eager_notification_url` at a receiver on loopback), through intake, ingest,
 * derive and the eager notification of a whole Rendition (API and workers in this process); beside
 * raw sharp doing the same decode, resize and encode of the same file with the same parallelism as
 * the derive queue, in the same run. See bench/README.md.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { startBareEagerServer, sharpDerive } from './lib/bare-eager-server.ts';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { EAGER, EAGER_HEIGHT, EAGER_SOURCE, EAGER_WIDTH, derivationsPerSecond, uploadAll as uploadAllWith } from './lib/eager-uploads.ts';
import { profiled } from './lib/cpu-profile.ts';
import { envInt } from './lib/env.ts';
import { formatCpuPerUnit, formatThreadCpu, threadCpu, threadCpuSince } from './lib/thread-cpu.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { ErrorTally, fixed, percentile, sortedCopy, table } from './lib/stats.ts';
import { startArrivalReceiver } from './lib/webhook-arrivals.ts';

const UPLOADS = envInt('BENCH_UPLOADS', 120, 10, 1_000);
const WARMUP = envInt('BENCH_WARMUP_UPLOADS', 4, 0, 50);
const CLIENT_CONCURRENCY = envInt('BENCH_CONCURRENCY', 4, 1, 64);
const REFERENCE_OPS = envInt('BENCH_REFERENCE_OPS', 120, 10, 2_000);
const NOTIFICATION_TIMEOUT_MS = 60_000;
const SETTLE_MS = 2_000;
const GOAL = 0.85;

/** sharp's own benchmark: its 2725x2225 JPEG resized to 720x588, JPEG quality 80. */
const SOURCE = EAGER_SOURCE;
const WIDTH = EAGER_WIDTH;
const HEIGHT = EAGER_HEIGHT;

await runBench('eager-throughput', main);

/** The shared workload with this bench's clients and notification timeout. */
function uploadAll(options: Omit<Parameters<typeof uploadAllWith>[0], 'concurrency' | 'timeoutMs'>) {
  return uploadAllWith({ ...options, concurrency: CLIENT_CONCURRENCY, timeoutMs: NOTIFICATION_TIMEOUT_MS });
}

async function main(cleanup: Cleanup): Promise<void> {
  const photo = await readFile(SOURCE);
  const source = await sharp(photo).metadata();

  const receiver = await startArrivalReceiver(cleanup);
  const { arrivals } = receiver;
  const rendition = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32' }, ['api', 'worker']);
  cleanup.add('rendition', () => rendition.stop());
  const auth = basicAuthHeader(rendition.credentials);
  const uploadUrl = `${rendition.baseUrl}/v1_1/demo/image/upload`;
  const { concurrency } = rendition.config.worker;
  const parallelism = concurrency.derive;

  console.log(
    `eager-throughput: ${cpus().length} CPU(s), Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})\n` +
      `  source: ${SOURCE.split('/').pop()} (${source.width}x${source.height} JPEG, ${photo.length} bytes)\n` +
      `  rendition: ${UPLOADS} multipart uploads (after ${WARMUP} warm-up) sent by ${CLIENT_CONCURRENCY} concurrent clients, each async=true, ` +
      `eager=${EAGER}, eager_async=true, eager_notification_url; API + worker in this process ` +
      `(ingest concurrency ${concurrency.ingest}, derive ${concurrency.derive}, notify ${concurrency.notify}), file storage; ` +
      `timed from the first request to the last eager notification\n` +
      `  reference: sharp(file).resize(${WIDTH}, ${HEIGHT}).jpeg({ quality: 80 }).toBuffer(), ${REFERENCE_OPS} ops, ${parallelism} at a time ` +
      `(the derive concurrency), same process and sharp settings, before Rendition's run\n` +
      `  floor: the same client and uploads against a bare Fastify + multipart server that resizes with sharp (${parallelism} at a time) and POSTs a minimal eager notification`,
  );

  // References first, on a quiet machine (Rendition's writes keep PostgreSQL and the disk busy afterwards).
  const raw = await throughput(parallelism, REFERENCE_OPS, async () => {
    await sharp(SOURCE).resize(WIDTH, HEIGHT).jpeg({ quality: 80 }).toBuffer();
  });
  // The floor: the same client against a bare server that only parses, resizes and notifies.
  const bare = await startBareEagerServer({
    concurrency: parallelism,
    maxUploadBytes: rendition.config.limits.maxUploadBytes,
    derive: sharpDerive(WIDTH, HEIGHT),
  });
  cleanup.add('bare eager server', () => bare.close());
  const bareUrl = `${bare.baseUrl}/v1_1/demo/image/upload`;
  if (WARMUP > 0) await uploadAll({ count: WARMUP, prefix: 'bare-warm', uploadUrl: bareUrl, auth, receiverUrl: receiver.url, photo, arrivals });
  const floorCpuBefore = await threadCpu();
  const floor = await uploadAll({ count: UPLOADS, prefix: 'bare', uploadUrl: bareUrl, auth, receiverUrl: receiver.url, photo, arrivals });
  const floorCpu = threadCpuSince(await threadCpu(), floorCpuBefore);
  if (floor.failures.length > 0) throw new Error(`bare pipeline failed: ${floor.failures[0]}`);
  const floorRate = derivationsPerSecond(floor);
  await bare.close();

  await pause(SETTLE_MS);
  const errors = new ErrorTally();
  if (WARMUP > 0) {
    const warm = await uploadAll({ count: WARMUP, prefix: 'warm', uploadUrl, auth, receiverUrl: receiver.url, photo, arrivals });
    if (warm.failures.length > 0) throw new Error(`warm-up failed: ${warm.failures[0]}`);
  }
  const cpuBefore = await threadCpu();
  const run = await profiled('eager-throughput', () =>
    uploadAll({ count: UPLOADS, prefix: 'run', uploadUrl, auth, receiverUrl: receiver.url, photo, arrivals }),
  );
  const cpuSpent = threadCpuSince(await threadCpu(), cpuBefore);
  for (const failure of run.failures) errors.add(failure);

  const ok = run.delivered.length;
  if (ok === 0) throw new Error(`no eager notification arrived: ${errors.first}`);
  const elapsedMs = run.lastArrival - run.start;
  // Printed last: where Rendition's run spent the CPU (this process holds the API, the worker and the client).
  const cpuReport = `CPU time during Rendition's measured run, per thread kind (bench/lib/thread-cpu.ts):\n${formatThreadCpu(cpuSpent, elapsedMs / 1000)}`;
  const rendRate = derivationsPerSecond(run);
  const perUpload = sortedCopy(run.delivered);
  console.log(
    table([
      ['measure', 'derivations/s', 'seconds', 'count'],
      ['rendition: first upload sent -> last eager notification', fixed(rendRate, 2), fixed(elapsedMs / 1000, 2), String(ok)],
      [`raw sharp: decode + resize + encode, ${parallelism} at a time`, fixed(raw.rate, 2), fixed(raw.elapsedMs / 1000, 2), String(raw.ops)],
      [
        `floor: bare HTTP upload -> sharp -> notification, ${parallelism} at a time`,
        fixed(floorRate, 2),
        fixed((floor.lastArrival - floor.start) / 1000, 2),
        String(floor.delivered.length),
      ],
    ]),
  );
  console.log(
    `rendition: all ${UPLOADS} uploads accepted ${fixed((run.acceptedAll - run.start) / 1000, 2)} s after the first was sent; ` +
      `upload sent -> its eager notification p50 ${fixed(percentile(perUpload, 50) / 1000, 2)} s, p99 ${fixed(percentile(perUpload, 99) / 1000, 2)} s`,
  );
  console.log(errors.summary());
  const ratio = rendRate / raw.rate;
  console.log(`ratio rendition derivations/s ÷ raw sharp ops/s = ${fixed(ratio, 3)} (goal >= ${GOAL}: ${ratio >= GOAL ? 'met' : 'NOT met'})`);
  console.log(
    `for context: floor ÷ raw sharp = ${fixed(floorRate / raw.rate, 3)} (the most any HTTP service reaches here with this client); ` +
      `rendition ÷ floor = ${fixed(rendRate / floorRate, 3)}`,
  );
  console.log(cpuReport);
  console.log(
    `CPU per upload, floor against Rendition (ms; both runs of ${UPLOADS} uploads, the client's share in both):\n${formatCpuPerUnit(
      [
        ['floor', floorCpu],
        ['rendition', cpuSpent],
      ],
      UPLOADS,
    )}`,
  );
}

/** `ops` runs of `work`, `parallelism` at a time, after one warm-up run per lane; ops per second. */
async function throughput(
  parallelism: number,
  ops: number,
  work: (i: number) => Promise<void>,
): Promise<{ rate: number; elapsedMs: number; ops: number }> {
  await Promise.all(Array.from({ length: parallelism }, (_, lane) => work(-1 - lane)));
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallelism }, async () => {
      while (next < ops) await work(next++);
    }),
  );
  const elapsedMs = performance.now() - start;
  return { rate: ops / (elapsedMs / 1000), elapsedMs, ops };
}

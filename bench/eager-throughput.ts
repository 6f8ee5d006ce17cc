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
import { request } from 'undici';
import { fixturePath } from '@rendition/testing';
import { startBareEagerServer, sharpDerive } from './lib/bare-eager-server.ts';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { multipartBody } from './lib/multipart.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { ErrorTally, fixed, percentile, sortedCopy, table } from './lib/stats.ts';
import { startArrivalReceiver, type Arrivals } from './lib/webhook-arrivals.ts';

const UPLOADS = envInt('BENCH_UPLOADS', 120, 10, 1_000);
const WARMUP = envInt('BENCH_WARMUP_UPLOADS', 4, 0, 50);
const CLIENT_CONCURRENCY = envInt('BENCH_CONCURRENCY', 4, 1, 64);
const REFERENCE_OPS = envInt('BENCH_REFERENCE_OPS', 120, 10, 2_000);
const NOTIFICATION_TIMEOUT_MS = 60_000;
const SETTLE_MS = 2_000;
const GOAL = 0.85;

/** sharp's own benchmark: its 2725x2225 JPEG resized to 720x588, JPEG quality 80. */
const SOURCE = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const WIDTH = 720;
const HEIGHT = 588;
const EAGER = `c_fill,w_${WIDTH},h_${HEIGHT},q_80`;

await runBench('eager-throughput', main);

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
  const floor = await uploadAll({ count: UPLOADS, prefix: 'bare', uploadUrl: bareUrl, auth, receiverUrl: receiver.url, photo, arrivals });
  if (floor.failures.length > 0) throw new Error(`bare pipeline failed: ${floor.failures[0]}`);
  const floorRate = floor.delivered.length / ((floor.lastArrival - floor.start) / 1000);
  await bare.close();

  await pause(SETTLE_MS);
  const errors = new ErrorTally();
  if (WARMUP > 0) {
    const warm = await uploadAll({ count: WARMUP, prefix: 'warm', uploadUrl, auth, receiverUrl: receiver.url, photo, arrivals });
    if (warm.failures.length > 0) throw new Error(`warm-up failed: ${warm.failures[0]}`);
  }
  const run = await uploadAll({ count: UPLOADS, prefix: 'run', uploadUrl, auth, receiverUrl: receiver.url, photo, arrivals });
  for (const failure of run.failures) errors.add(failure);

  const ok = run.delivered.length;
  if (ok === 0) throw new Error(`no eager notification arrived: ${errors.first}`);
  const elapsedMs = run.lastArrival - run.start;
  const rendRate = ok / (elapsedMs / 1000);
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
}

interface UploadRun {
  start: number;
  acceptedAll: number;
  lastArrival: number;
  /** Upload sent -> its notification read, in ms, for every upload that got a correct one. */
  delivered: number[];
  failures: string[];
}

/**
 * Sends `count` uploads by CLIENT_CONCURRENCY loops and waits for every eager notification (or the
 * timeout). Each upload has an eager_notification_url of its own, `/<prefix>/<i>`.
 */
async function uploadAll(options: {
  count: number;
  prefix: string;
  uploadUrl: string;
  auth: string;
  receiverUrl: string;
  photo: Buffer;
  arrivals: Arrivals;
}): Promise<UploadRun> {
  const { count, prefix, uploadUrl, auth, receiverUrl, photo, arrivals } = options;
  const failures: string[] = [];
  const delivered: number[] = [];
  const notified: Array<Promise<void>> = [];
  let lastArrival = 0;
  let next = 0;
  const start = performance.now();

  const one = async (i: number): Promise<void> => {
    const path = `/${prefix}/${i}`;
    const { body, contentType } = multipartBody(
      [
        ['async', 'true'],
        ['eager', EAGER],
        ['eager_async', 'true'],
        ['eager_notification_url', `${receiverUrl}${path}`],
      ],
      { name: 'file', filename: 'photo.jpg', type: 'image/jpeg', bytes: photo },
    );
    const arrival = new Promise<{ at: number; body: string }>((resolve) => arrivals.set(path, (at, text) => resolve({ at, body: text })));
    const sent = performance.now();
    const response = await request(uploadUrl, { method: 'POST', headers: { 'content-type': contentType, authorization: auth }, body });
    const answer = await response.body.text();
    if (response.statusCode !== 200 || !answer.includes('"status":"pending"')) {
      arrivals.delete(path);
      throw new Error(`upload ${path}: HTTP ${response.statusCode}: ${answer.slice(0, 200)}`);
    }
    notified.push(
      arrival.then(({ at, body: text }) => {
        arrivals.delete(path);
        const payload = JSON.parse(text) as { notification_type?: string; eager?: Array<{ width?: number; height?: number; format?: string }> };
        const item = payload.eager?.[0];
        if (
          payload.notification_type !== 'eager' ||
          payload.eager?.length !== 1 ||
          item?.width !== WIDTH ||
          item.height !== HEIGHT ||
          item.format !== 'jpg'
        ) {
          failures.push(`unexpected notification on ${path}: ${text.slice(0, 300)}`);
          return;
        }
        delivered.push(at - sent);
        lastArrival = Math.max(lastArrival, at);
      }),
    );
  };
  await Promise.all(
    Array.from({ length: Math.min(CLIENT_CONCURRENCY, count) }, async () => {
      while (next < count) {
        await one(next++).catch((error: unknown) => {
          failures.push(error instanceof Error ? error.message : String(error));
        });
      }
    }),
  );
  const acceptedAll = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), NOTIFICATION_TIMEOUT_MS);
  });
  const outcome = await Promise.race([Promise.all(notified), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    const missing = [...arrivals.keys()].filter((path) => path.startsWith(`/${prefix}/`));
    failures.push(`${missing.length} eager notification(s) not received within ${NOTIFICATION_TIMEOUT_MS / 1000} s (first: ${missing[0]})`);
    for (const path of missing) arrivals.delete(path);
  }
  return { start, acceptedAll, lastArrival, delivered, failures };
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

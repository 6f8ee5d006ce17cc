/**
 * Analysis on upload (issue 14): synchronous uploads per second of a photo with
 * `colors,phash,quality_analysis` against the same uploads without analysis, through a whole
 * Rendition (API and workers in this process), runs bracketed without / with / without in the same
 * run; beside, the in-process cost of analyzeImage on the same file against sharp's full decode of
 * it. See bench/README.md.
 */
import { readdir, readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import sharp from 'sharp';
import { request } from 'undici';
import { analyzeImage, ANALYSIS_SIZE, probeImage, type ImageLimits } from '@rendition/media';
import { fixturePath } from '@rendition/testing';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { CLOCK_TICKS, machineBusySeconds } from './lib/machine-cpu.ts';
import { multipartBody } from './lib/multipart.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { ErrorTally, fixed, percentile, sortedCopy, table } from './lib/stats.ts';

const CONCURRENCY = envInt('BENCH_CONCURRENCY', 4, 1, 64);
const DURATION_MS = envInt('BENCH_DURATION_MS', 15_000, 2_000, 20_000);
const WARMUP = envInt('BENCH_WARMUP_UPLOADS', 4, 0, 50);
const COST_RUNS = envInt('BENCH_COST_RUNS', 40, 3, 100);
const SETTLE_MS = 2_000;
const GOAL = 0.15;
/** Milliseconds per tick of /proc's CPU times. */
const TICK_MS = 1000 / CLOCK_TICKS;

/** sharp's own benchmark input, as in eager-throughput and delivery: a 2725x2225 (6 MP) photo. */
const SOURCE = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const ANALYSES: Array<[string, string]> = [
  ['colors', 'true'],
  ['phash', 'true'],
  ['quality_analysis', 'true'],
];
/** Fields each analysis run's answer must carry (and a plain run's must not). */
const ANALYSIS_FIELDS = ['colors', 'phash', 'quality_analysis'];

await runBench('analysis', main);

async function main(cleanup: Cleanup): Promise<void> {
  const photo = await readFile(SOURCE);
  const source = await sharp(photo).metadata();

  const rendition = await startBenchCluster({}, ['api', 'worker']);
  cleanup.add('rendition', () => rendition.stop());
  const auth = basicAuthHeader(rendition.credentials);
  const uploadUrl = `${rendition.baseUrl}/v1_1/demo/image/upload`;
  const limits: ImageLimits = { maxInputPixels: rendition.config.limits.maxImagePixels, timeoutSeconds: rendition.config.limits.imageTimeoutSeconds };

  console.log(
    `analysis: ${cpus().length} CPU(s), Node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}, ` +
      `${sharp.concurrency()} thread(s) per image, cache ${sharp.cache().files.max === 0 && sharp.cache().items.max === 0 ? 'off' : 'on'})\n` +
      `  source: ${basename(SOURCE)} (${source.width}x${source.height} JPEG, ${fixed((source.width! * source.height!) / 1e6, 2)} MP, ${photo.length} bytes)\n` +
      `  uploads: synchronous multipart uploads (Basic auth) by ${CONCURRENCY} concurrent clients for ${DURATION_MS / 1000} s per run, ` +
      `after ${WARMUP} warm-up uploads of each kind; API + worker in this process (ingest concurrency ${rendition.config.worker.concurrency.ingest}), file storage\n` +
      `  runs: without analysis, with ${ANALYSES.map(([name]) => `${name}=true`).join('&')}, without again (the two plain runs bracket drift)`,
  );

  // In-process cost first: on the quiet machine, with the sharp settings the worker set at boot.
  const cost = {
    probe: await measure(() => probeImage(SOURCE, limits)),
    full: await measure(() => sharp(SOURCE).raw().toBuffer()),
    analysisDecode: await measure(() =>
      sharp(SOURCE, { failOn: 'error', limitInputPixels: limits.maxInputPixels })
        .autoOrient()
        .resize({ width: ANALYSIS_SIZE, height: ANALYSIS_SIZE, fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer(),
    ),
    analyze: await measure(() => analyzeImage(SOURCE, { colors: true, phash: true, quality: true, accessibility: false }, limits)),
  };
  const costRow = (work: string, { wall, cpu, main }: Cost): string[] => [
    work,
    fixed(wall, 1),
    fixed(wall / cost.full.wall, 2),
    fixed(cpu, 1),
    fixed(main, 1),
  ];
  console.log(
    `in-process cost (wall: median of ${COST_RUNS} after 3 warm-ups, one at a time; CPU: mean per run of the process and of its main thread):\n` +
      table([
        ['work', 'wall ms', '÷ full decode', 'CPU ms', 'main-thread CPU ms'],
        costRow("probeImage (a plain upload's header + verification decode; an analysed still image skips the latter)", cost.probe),
        costRow('sharp(path).raw().toBuffer() (full decode)', cost.full),
        costRow(`analysis decode alone (shrink-on-load to ${ANALYSIS_SIZE}, RGBA; decodeForAnalysis's pipeline)`, cost.analysisDecode),
        costRow('analyzeImage colors + phash + quality', cost.analyze),
      ]),
  );

  if (WARMUP > 0) {
    for (const fields of [[], ANALYSES]) {
      const warm = await uploadFor({ uploadUrl, auth, photo, fields, count: WARMUP });
      if (warm.errors.count > 0) throw new Error(`warm-up failed: ${warm.errors.first}`);
    }
  }

  const runs: Array<{ label: string; result: RunResult }> = [];
  for (const [label, fields] of [
    ['without analysis', []],
    ['with colors,phash,quality_analysis', ANALYSES],
    ['without analysis (again)', []],
  ] as const) {
    await pause(SETTLE_MS);
    const result = await uploadFor({ uploadUrl, auth, photo, fields, durationMs: DURATION_MS });
    if (result.uploads === 0) throw new Error(`${label}: no upload succeeded: ${result.errors.first}`);
    runs.push({ label, result });
  }

  console.log(
    table([
      ['run', 'uploads/s', 'p50 ms', 'p99 ms', 'uploads', 'errors', 'loop delay mean/p99/max ms', 'GC pause ms/upload'],
      ...runs.map(({ label, result }) => {
        const latencies = sortedCopy(result.latenciesMs);
        return [
          label,
          fixed(rate(result), 2),
          fixed(percentile(latencies, 50), 0),
          fixed(percentile(latencies, 99), 0),
          String(result.uploads),
          String(result.errors.count),
          `${fixed(result.loopDelay.mean, 2)} / ${fixed(result.loopDelay.p99, 1)} / ${fixed(result.loopDelay.max, 1)}`,
          fixed(result.gcMs / result.uploads, 2),
        ];
      }),
    ]),
  );
  for (const { label, result } of runs) if (result.errors.first) console.log(`first error (${label}): ${result.errors.first}`);

  const [before, withAnalysis, after] = runs.map(({ result }) => rate(result)) as [number, number, number];
  const without = (before + after) / 2;
  const overhead = 1 - withAnalysis / without;
  console.log(
    `overhead = 1 − with ÷ mean(without) = 1 − ${fixed(withAnalysis, 2)} ÷ ${fixed(without, 2)} = ${fixed(overhead * 100, 1)} % ` +
      `(goal <= ${GOAL * 100} %: ${overhead <= GOAL ? 'met' : 'NOT met'}); against each plain run: ` +
      `${fixed((1 - withAnalysis / before) * 100, 1)} % and ${fixed((1 - withAnalysis / after) * 100, 1)} % ` +
      `(the plain runs differ by ${fixed((Math.abs(before - after) / without) * 100, 1)} %)`,
  );

  // Where the time goes: CPU per upload by thread of this process, and the rest of the machine.
  const perUpload = (result: RunResult, ms: number): string => fixed(ms / result.uploads, 1);
  const busy = (result: RunResult, ms: number): string => fixed(ms / result.elapsedMs, 2);
  console.log(
    'CPU per upload (ms), and in cores over the run (busy):\n' +
      table([
        ['run', 'main thread', 'busy', 'libuv pool', 'libvips + other threads', 'V8 workers', 'process', 'busy', 'rest of machine', 'busy'],
        ...runs.map(({ label, result }) => {
          const { main, pool, v8, total, other } = result.cpu;
          return [
            label,
            perUpload(result, main),
            busy(result, main),
            perUpload(result, pool),
            perUpload(result, total - main - pool - v8),
            perUpload(result, v8),
            perUpload(result, total),
            busy(result, total),
            perUpload(result, other),
            busy(result, other),
          ];
        }),
      ]),
  );
  console.log(
    "(main thread: JavaScript (API, worker, client, the analyses' pixel code) and the event loop; libuv pool: sharp's pipelines " +
      'are started there, file copies, fsync; libvips: its own workers (and threads that ended during the run); V8 workers: GC and compilation; ' +
      'rest of machine: PostgreSQL and Redis serving the bench, and anything else: when it differs much between the runs, other work competed)',
  );
  const [plainA, analysed, plainB] = runs.map(({ result }) => result) as [RunResult, RunResult, RunResult];
  const added = (of: (result: RunResult) => number): string =>
    fixed(of(analysed) / analysed.uploads - (of(plainA) / plainA.uploads + of(plainB) / plainB.uploads) / 2, 1);
  console.log(
    `per upload, analysis adds ${added((result) => result.cpu.total)} ms of process CPU: main thread ${added((result) => result.cpu.main)} ms ` +
      `(GC pauses ${added((result) => result.gcMs)} ms of it), V8 workers ${added((result) => result.cpu.v8)} ms, ` +
      `libvips + other threads ${added((result) => result.cpu.total - result.cpu.main - result.cpu.pool - result.cpu.v8)} ms ` +
      `(the analysis decode replaces the verification decode of a still image); analyzeImage alone: ${fixed(cost.analyze.cpu, 1)} ms CPU, ` +
      `${fixed(cost.analyze.main, 1)} ms of it on the main thread, which every upload in flight shares`,
  );
}

interface RunResult {
  uploads: number;
  elapsedMs: number;
  latenciesMs: number[];
  /** How late the main thread's event loop ran timers (ms): it is shared by every upload in flight. */
  loopDelay: { mean: number; p99: number; max: number };
  /** V8 GC pauses of the main thread over the run (ms). */
  gcMs: number;
  cpu: RunCpu;
  errors: ErrorTally;
}

function rate(result: RunResult): number {
  return result.uploads / (result.elapsedMs / 1000);
}

/**
 * CONCURRENCY closed loops of synchronous uploads, each sending its next upload when the previous
 * one was answered, for `durationMs` (then the uploads in flight finish and count) or `count`
 * uploads in all. Every answer is checked: 200, an image of the source's size, and the analysis
 * fields present exactly when asked for (a missing one on the first answer fails the bench).
 */
async function uploadFor(options: {
  uploadUrl: string;
  auth: string;
  photo: Buffer;
  fields: ReadonlyArray<readonly [string, string]>;
  durationMs?: number;
  count?: number;
}): Promise<RunResult> {
  const { uploadUrl, auth, photo, fields, durationMs, count } = options;
  const analysed = fields.length > 0;
  const { body, contentType } = multipartBody(
    fields.map(([name, value]) => [name, value]),
    { name: 'file', filename: 'photo.jpg', type: 'image/jpeg', bytes: photo },
  );
  const errors = new ErrorTally();
  const latenciesMs: number[] = [];
  let sent = 0;
  let checkedFirst = false;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcMs += entry.duration;
  });
  gc.observe({ entryTypes: ['gc'] });
  loop.enable();
  const cpuStart = await cpuSample();
  const start = performance.now();
  const end = start + (durationMs ?? Number.POSITIVE_INFINITY);
  const more = (): boolean => (count === undefined ? performance.now() < end : sent < count);

  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (more()) {
        sent += 1;
        const began = performance.now();
        try {
          const response = await request(uploadUrl, { method: 'POST', headers: { 'content-type': contentType, authorization: auth }, body });
          const text = await response.body.text();
          if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
          const answer = JSON.parse(text) as Record<string, unknown>;
          const missing = ANALYSIS_FIELDS.filter((name) => answer[name] === undefined);
          if (!checkedFirst && analysed) {
            checkedFirst = true;
            if (missing.length > 0) {
              console.error(`analysis: the first answer of an analysis run lacks ${missing.join(', ')}: ${text.slice(0, 500)}`);
              throw new FatalCheck(`the first analysis answer lacks ${missing.join(', ')}`);
            }
          }
          if (analysed && missing.length > 0) throw new Error(`answer without ${missing.join(', ')}: ${text.slice(0, 200)}`);
          if (!analysed && missing.length < ANALYSIS_FIELDS.length) throw new Error(`plain upload answered analysis fields: ${text.slice(0, 200)}`);
          if (typeof answer.width !== 'number' || typeof answer.public_id !== 'string') throw new Error(`unexpected answer: ${text.slice(0, 200)}`);
          latenciesMs.push(performance.now() - began);
        } catch (error) {
          if (error instanceof FatalCheck) throw error;
          errors.add(error);
        }
      }
    }),
  );
  const elapsedMs = performance.now() - start;
  const cpuEnd = await cpuSample();
  loop.disable();
  gc.disconnect();
  const loopDelay = { mean: loop.mean / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
  const cpu = Object.fromEntries(
    Object.keys(cpuEnd).map((key) => [key, cpuEnd[key as keyof RunCpu] - cpuStart[key as keyof RunCpu]]),
  ) as unknown as RunCpu;
  return { uploads: latenciesMs.length, elapsedMs, latenciesMs, loopDelay, gcMs, cpu, errors };
}

class FatalCheck extends Error {}

/** CPU ms (user + system) so far; threads that ended are in `total` only. */
interface RunCpu {
  /** This process's main thread (the event loop). */
  main: number;
  /** libuv's thread pool (`libuv-worker`). */
  pool: number;
  /** V8's platform workers (`V8Worker`: GC, compilation). */
  v8: number;
  /** The whole process, every thread. */
  total: number;
  /** The rest of the machine: every core's busy time (/proc/stat) less this process. */
  other: number;
}

/** Reads this process's threads (/proc/self/task) and the machine's busy time (/proc/stat); NaNs off Linux. */
async function cpuSample(): Promise<RunCpu> {
  const usage = process.cpuUsage();
  const total = (usage.user + usage.system) / 1000;
  const sample: RunCpu = { main: 0, pool: 0, v8: 0, total, other: Number.NaN };
  try {
    for (const tid of await readdir('/proc/self/task')) {
      const [comm, stat] = await Promise.all([
        readFile(`/proc/self/task/${tid}/comm`, 'utf8').catch(() => ''),
        readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => ''),
      ]);
      if (stat === '') continue; // ended meanwhile
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      if (Number(tid) === process.pid) sample.main += ms;
      else if (comm.trim() === 'libuv-worker') sample.pool += ms;
      else if (comm.trim() === 'V8Worker') sample.v8 += ms;
    }
    sample.other = (await machineBusySeconds()) * 1000 - total;
  } catch {
    return { main: Number.NaN, pool: Number.NaN, v8: Number.NaN, total, other: Number.NaN };
  }
  return sample;
}

interface Cost {
  /** Median wall ms. */
  wall: number;
  /** Mean CPU ms per run: the whole process, and its main thread (the cluster idles meanwhile). */
  cpu: number;
  main: number;
}

/** `work` COST_RUNS times, one at a time, after 3 warm-up runs. */
async function measure(work: () => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < 3; i++) await work();
  const samples: number[] = [];
  const before = await cpuSample();
  for (let i = 0; i < COST_RUNS; i++) {
    const began = performance.now();
    await work();
    samples.push(performance.now() - began);
  }
  const after = await cpuSample();
  return { wall: percentile(sortedCopy(samples), 50), cpu: (after.total - before.total) / COST_RUNS, main: (after.main - before.main) / COST_RUNS };
}

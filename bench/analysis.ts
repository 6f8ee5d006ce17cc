/**
 * Analysis on upload (issue 14): synchronous uploads per second of a photo with
 * `colors,phash,quality_analysis` against the same uploads without analysis, through a whole
 * Rendition (API and workers in this process), runs bracketed without / with / without in the same
 * run; beside, the in-process cost of analyzeImage on the same file against sharp's full decode of
 * it. See bench/README.md.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { request } from 'undici';
import { analyzeImage, ANALYSIS_SIZE, probeImage, type ImageLimits } from '@rendition/media';
import { fixturePath } from '@rendition/testing';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { multipartBody } from './lib/multipart.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { ErrorTally, fixed, percentile, sortedCopy, table } from './lib/stats.ts';

const CONCURRENCY = envInt('BENCH_CONCURRENCY', 4, 1, 64);
const DURATION_MS = envInt('BENCH_DURATION_MS', 15_000, 2_000, 20_000);
const WARMUP = envInt('BENCH_WARMUP_UPLOADS', 4, 0, 50);
const COST_RUNS = envInt('BENCH_COST_RUNS', 15, 3, 200);
const SETTLE_MS = 2_000;
const GOAL = 0.15;

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
    probe: await median(() => probeImage(SOURCE, limits)),
    full: await median(() => sharp(SOURCE).raw().toBuffer()),
    analysisDecode: await median(() =>
      sharp(SOURCE, { failOn: 'error', limitInputPixels: limits.maxInputPixels })
        .autoOrient()
        .resize({ width: ANALYSIS_SIZE, height: ANALYSIS_SIZE, fit: 'inside', withoutEnlargement: true })
        .toColourspace('srgb')
        .ensureAlpha()
        .raw({ depth: 'uchar' })
        .toBuffer(),
    ),
    analyze: await median(() => analyzeImage(SOURCE, { colors: true, phash: true, quality: true, accessibility: false }, limits)),
  };
  console.log(
    `in-process cost (median of ${COST_RUNS} after 3 warm-ups, one at a time):\n` +
      table([
        ['work', 'ms', '÷ full decode'],
        ["probeImage (the ingest's header + verification decode)", fixed(cost.probe, 1), fixed(cost.probe / cost.full, 2)],
        ['sharp(path).raw().toBuffer() (full decode)', fixed(cost.full, 1), '1.00'],
        [
          `analysis decode alone (shrink-on-load to ${ANALYSIS_SIZE}, RGBA; decodeForAnalysis's pipeline)`,
          fixed(cost.analysisDecode, 1),
          fixed(cost.analysisDecode / cost.full, 2),
        ],
        ['analyzeImage colors + phash + quality', fixed(cost.analyze, 1), fixed(cost.analyze / cost.full, 2)],
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
      ['run', 'uploads/s', 'p50 ms', 'p99 ms', 'CPU ms/upload', 'other CPU, cores', 'uploads', 'errors'],
      ...runs.map(({ label, result }) => {
        const latencies = sortedCopy(result.latenciesMs);
        return [
          label,
          fixed(rate(result), 2),
          fixed(percentile(latencies, 50), 0),
          fixed(percentile(latencies, 99), 0),
          fixed(result.cpuMs / result.uploads, 1),
          fixed(result.otherCpuMs / result.elapsedMs, 2),
          String(result.uploads),
          String(result.errors.count),
        ];
      }),
    ]),
  );
  for (const { label, result } of runs) if (result.errors.first) console.log(`first error (${label}): ${result.errors.first}`);
  console.log(
    '(CPU ms/upload: user + system CPU of this process, all its threads (API, worker, libvips, the client), per upload; ' +
      'other CPU: the rest of the machine (PostgreSQL and Redis serving the bench, and anything else), in cores over the run; ' +
      'when it differs much between the runs, other work competed and the ratio is not to be trusted)',
  );

  const [before, withAnalysis, after] = runs.map(({ result }) => rate(result)) as [number, number, number];
  const without = (before + after) / 2;
  const overhead = 1 - withAnalysis / without;
  console.log(
    `overhead = 1 − with ÷ mean(without) = 1 − ${fixed(withAnalysis, 2)} ÷ ${fixed(without, 2)} = ${fixed(overhead * 100, 1)} % ` +
      `(goal <= ${GOAL * 100} %: ${overhead <= GOAL ? 'met' : 'NOT met'}); against each plain run: ` +
      `${fixed((1 - withAnalysis / before) * 100, 1)} % and ${fixed((1 - withAnalysis / after) * 100, 1)} % ` +
      `(the plain runs differ by ${fixed((Math.abs(before - after) / without) * 100, 1)} %)`,
  );
  // Where a saturated machine's time goes: CPU per upload, this process and the rest of the machine.
  const cpuPerUpload = (result: RunResult) => ({ own: result.cpuMs / result.uploads, other: result.otherCpuMs / result.uploads });
  const [plainA, analysed, plainB] = runs.map(({ result }) => cpuPerUpload(result)) as [CpuPerUpload, CpuPerUpload, CpuPerUpload];
  const plainOwn = (plainA.own + plainB.own) / 2;
  const plainAll = plainOwn + (plainA.other + plainB.other) / 2;
  const added = analysed.own - plainOwn;
  console.log(
    `for context: analyzeImage alone costs ${fixed(cost.analyze, 1)} ms (one at a time); the analysis run used ${fixed(added, 1)} ms more CPU ` +
      `per upload in this process than the plain runs' mean (${fixed(analysed.own, 1)} against ${fixed(plainOwn, 1)} ms), ` +
      `${fixed((added / (plainAll + added)) * 100, 1)} % of an analysed upload's CPU on the whole machine (${fixed(plainAll + added, 1)} ms): ` +
      `the overhead to expect where the CPU is the bottleneck`,
  );
}

interface CpuPerUpload {
  own: number;
  other: number;
}

interface RunResult {
  uploads: number;
  elapsedMs: number;
  latenciesMs: number[];
  /** User + system CPU of this process over the run. */
  cpuMs: number;
  /** Busy CPU of the rest of the machine over the run (/proc/stat less this process). */
  otherCpuMs: number;
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
  const cpuStart = process.cpuUsage();
  const machineStart = await machineBusyMs();
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
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const otherCpuMs = (await machineBusyMs()) - machineStart - cpuMs;
  return { uploads: latenciesMs.length, elapsedMs, latenciesMs, cpuMs, otherCpuMs, errors };
}

class FatalCheck extends Error {}

/** Busy CPU ms of the whole machine so far (every core), from /proc/stat (USER_HZ = 100); NaN off Linux. */
async function machineBusyMs(): Promise<number> {
  try {
    const [user, nice, system, , , irq, softirq, steal] = (await readFile('/proc/stat', 'utf8'))
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * 10;
  } catch {
    return Number.NaN;
  }
}

/** Median wall time of COST_RUNS runs of `work`, one at a time, after 3 warm-up runs. */
async function median(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < COST_RUNS; i++) {
    const began = performance.now();
    await work();
    samples.push(performance.now() - began);
  }
  return percentile(sortedCopy(samples), 50);
}

/**
 * Video: wall time of an eager transcode through the whole pipeline (async upload of a generated 1080p
 * H.264 clip with two eager items, `eager_async=true`, timed to the eager notification) against the
 * same ffmpeg argument arrays run directly by the CLI in the same run; and the first-hit latency of a
 * thumbnail URL (`so_<n>,w_320/<id>.jpg`) against the frame extraction and the image executor alone.
 * In `npm run bench` (last, 1–2 minutes on 2 cores); alone: `node bench/video-eager.ts`. See bench/README.md.
 */
import { execFile, spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { request } from 'undici';
import { videoRecipeLimits, videoSourceOf } from '@rendition/derivations';
import { demuxerForFormat, detectMediaType, executeImagePlan, probeArgs, probeVideo, recipeArgs, videoSource, type VideoFacts } from '@rendition/media';
import type { OutputFormat } from '@rendition/protocol';
import { canonicalString, parseTransformation, videoRecipe, type VideoRecipe } from '@rendition/transform';
import { basicAuthHeader, startBenchCluster, type BenchCluster } from './lib/bench-cluster.ts';
import { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { CLOCK_TICKS, machineBusySeconds, processCpuSeconds } from './lib/machine-cpu.ts';
import { multipartBody } from './lib/multipart.ts';
import { pool } from './lib/pool.ts';
import { pause, scratchDirectory } from './lib/run-bench.ts';
import { fixed, table } from './lib/stats.ts';
import { startArrivalReceiver, type Arrivals } from './lib/webhook-arrivals.ts';

const SECONDS = envInt('BENCH_VIDEO_SECONDS', 20, 8, 60);
const THUMBNAILS = envInt('BENCH_VIDEO_THUMBNAILS', 3, 1, 3);
const GOAL = 1.05;
/** The issue's items: an H.264 MP4 and a WebM (VP9 + Opus by default), both 1280 wide. */
const EAGER = [
  { transformation: 'w_1280,c_scale,vc_h264,q_auto', format: 'mp4' },
  { transformation: 'w_1280,c_scale', format: 'webm' },
] as const;
const EAGER_PARAM = EAGER.map((item) => `${item.transformation}/${item.format}`).join('|');
/** Thumbnails at so_5, so_6, so_7 (distinct URLs, each a first hit). */
const THUMBNAIL_OFFSETS = [5, 6, 7].slice(0, THUMBNAILS);
const THUMBNAIL_WIDTH = 320;
/** How execute-video.ts reads each output back (its OUTPUT_DEMUXERS). */
const OUTPUT_DEMUXERS: Record<string, string> = { mp4: 'mov', webm: 'matroska' };
/** Clip generation, reference runs (twice), pipeline and thumbnails all fit with room to spare on 2 cores. */
const BOUND_MS = 90_000 + 7_500 * SECONDS;

const execFileAsync = promisify(execFile);
/** Reference processes still running: killed (their whole group) if the bench is stopped early. */
const running = new Set<number>();
const cleanup = new Cleanup('video-eager', BOUND_MS);
try {
  await main();
} finally {
  await cleanup.run();
}
process.exit(process.exitCode ?? 0);

/**
 * Runs `tool args` as the worker's runner does (ffmpeg-runner.ts): detached, so in a process group and
 * session of its own (with the kernel's autogroup scheduling, a session is also what the CPU is shared
 * between), stdout read and dropped, the end of stderr kept for an error; ms.
 */
async function runTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[]): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(tool, [...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) running.add(child.pid);
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (child.pid !== undefined) running.delete(child.pid);
      if (code === 0) resolve();
      else reject(new Error(`${tool} exited with ${code ?? signal}: ${stderr.trim()}`));
    });
  });
  return performance.now() - started;
}

function ffmpeg(args: readonly string[]): Promise<number> {
  return runTool('ffmpeg', args);
}

/** ffprobe with the executor's probe arguments (JSON on stdout, dropped). */
function ffprobe(path: string, demuxer: string | undefined): Promise<number> {
  return runTool('ffprobe', probeArgs(path, demuxer));
}

/** CPU seconds (user + system) of this process's reaped children so far, from /proc/self/stat (cutime + cstime); NaN off Linux. */
async function childrenCpuSeconds(): Promise<number> {
  try {
    const stat = await readFile('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command: state is field 3, so cutime (16) and cstime (17) are at indexes 13 and 14.
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds of the PostgreSQL backends serving `database` (found by their process title), per pid. */
async function databaseBackendSeconds(database: string): Promise<Map<number, number>> {
  const seconds = new Map<number, number>();
  const pids = (await readdir('/proc').catch(() => [])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    try {
      const title = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      if (!title.startsWith('postgres: ') || !title.includes(` ${database} `)) continue;
      seconds.set(Number(pid), await processCpuSeconds(Number(pid)));
    } catch {
      // the process ended meanwhile
    }
  }
  return seconds;
}

interface CpuCost {
  /** Every ffmpeg and ffprobe that ended meanwhile (the worker's and the reference's are both children of this process). */
  children: number;
  /** This process: Rendition's API and worker, the client, the receiver. */
  own: number;
  /** The PostgreSQL backends of this bench's database (a backend that ended meanwhile is not counted). */
  database: number;
  /** The rest of the machine: Redis, PostgreSQL's shared processes, and anything else running (noise). */
  other: number;
}

/** `work` with the CPU seconds it cost, split as in CpuCost; `database` names this bench's database. */
async function withCpu<T>(database: string, work: () => Promise<T>): Promise<{ result: T; cpu: CpuCost }> {
  const [childrenBefore, machineBefore, backendsBefore] = [
    await childrenCpuSeconds(),
    await machineBusySeconds(),
    await databaseBackendSeconds(database),
  ];
  const ownBefore = process.cpuUsage();
  const result = await work();
  const ownUsage = process.cpuUsage(ownBefore);
  const [children, machine] = [(await childrenCpuSeconds()) - childrenBefore, (await machineBusySeconds()) - machineBefore];
  let databaseSeconds = 0;
  for (const [pid, seconds] of await databaseBackendSeconds(database)) databaseSeconds += seconds - (backendsBefore.get(pid) ?? 0);
  const own = (ownUsage.user + ownUsage.system) / 1e6;
  return { result, cpu: { children, own, database: databaseSeconds, other: Math.max(0, machine - children - own - databaseSeconds) } };
}

function generateClip(path: string, seconds: number, size: string): Promise<number> {
  return ffmpeg([
    ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=25:duration=${seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k', '-shortest', '-movflags', '+faststart'],
    path,
  ]);
}

/** What derive-video.ts builds for one job: the recipe from the stored probe and the same limits, and its run options. */
function videoWork(
  bench: BenchCluster,
  facts: VideoFacts,
  transformation: string,
  format: string,
): { recipe: VideoRecipe; threads: number | undefined } {
  const { config } = bench;
  const { width = null, height = null, ...media } = facts;
  const sizeLimits = { maxDimension: config.limits.maxOutputDimension, maxPixels: config.limits.maxOutputPixels };
  const videoLimits = {
    maxSyncBytes: config.video.maxSyncBytes,
    maxPixels: config.video.maxPixels,
    maxFrameRate: config.video.maxFrameRate,
    maxBitRate: config.video.maxBitRate,
  };
  // The asset row keeps the probe without width/height (assets.media) and the size in its own columns.
  const asset = { width, height, media: JSON.parse(JSON.stringify(media)) as Record<string, unknown> };
  // The job carries the canonical transformation (intake's canonicalString of the parsed item).
  const plan = parseTransformation(canonicalString(parseTransformation(transformation)));
  const recipe = videoRecipe(plan, videoSourceOf(asset), format as OutputFormat, {
    limits: videoRecipeLimits(sizeLimits, videoLimits),
  });
  return { recipe, threads: config.video.threads > 0 ? config.video.threads : undefined };
}

interface ItemReference {
  ffmpegMs: number;
  probeMs: number;
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const scratch = await scratchDirectory(cleanup);
  cleanup.add('reference processes', async () => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });
  const clip = join(scratch, 'clip.mp4');
  const generationMs = await generateClip(clip, SECONDS, '1920x1080');
  const warmClip = join(scratch, 'warm.mp4');
  await generateClip(warmClip, 2, '320x180');
  const clipBytes = (await stat(clip)).size;

  // WORKER_CONCURRENCY_* reach the cluster through startBenchCluster; VIDEO_THREADS is passed here.
  const threadsEnv: Record<string, string> = process.env.VIDEO_THREADS === undefined ? {} : { VIDEO_THREADS: process.env.VIDEO_THREADS };
  const bench = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32', ...threadsEnv }, ['api', 'worker']);
  cleanup.add('rendition', () => bench.stop());
  const { url: receiverUrl, arrivals } = await startArrivalReceiver(cleanup);
  const auth = basicAuthHeader(bench.credentials);
  const { config } = bench;
  const videoConcurrency = config.worker.concurrency.video;

  // The facts ingest stores (probeVideo with the demuxer of the detected format) and what a derive job
  // passes to the executor: the same limits, threads and input demuxer.
  const detected = await detectMediaType(clip);
  if (detected === null) throw new Error('the generated clip was not recognised');
  const demuxer = demuxerForFormat(detected.format);
  const probeLimits = { maxDuration: config.video.maxDurationSeconds, maxPixels: config.video.maxPixels, maxFrameRate: config.video.maxFrameRate };
  const probeStarted = performance.now();
  const facts = await probeVideo(clip, { limits: probeLimits, demuxer, timeoutMs: config.video.timeoutMs });
  const inputProbeMs = performance.now() - probeStarted;
  // The executor builds the arguments from its own probe of the input (execute-video.ts: videoSource of readVideoFacts).
  const source = videoSource(facts);
  const items = EAGER.map((item, index) => {
    const { recipe, threads } = videoWork(bench, facts, item.transformation, item.format);
    const output = join(scratch, `eager-${index}.${item.format}`);
    return { ...item, output, args: recipeArgs(clip, output, recipe, { source, threads, inputDemuxer: demuxer }) };
  });

  console.log(
    `video-eager: ${cpus().length} CPU(s), Node ${process.version}, ${(await execFileAsync('ffmpeg', ['-version'])).stdout.split('\n')[0]}\n` +
      `  clip: testsrc2 1920x1080 25 fps ${SECONDS} s + 440 Hz sine (AAC), libx264 -preset veryfast, ${clipBytes} bytes, ` +
      `generated in ${fixed(generationMs / 1000, 1)} s (BENCH_VIDEO_SECONDS=${SECONDS})\n` +
      `  rendition: api + worker in this process, WORKER_CONCURRENCY_VIDEO=${videoConcurrency}, VIDEO_THREADS=${config.video.threads}` +
      `${config.video.threads === 0 ? ' (ffmpeg decides)' : ''}; one multipart upload, async=true, eager=${EAGER_PARAM}, eager_async=true, ` +
      `notification_url and eager_notification_url on loopback; timed from the request to the eager notification (after one warm-up ` +
      `upload of a 2 s 320x180 clip with the same eager list)\n` +
      `  reference: the same ffmpeg argument arrays (recipeArgs, recipes built as derive-video.ts does) run by the ffmpeg CLI, ` +
      `${videoConcurrency === 1 ? 'one after the other (video concurrency 1, as the worker runs them)' : `${videoConcurrency} at once (the worker's video concurrency)`}, ` +
      `each followed by the executor's ffprobe of its output; run before and after the pipeline\n` +
      `  hard bound ${Math.round(BOUND_MS / 1000)} s`,
  );

  const referenceRun = async (): Promise<{ totalMs: number; items: ItemReference[] }> => {
    const started = performance.now();
    const results = await pool<ItemReference>(
      items.map((item) => async (): Promise<ItemReference> => {
        const ffmpegMs = await ffmpeg(item.args);
        const probeMs = await ffprobe(item.output, OUTPUT_DEMUXERS[item.format]);
        return { ffmpegMs, probeMs };
      }),
      videoConcurrency,
    );
    return { totalMs: performance.now() - started, items: results };
  };

  // Warm-up: the pipeline's modules, the video queue, the notify path and a first delivery, on a small clip.
  await uploadAndWait({ bench, auth, receiverUrl, arrivals, file: await readFile(warmClip), publicId: 'bench-warm', prefix: 'warm' });
  await thumbnailHit(bench, 'bench-warm', 1);
  await thumbnailHit(bench, 'bench-warm', 1);

  await pause(2_000);
  const database = new URL(config.databaseUrl).pathname.slice(1);
  const { result: referenceBefore, cpu: cpuBefore } = await withCpu(database, referenceRun);
  await pause(2_000);
  const file = await readFile(clip);
  const { result: run, cpu: cpuRun } = await withCpu(database, () =>
    uploadAndWait({ bench, auth, receiverUrl, arrivals, file, publicId: 'bench-clip', prefix: 'run' }),
  );
  await pause(2_000);
  const { result: referenceAfter, cpu: cpuAfter } = await withCpu(database, referenceRun);

  const referenceMs = (referenceBefore.totalMs + referenceAfter.totalMs) / 2;
  const ratio = run.eagerMs / referenceMs;
  console.log(
    table([
      ['measure', 'wall s', 'CPU s: ffmpeg+ffprobe', 'this process', 'its PostgreSQL', 'rest of the machine'],
      [`rendition: upload request -> eager notification`, fixed(run.eagerMs / 1000, 2), ...cpuCells(cpuRun)],
      [
        `reference before the pipeline (${items.length} x ffmpeg + ffprobe of the output)`,
        fixed(referenceBefore.totalMs / 1000, 2),
        ...cpuCells(cpuBefore),
      ],
      [`reference after the pipeline`, fixed(referenceAfter.totalMs / 1000, 2), ...cpuCells(cpuAfter)],
    ]),
  );
  console.log(
    `ratio rendition ÷ reference (mean of the two) = ${fixed(ratio, 3)} (goal <= ${GOAL}: ${ratio <= GOAL ? 'met' : 'NOT met'}; ` +
      `÷ before ${fixed(run.eagerMs / referenceBefore.totalMs, 3)}, ÷ after ${fixed(run.eagerMs / referenceAfter.totalMs, 3)})`,
  );
  const spent = (cpu: CpuCost): number => cpu.children + cpu.own + cpu.database;
  console.log(
    `CPU (ffmpeg + ffprobe + this process + its PostgreSQL) rendition ÷ reference (mean) = ${fixed((2 * spent(cpuRun)) / (spent(cpuBefore) + spent(cpuAfter)), 3)}; ` +
      `"rest of the machine" (Redis, shared PostgreSQL processes, everything else) well above ~0.5 s in a phase means other work competed for the cores`,
  );
  console.log('reference per item (before / after), ms:');
  items.forEach((item, index) => {
    const [before, after] = [referenceBefore.items[index]!, referenceAfter.items[index]!];
    console.log(
      `  ${item.transformation}/${item.format}: ffmpeg ${fixed(before.ffmpegMs, 0)} / ${fixed(after.ffmpegMs, 0)}, ` +
        `ffprobe of the output ${fixed(before.probeMs, 0)} / ${fixed(after.probeMs, 0)}`,
    );
  });
  console.log(
    `not in the reference: one ffprobe of the input (ingest's probe of the upload; the executor's re-probe per job) = ${fixed(inputProbeMs, 0)} ms here`,
  );
  console.log('rendition timeline (s from the upload request; job times from the batch status API):');
  for (const line of run.timeline) console.log(`  ${line}`);

  // Thumbnails: distinct so_ offsets, each a first hit (a derive-video job: frame to PNG, then the image
  // executor), then the same URL again (served from storage).
  const hits: Array<{ offset: number; firstMs: number; secondMs: number }> = [];
  for (const offset of THUMBNAIL_OFFSETS) {
    const firstMs = await thumbnailHit(bench, 'bench-clip', offset);
    const secondMs = await thumbnailHit(bench, 'bench-clip', offset);
    hits.push({ offset, firstMs, secondMs });
  }
  const frameReferences: Array<{ ffmpegMs: number; imageMs: number }> = [];
  for (const offset of THUMBNAIL_OFFSETS) {
    const { recipe, threads } = videoWork(bench, facts, `so_${offset},w_${THUMBNAIL_WIDTH}`, 'jpg');
    if (recipe.output.kind !== 'frame') throw new Error(`so_${offset},w_${THUMBNAIL_WIDTH}.jpg is not a frame recipe`);
    const png = join(scratch, `frame-${offset}.png`);
    const ffmpegMs = await ffmpeg(recipeArgs(clip, png, recipe, { source, threads, inputDemuxer: demuxer }));
    const started = performance.now();
    const limits = {
      maxInputPixels: config.limits.maxImagePixels,
      timeoutSeconds: config.limits.imageTimeoutSeconds,
      maxDimension: config.limits.maxOutputDimension,
      maxOutputPixels: config.limits.maxOutputPixels,
    };
    await executeImagePlan(png, join(scratch, `thumb-${offset}.jpg`), recipe.output.imagePlan, { format: 'jpg', limits });
    frameReferences.push({ ffmpegMs, imageMs: performance.now() - started });
  }
  console.log(
    table([
      [
        `thumbnail so_<n>,w_${THUMBNAIL_WIDTH}/bench-clip.jpg`,
        'first hit ms',
        'second hit ms',
        'ref ffmpeg frame ms',
        'ref image executor ms',
        'first ÷ ref',
      ],
      ...hits.map((hit, index) => {
        const reference = frameReferences[index]!;
        const total = reference.ffmpegMs + reference.imageMs;
        return [
          `so_${hit.offset}`,
          fixed(hit.firstMs, 0),
          fixed(hit.secondMs, 1),
          fixed(reference.ffmpegMs, 0),
          fixed(reference.imageMs, 0),
          fixed(hit.firstMs / total, 2),
        ];
      }),
    ]),
  );
  console.log(
    `thumbnail reference: recipeArgs of the frame recipe (the frame as an RGB PNG at the source's size) by the ffmpeg CLI, then ` +
      `executeImagePlan (sharp, in this process) of its image plan to JPEG; the job's re-probe of the input and its copy of the original are not in it`,
  );
  console.log(`1-min load average: ${fixed(loadBefore, 2)} at start, ${fixed(loadavg()[0] ?? Number.NaN, 2)} at end (see bench/README.md)`);
}

/** One async upload with the eager list; waits for the upload and eager notifications; reads the batch status. */
async function uploadAndWait(options: {
  bench: BenchCluster;
  auth: string;
  receiverUrl: string;
  arrivals: Arrivals;
  file: Buffer;
  publicId: string;
  prefix: string;
}): Promise<{ eagerMs: number; timeline: string[] }> {
  const { bench, auth, receiverUrl, arrivals, file, publicId, prefix } = options;
  const uploadPath = `/${prefix}/upload`;
  const eagerPath = `/${prefix}/eager`;
  const waitFor = (path: string) => new Promise<{ at: number; body: string }>((resolve) => arrivals.set(path, (at, body) => resolve({ at, body })));
  const uploadNotified = waitFor(uploadPath);
  const eagerNotified = waitFor(eagerPath);
  const { body, contentType } = multipartBody(
    [
      ['public_id', publicId],
      ['async', 'true'],
      ['eager', EAGER_PARAM],
      ['eager_async', 'true'],
      ['notification_url', `${receiverUrl}${uploadPath}`],
      ['eager_notification_url', `${receiverUrl}${eagerPath}`],
    ],
    { name: 'file', filename: `${publicId}.mp4`, type: 'video/mp4', bytes: file },
  );
  const startedWall = Date.now();
  const started = performance.now();
  const response = await request(`${bench.baseUrl}/v1_1/${bench.cloud}/video/upload`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: auth },
    body,
  });
  const answer = await response.body.text();
  const answered = performance.now();
  if (response.statusCode !== 200 || !answer.includes('"status":"pending"'))
    throw new Error(`upload: HTTP ${response.statusCode}: ${answer.slice(0, 300)}`);
  const batchId = String((JSON.parse(answer) as { batch_id?: string }).batch_id);
  const upload = await uploadNotified;
  const eager = await eagerNotified;
  arrivals.delete(uploadPath);
  arrivals.delete(eagerPath);
  const payload = JSON.parse(eager.body) as { notification_type?: string; eager?: Array<{ width?: number; height?: number; format?: string }> };
  const ok =
    payload.notification_type === 'eager' &&
    payload.eager?.length === EAGER.length &&
    EAGER.every((item, index) => payload.eager?.[index]?.format === item.format && payload.eager[index]?.width === 1280);
  if (!ok) throw new Error(`unexpected eager notification: ${eager.body.slice(0, 500)}`);

  const status = await request(`${bench.baseUrl}/v1_1/${bench.cloud}/batches/${batchId}`, { headers: { authorization: auth } });
  const batch = (await status.body.json()) as {
    completed_at: string | null;
    jobs: Array<{ kind: string; queue: string; status: string; created_at: string; finished_at: string | null }>;
    notifications: Array<{ url: string; created_at: string; finished_at: string | null }>;
  };
  const at = (iso: string | null): number => (iso === null ? Number.NaN : (Date.parse(iso) - startedWall) / 1000);
  const timeline = [`intake answered (200 pending): ${fixed((answered - started) / 1000, 2)}`];
  const jobs = [...batch.jobs].sort((a, b) => at(a.finished_at) - at(b.finished_at));
  const sequential = bench.config.worker.concurrency.video === 1;
  let previousVideo = Number.NEGATIVE_INFINITY;
  for (const job of jobs) {
    // The status has no start time. At video concurrency 1 a video job starts when it was created or when
    // the previous one finished, whichever is later; otherwise created -> finished is an upper bound.
    const begin = job.queue === 'video' && sequential ? Math.max(at(job.created_at), previousVideo) : at(job.created_at);
    if (job.queue === 'video') previousVideo = at(job.finished_at);
    timeline.push(
      `${job.kind} (${job.queue}) ${job.status}: created ${fixed(at(job.created_at), 2)}, finished ${fixed(at(job.finished_at), 2)}, ` +
        `${begin === at(job.created_at) ? 'created -> finished' : 'previous video job finished -> finished'} ${fixed(at(job.finished_at) - begin, 2)} s`,
    );
  }
  timeline.push(`upload notification received: ${fixed((upload.at - started) / 1000, 2)}`);
  timeline.push(`batch completed: ${fixed(at(batch.completed_at), 2)}`);
  for (const notification of batch.notifications) {
    timeline.push(
      `notification to ${new URL(notification.url).pathname}: created ${fixed(at(notification.created_at), 2)}, delivered ${fixed(at(notification.finished_at), 2)}`,
    );
  }
  timeline.push(`eager notification received: ${fixed((eager.at - started) / 1000, 2)}`);
  return { eagerMs: eager.at - started, timeline };
}

function cpuCells(cpu: CpuCost): string[] {
  return [fixed(cpu.children, 2), fixed(cpu.own, 2), fixed(cpu.database, 2), fixed(cpu.other, 2)];
}

/** GET of `so_<offset>,w_320/<publicId>.jpg`, body read, checked; ms. */
async function thumbnailHit(bench: BenchCluster, publicId: string, offset: number): Promise<number> {
  const started = performance.now();
  const response = await request(`${bench.baseUrl}/${bench.cloud}/video/upload/so_${offset},w_${THUMBNAIL_WIDTH}/${publicId}.jpg`);
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const elapsed = performance.now() - started;
  if (response.statusCode !== 200)
    throw new Error(`thumbnail so_${offset} of ${publicId}: HTTP ${response.statusCode}: ${bytes.toString('utf8', 0, 300)}`);
  const meta = await sharp(bytes).metadata();
  if (meta.format !== 'jpeg' || meta.width !== THUMBNAIL_WIDTH) throw new Error(`thumbnail so_${offset}: ${meta.format} ${meta.width}x${meta.height}`);
  return elapsed;
}

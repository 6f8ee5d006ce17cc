import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisConnection } from '@rendition/jobs';
import { startWebhookReceiver, type WebhookReceiver } from '@rendition/testing';
import { waitUntil } from './support/resilience-harness.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';
import { spawnWorker, workerEnvironment, type WorkerProcess } from './support/worker-process.ts';

// SIGTERM in the middle of a transcode: the video worker's deadline aborts the job, which SIGKILLs
// ffmpeg's whole process group, hands the job back to the queue and exits 0; another worker then runs
// the job from the start, and the derivative is stored, recorded and notified once.
//
// Real processes: the API (with ingest, derive and notify workers) runs in this process; the `video`
// queue is served only by separate `rendition worker` processes, A (stopped mid-transcode) and then B.

const run = promisify(execFile);

const SHUTDOWN_TIMEOUT_MS = 1_500;
/** The source clip: long enough that one transcode with one thread takes several seconds on 2 cores. */
const SECONDS = 12;
const FPS = 25;
const EAGER = 'w_1280,h_720,c_fill,vc_h264,q_80/mp4';

let cluster: TestCluster;
let receiver: WebhookReceiver;
let work: string;
let source: string;
let scratch: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-video-shutdown-'));
  source = join(work, 'long.mp4');
  scratch = join(work, 'scratch');
  await mkdir(scratch);
  const generated = run('ffmpeg', [
    ...['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${FPS}:duration=${SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=44100:duration=${SECONDS}`],
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '28', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', '-y', source],
  ]);
  receiver = await startWebhookReceiver();
  // Every queue but `video` is served here: the upload is ingested and the notification delivered in
  // this process, while the transcode can only run in a worker process.
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32', WORKER_QUEUES: 'ingest,derive,notify,documents', WEBHOOK_SCHEDULE_SCALE: '0.001' }, [
    'api',
    'worker',
  ]);
  await generated;
}, 60_000);

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await Promise.all(workers.map((worker) => worker.exited));
  await cluster?.stop();
  await receiver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function startVideoWorker(): WorkerProcess {
  const worker = spawnWorker(
    workerEnvironment(cluster, cluster.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
      WORKER_QUEUES: 'video',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      VIDEO_THREADS: '1',
      TMPDIR: scratch,
    }),
  );
  workers.push(worker);
  return worker;
}

interface ProcessStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
}

/** Every process on this machine, from /proc/<pid>/stat ("pid (comm) state ppid pgrp ..."). */
async function processes(): Promise<ProcessStat[]> {
  const found: ProcessStat[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(')');
    const [state = '', ppid = '', pgrp = ''] = stat.slice(close + 2).split(' ');
    found.push({ pid: Number(entry), comm: stat.slice(stat.indexOf('(') + 1, close), state, ppid: Number(ppid), pgrp: Number(pgrp) });
  }
  return found;
}

async function ffmpegOf(parent: number): Promise<ProcessStat | undefined> {
  return (await processes()).find((entry) => entry.ppid === parent && entry.comm === 'ffmpeg' && entry.state !== 'Z');
}

/** A process's state letter (R, S, Z...), or undefined once it is gone. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** process.kill(pid, 0): throws ESRCH once the process is gone (and reaped). */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface BatchStatus {
  status: string;
  jobs: Array<{ id: string; kind: string; queue: string; status: string; progress?: number; finished_at: string | null }>;
  notifications: Array<{ status: string; attempts: number }>;
}

async function batchStatus(batchId: string): Promise<BatchStatus> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/batches/${batchId}`, {
    headers: { authorization: basicAuthHeader(cluster.credentials) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as BatchStatus;
}

async function probe(url: string, name: string) {
  const response = await fetch(url);
  expect(response.status, `${url}: ${response.headers.get('x-cld-error') ?? ''}`).toBe(200);
  const path = join(work, name);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format', path]);
  const parsed = JSON.parse(stdout) as { streams: Array<Record<string, unknown>>; format: Record<string, unknown> };
  return {
    video: parsed.streams.find((stream) => stream.codec_type === 'video'),
    audio: parsed.streams.find((stream) => stream.codec_type === 'audio'),
    duration: Number(parsed.format.duration),
  };
}

describe('SIGTERM in the middle of a transcode', () => {
  it('kills ffmpeg (its whole process group), hands the job back, and another worker completes it once', async () => {
    const workerA = startVideoWorker();
    await workerA.ready;

    const form = new FormData();
    const fields = { public_id: 'long-clip', eager: EAGER, eager_async: 'true', eager_notification_url: `${receiver.url}/eager` };
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([await readFile(source)], { type: 'video/mp4' }), 'long.mp4');
    const uploaded = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/video/upload`, {
      method: 'POST',
      headers: { authorization: basicAuthHeader(cluster.credentials) },
      body: form,
    });
    const upload = (await uploaded.json()) as Record<string, unknown> & { eager?: Array<Record<string, unknown>> };
    expect(uploaded.status, JSON.stringify(upload)).toBe(200);
    expect(upload).toMatchObject({ resource_type: 'video', width: 1280, height: 720 });
    const placeholder = upload.eager?.[0];
    expect(placeholder).toMatchObject({ status: 'processing' });
    const batchId = String(placeholder?.batch_id);

    // Worker A's ffmpeg runs (a child of A, leading a process group of its own) and has made progress.
    let ffmpeg: ProcessStat | undefined;
    await waitUntil(async () => (ffmpeg = await ffmpegOf(workerA.pid)) !== undefined, 20_000, "worker A's ffmpeg");
    const killed = ffmpeg!;
    expect(killed.pgrp).toBe(killed.pid);
    let progress = 0;
    await waitUntil(
      async () => {
        progress = (await batchStatus(batchId)).jobs.find((job) => job.kind === 'derive-video')?.progress ?? 0;
        return progress > 0;
      },
      15_000,
      'progress > 0 on the derive-video job',
    );
    expect(progress).toBeLessThan(100);
    expect(isGone(killed.pid)).toBe(false);

    // When ffmpeg dies (it turns into a zombie until reaped, or goes): watched from the signal on.
    const signalledAt = Date.now();
    let diedMs: number | undefined;
    const watching = (async () => {
      while (diedMs === undefined && Date.now() - signalledAt < 20_000) {
        const state = stateOf(killed.pid);
        if (state === undefined || state === 'Z') diedMs = Date.now() - signalledAt;
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    workerA.kill('SIGTERM');
    const code = await workerA.exited;
    const shutdownMs = Date.now() - signalledAt;
    await watching;
    expect(code, workerA.stderr()).toBe(0);
    expect(workerA.stdout()).toContain('shutdown deadline reached');
    expect(shutdownMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_500);
    // ffmpeg was SIGKILLed at the deadline (SIGTERM went to the worker only, and the transcode had seconds
    // left), not left to finish. The worker does not wait for the killed process to be torn down, so on a
    // busy machine it may still show as running for a few ms after the worker exited.
    expect(diedMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS - 100);
    expect(diedMs).toBeLessThan(shutdownMs + 500);
    // Nothing of its process group runs any more.
    expect((await processes()).filter((entry) => entry.pgrp === killed.pgrp && entry.state !== 'Z')).toEqual([]);
    // Worker A exits before it reaps its killed child: init reaps it (here about 1.5 s later), and then
    // process.kill(pid, 0) says ESRCH.
    await waitUntil(() => isGone(killed.pid), 5_000, `ffmpeg ${killed.pid} reaped (state ${stateOf(killed.pid)})`);
    const reapedMs = Date.now() - signalledAt;

    // The job was handed back (waiting, its lock released), not left active until the lock expires.
    const { id: jobId } = (await batchStatus(batchId)).jobs.find((job) => job.kind === 'derive-video')!;
    const redis = createRedisConnection(cluster.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'worker');
    try {
      const key = `${cluster.queuePrefix}:video`;
      const [waiting, active, lock] = await Promise.all([
        redis.lrange(`${key}:wait`, 0, -1),
        redis.lrange(`${key}:active`, 0, -1),
        redis.exists(`${key}:${jobId}:lock`),
      ]);
      expect({ waiting, active, lock }).toEqual({ waiting: [jobId], active: [], lock: 0 });
    } finally {
      redis.disconnect();
    }
    // Nothing was stored for it.
    const db = cluster.cluster.services.db;
    const asset = await db.selectFrom('assets').select('asset_id').where('public_id', '=', 'long-clip').executeTakeFirstOrThrow();
    const derivedRows = () => db.selectFrom('derived').select(['transformation', 'width', 'height']).where('asset_id', '=', asset.asset_id).execute();
    expect(await derivedRows()).toEqual([]);
    expect(receiver.received).toEqual([]);

    const workerB = startVideoWorker();
    await workerB.ready;
    const readyAt = Date.now();
    await waitUntil(async () => (await ffmpegOf(workerB.pid)) !== undefined || receiver.received.length > 0, 20_000, "worker B's ffmpeg");
    const pickedUpMs = Date.now() - readyAt;
    // At once: a job left active would wait for its lock to expire (10 s) and the next stalled check.
    expect(pickedUpMs).toBeLessThan(5_000);
    const [notification] = await receiver.waitFor(1, { path: '/eager', timeoutMs: 40_000 });
    const notifiedMs = Date.now() - readyAt;
    // A second notification would come within moments (the schedule runs at 1/1000).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(receiver.received).toHaveLength(1);

    const body = JSON.parse(notification!.body) as Record<string, unknown> & { eager: Array<Record<string, unknown>> };
    expect(body).toMatchObject({ notification_type: 'eager', batch_id: batchId, public_id: 'long-clip' });
    expect(body.eager).toHaveLength(1);
    expect(body.eager[0]).toMatchObject({ width: 1280, height: 720, format: 'mp4' });

    // The derivative is whole: every frame and the whole duration.
    const derived = await probe(String(body.eager[0]!.secure_url), 'derived.mp4');
    expect([derived.video?.codec_name, derived.video?.width, derived.video?.height]).toEqual(['h264', 1280, 720]);
    expect(Number(derived.video?.nb_read_frames)).toBe(SECONDS * FPS);
    expect(derived.duration).toBeCloseTo(SECONDS, 1);
    expect(derived.audio?.codec_name).toBe('aac');

    // Recorded once: one derived row, the job completed once, one delivered notification.
    expect(await derivedRows()).toEqual([{ transformation: 'c_fill,h_720,q_80,vc_h264,w_1280', width: 1280, height: 720 }]);
    const batch = await batchStatus(batchId);
    expect(batch.status).toBe('complete');
    expect(batch.jobs.map((job) => [job.kind, job.status])).toEqual([
      ['ingest', 'completed'],
      ['derive-video', 'completed'],
    ]);
    const transcode = batch.jobs.find((job) => job.kind === 'derive-video');
    expect(transcode).toMatchObject({ id: jobId, queue: 'video', progress: 100 });
    expect(transcode?.finished_at).not.toBeNull();
    expect(batch.notifications).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1 })]);

    console.log(
      `[video-shutdown] ffmpeg ${killed.pid} at ${progress}% when SIGTERMed, killed after ${diedMs} ms, reaped after ${reapedMs} ms; ` +
        `worker A exited 0 after ${shutdownMs} ms ` +
        `(deadline ${SHUTDOWN_TIMEOUT_MS} ms); worker B started the job ${pickedUpMs} ms after it was ready and notified after ${notifiedMs} ms`,
    );

    // The killed run's scratch directory (A exits without waiting for its handler) is swept by B.
    const scratchOfA = async () => (await readdir(scratch)).filter((name) => name.startsWith(`rendition-scratch-${workerA.pid}@`));
    await waitUntil(async () => (await scratchOfA()).length === 0, 5_000, "worker A's scratch directory swept");

    workerB.kill('SIGTERM');
    expect(await workerB.exited).toBe(0);
  }, 60_000);
});

import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/**
 * `BENCH_CPU_PROFILE=<dir>`: the main thread's CPU profile of a bench's measured window only (not its
 * start, references or warm-up), written as `<dir>/<name>.cpuprofile` for Chrome's DevTools or
 * bench/lib/profile-summary.ts. Unset: `work` runs unprofiled.
 */
export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (process.env.BENCH_PERF_WINDOW === '1') return perfWindow(name, work);
  if (process.env.BENCH_HEAP_PROFILE) return heapSampled(process.env.BENCH_HEAP_PROFILE, name, work);
  if (!dir) return work();
  return inspected(dir, `${name}.cpuprofile`, 'CPU profile', work, {
    start: async (session) => {
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 200 });
      await session.post('Profiler.start');
    },
    stop: async (session) => (await session.post('Profiler.stop')).profile,
  });
}

/**
 * `BENCH_PERF_WINDOW=1`: the measured window's bounds on CLOCK_MONOTONIC (process.hrtime), printed for
 * `perf record -k CLOCK_MONOTONIC` and `perf report --time <start>,<end>`: Linux perf samples only
 * what runs on a CPU, where the inspector's profile also counts a thread preempted inside a call
 * (bench/README.md, "Profiles").
 */
async function perfWindow<T>(name: string, work: () => Promise<T>): Promise<T> {
  const seconds = () => (Number(process.hrtime.bigint()) / 1e9).toFixed(6);
  const start = seconds();
  try {
    return await work();
  } finally {
    console.log(`perf window of ${name}: --time ${start},${seconds()} (main thread tid ${process.pid})`);
  }
}

/**
 * `BENCH_HEAP_PROFILE=<dir>`: where the measured window allocates (V8's sampling heap profiler, every
 * 32 KiB allocated, collected objects included), written as `<dir>/<name>.heapprofile` for Chrome's
 * DevTools or bench/lib/profile-summary.ts: allocation is what V8's GC threads spend their time on.
 */
async function heapSampled<T>(dir: string, name: string, work: () => Promise<T>): Promise<T> {
  return inspected(dir, `${name}.heapprofile`, 'heap allocation profile', work, {
    start: async (session) => {
      await session.post('HeapProfiler.enable');
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 32 * 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    },
    stop: async (session) => (await session.post('HeapProfiler.stopSampling')).profile,
  });
}

/** `work` under one of the inspector's profilers, its profile written as `<dir>/<file>` once `work` ends. */
async function inspected<T>(
  dir: string,
  file: string,
  label: string,
  work: () => Promise<T>,
  profiler: { start(session: Session): Promise<void>; stop(session: Session): Promise<object> },
): Promise<T> {
  const session = new Session();
  session.connect();
  await profiler.start(session);
  try {
    return await work();
  } finally {
    const profile = await profiler.stop(session);
    const path = join(dir, file);
    await mkdir(dir, { recursive: true });
    await writeFile(path, JSON.stringify(profile));
    session.disconnect();
    console.log(`${label} of the measured window: ${path}`);
  }
}

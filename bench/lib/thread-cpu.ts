import { readdir, readFile } from 'node:fs/promises';
import { CLOCK_TICKS } from './machine-cpu.ts';

/**
 * Where the CPU time of a run went, per thread kind: the bench process's threads grouped by what
 * they are (the main thread, libuv's pool, V8's platform workers — GC and compilation helpers —,
 * libvips' threads, worker threads), and the PostgreSQL and Redis server processes of the machine.
 * Read from /proc (Linux); the issue asks for exactly this split where a goal is not met.
 */
export type ThreadCpu = Map<string, number>;

async function taskCpu(path: string): Promise<{ comm: string; seconds: number } | undefined> {
  try {
    const [stat, comm] = await Promise.all([readFile(`${path}/stat`, 'utf8'), readFile(`${path}/comm`, 'utf8')]);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { comm: comm.trim(), seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS };
  } catch {
    return undefined;
  }
}

/** What a thread of a Node process is, from its name (Linux's 15-character comm). */
function threadKind(comm: string, tid: number, pid: number): string {
  if (tid === pid) return 'main thread (JS, HTTP, pg/ioredis clients)';
  if (comm.startsWith('libuv-worker')) return 'libuv pool (fs, crypto, DNS, sharp calls)';
  if (comm.startsWith('V8 DefaultWorke') || comm.startsWith('V8Worker') || comm.startsWith('V8 Worker')) return 'V8 platform (GC, compilation)';
  if (comm.startsWith('vips') || comm.startsWith('libvips') || comm.startsWith('glib')) return 'libvips';
  return `other: ${comm}`;
}

/** CPU seconds so far: each thread kind of `pid`, and the PostgreSQL and Redis servers. */
export async function threadCpu(pid: number = process.pid): Promise<ThreadCpu> {
  const totals: ThreadCpu = new Map();
  const add = (key: string, seconds: number) => totals.set(key, (totals.get(key) ?? 0) + seconds);
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const task = await taskCpu(`/proc/${pid}/task/${tid}`);
    if (task) add(threadKind(task.comm, Number(tid), pid), task.seconds);
  }
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const task = await taskCpu(`/proc/${entry}`);
    if (!task) continue;
    if (task.comm.startsWith('postgres')) add('PostgreSQL (every backend)', task.seconds);
    else if (task.comm.startsWith('redis-server')) add('Redis', task.seconds);
  }
  return totals;
}

/** The CPU seconds spent between two snapshots, per kind, most first. */
export function threadCpuSince(after: ThreadCpu, before: ThreadCpu): Array<[string, number]> {
  return [...after]
    .map(([key, seconds]): [string, number] => [key, seconds - (before.get(key) ?? 0)])
    .filter(([, seconds]) => seconds > 0.005)
    .sort((a, b) => b[1] - a[1]);
}

/** One line per kind: seconds and share of the run's wall time (1.0 = one core busy throughout). */
export function formatThreadCpu(spent: Array<[string, number]>, wallSeconds: number): string {
  return spent.map(([key, seconds]) => `    ${seconds.toFixed(2).padStart(7)} s  ${(seconds / wallSeconds).toFixed(2)} cores  ${key}`).join('\n');
}

export interface CpuPerRequest {
  /** µs of the process's main thread per request. */
  mainThread: number;
  /** µs of everything serving it per request: the process's threads and the PostgreSQL and Redis servers, the load generator's worker thread left out. */
  total: number;
}

/** The CPU a run spent per request it was sent (see threadCpuSince), in µs. */
export function cpuPerRequest(spent: Array<[string, number]>, requests: number): CpuPerRequest {
  const seconds = (filter: (kind: string) => boolean) => spent.filter(([kind]) => filter(kind)).reduce((sum, [, value]) => sum + value, 0);
  const perRequest = (value: number) => (requests > 0 ? (value * 1e6) / requests : 0);
  return {
    mainThread: perRequest(seconds((kind) => kind.startsWith('main thread'))),
    total: perRequest(seconds((kind) => kind !== 'other: WorkerThread')),
  };
}

/**
 * Runs side by side, per thread kind: the CPU ms each spent per unit (an upload, a request), so that
 * the gap between a reference and Rendition reads off kind by kind.
 */
export function formatCpuPerUnit(runs: ReadonlyArray<readonly [string, Array<[string, number]>]>, units: number): string {
  const kinds = [...new Set(runs.flatMap(([, spent]) => spent.map(([kind]) => kind)))];
  const perUnit = (spent: Array<[string, number]>, kind: string) => ((spent.find(([each]) => each === kind)?.[1] ?? 0) * 1000) / units;
  const total = (spent: Array<[string, number]>) => (spent.reduce((sum, [, seconds]) => sum + seconds, 0) * 1000) / units;
  const header = `    ${runs.map(([name]) => name.padStart(10)).join(' ')}`;
  const rows = kinds
    .sort((a, b) => perUnit(runs[runs.length - 1]![1], b) - perUnit(runs[runs.length - 1]![1], a))
    .map((kind) => `    ${runs.map(([, spent]) => perUnit(spent, kind).toFixed(2).padStart(10)).join(' ')}  ${kind}`);
  return [header, ...rows, `    ${runs.map(([, spent]) => total(spent).toFixed(2).padStart(10)).join(' ')}  all`].join('\n');
}

import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../apps/cli/bin/rendition.mjs', import.meta.url));
const live = new Set<ChildProcess>();

// Workers outliving a crashed test process would keep taking jobs from other runs' queues.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves once the worker logged that its workers started (it is taking jobs). */
  ready: Promise<void>;
  /** Sends a signal; resolves at once (await `exited` for the end). */
  kill(signal?: NodeJS.Signals): void;
  /** The exit code, or null when a signal ended it. */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

/**
 * The environment a separately deployed worker gets: the test cluster's settings (database, queue
 * prefix, storage), the API's address for the URLs workers write into responses, and the given Redis.
 */
export function workerEnvironment(
  cluster: { env: Record<string, string>; baseUrl: string },
  redisUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...cluster.env,
    PUBLIC_BASE_URL: cluster.baseUrl,
    SECURE_BASE_URL: cluster.baseUrl,
    REDIS_URL: redisUrl,
    // `ready` waits for the "workers started" line.
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** `rendition worker` as a child process, as production runs it. */
export function spawnWorker(env: Record<string, string>, args: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [MAIN, 'worker', ...args], {
    // The compile cache the setup filled, also where a test gives the worker a TMPDIR of its own
    // (Node's default cache directory is under TMPDIR).
    env: {
      ...(process.env as Record<string, string>),
      NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  let failReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  // Not every test waits for it; an unobserved rejection must not fail the run.
  ready.catch(() => {});
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('"msg":"workers started"')) markReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      live.delete(child);
      failReady(new Error(`worker ${child.pid} exited (${code}) before it started:\n${stderr}`));
      resolve(code);
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    ready,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dropDatabase, type ApiCredentials } from '@rendition/catalog';
import { createTestDatabaseUrl, deleteRedisPrefix, freePort } from '@rendition/testing';

const MAIN = fileURLToPath(new URL('../../apps/cli/bin/rendition.mjs', import.meta.url));
const live = new Set<ChildProcess>();

// A cluster outliving a crashed test process would keep taking jobs and holding its port.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** One line of the child's pino output at level error or above, kept to explain 5xx answers. */
export interface LoggedError {
  level: number;
  msg: string;
  error?: string;
}

export interface ClusterProcess {
  baseUrl: string;
  host: string;
  port: number;
  cloud: string;
  credentials: ApiCredentials;
  pid: number;
  /** The exit code or signal once the process has ended; undefined while it runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** VmRSS and VmHWM (peak RSS) of the process, in bytes, from /proc/<pid>/status. */
  memory(): Promise<{ rss: number; peak: number }>;
  /** Error-level log lines so far, parsed. */
  errors(): LoggedError[];
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `rendition start` (API and workers in one process, as production runs it) as a child process,
 * with a database, queue prefix and storage directory of its own, so a test can watch it from
 * outside: whether it is still alive, and how much memory it holds.
 */
export async function startClusterProcess(env: Record<string, string> = {}): Promise<ClusterProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'rendition-corpus-'));
  const databaseUrl = createTestDatabaseUrl('corpus');
  const queuePrefix = `rendition-corpus-${randomBytes(4).toString('hex')}`;
  const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const child = spawn(process.execPath, [MAIN, 'start'], {
    env: {
      ...(process.env as Record<string, string>),
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      DATABASE_POOL_SIZE: '4',
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      STORAGE_URL: `file://${dataDir}`,
      BOOTSTRAP_CLOUD: 'demo',
      LOG_LEVEL: 'error',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  let pending = '';
  const errors: LoggedError[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (stdout.length < 64 * 1024) stdout += text;
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { type?: string; message?: string } };
        if ((entry.level ?? 0) >= 50 && errors.length < 1000) {
          errors.push({
            level: entry.level ?? 0,
            msg: entry.msg ?? '',
            ...(entry.err ? { error: `${entry.err.type ?? 'Error'}: ${entry.err.message ?? ''}` } : {}),
          });
        }
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString();
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve();
    }),
  );

  const cleanup = async () => {
    await dropDatabase(databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
    await deleteRedisPrefix(redisUrl, queuePrefix);
  };

  const deadline = Date.now() + 60_000;
  const announced = /CLOUDINARY_URL=cloudinary:\/\/(\d+):([\w-]+)@(\w+)\?upload_prefix=(\S+)/;
  let match = announced.exec(stdout);
  while (!match) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exit;
      await cleanup();
      throw new Error(`rendition start did not come up (exit ${JSON.stringify(exited)}):\n${stderr}\n${stdout.slice(0, 4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    match = announced.exec(stdout);
  }
  const [, apiKey = '', apiSecret = '', cloud = 'demo', baseUrl = ''] = match;
  const pid = child.pid ?? -1;

  return {
    baseUrl,
    host: '127.0.0.1',
    port,
    cloud,
    credentials: { apiKey, apiSecret, cloudName: cloud },
    pid,
    exit: () => exited,
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
      return { rss: kib('VmRSS'), peak: kib('VmHWM') };
    },
    errors: () => errors,
    stderr: () => stderr,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exit;
        clearTimeout(timer);
      }
      await cleanup();
    },
  };
}

import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Config } from '@rendition/config';

/**
 * `rendition <role>` as a child process of a bench, for measuring that role alone (its own RSS, its
 * own CPU): large-upload and archive start the API (and the worker) this way.
 */
export interface RoleProcess {
  pid: number;
  /** VmRSS and VmHWM (peak RSS) in bytes, from /proc/<pid>/status. */
  memory(): Promise<{ rss: number; peak: number }>;
  /** What it wrote at error level (the API) or to stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** `rendition <role>` as a child process, ready once `ready` says so. */
export async function startRole(
  role: 'api' | 'worker',
  env: Record<string, string>,
  ready: (output: string) => boolean | Promise<boolean>,
): Promise<RoleProcess> {
  const main = fileURLToPath(new URL('../../apps/cli/bin/rendition.mjs', import.meta.url));
  const child = spawn(process.execPath, [main, role], {
    env: { ...(process.env as Record<string, string>), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Even if this process dies without its cleanup, the role must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  while (!(await ready(output))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`rendition ${role} did not come up (exit ${child.exitCode}):\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The worker's start-up lines are not complaints.
  if (role === 'worker') output = '';
  const pid = child.pid ?? -1;
  return {
    async memory() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const bytes = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
      return { rss: bytes('VmRSS'), peak: bytes('VmHWM') };
    },
    pid,
    output: () => output,
    stop,
  };
}

/**
 * What a role process needs to share a bench cluster's catalog, queues and storage (its throwaway
 * database, queue prefix and directory), with the cluster's rate-limit and remote-fetch settings.
 */
export function roleEnv(config: Config): Record<string, string> {
  if (config.storage.kind !== 'file') throw new Error('the bench cluster stores in a directory');
  return {
    HOST: '127.0.0.1',
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    QUEUE_PREFIX: config.queuePrefix,
    STORAGE_URL: `file://${config.storage.root}`,
    RATE_LIMITS_ENABLED: String(config.rateLimits.enabled),
    SSRF_ALLOW: config.remoteFetch.allow.join(','),
  };
}

/** `rendition api` as a child process (env has HOST and PORT), ready once /healthz answers. */
export async function startApiProcess(env: Record<string, string>): Promise<RoleProcess & { baseUrl: string }> {
  const baseUrl = `http://${env.HOST}:${env.PORT}`;
  const api = await startRole('api', env, () =>
    fetch(`${baseUrl}/healthz`).then(
      (response) => response.ok,
      () => false,
    ),
  );
  return { ...api, baseUrl };
}

/** `rendition worker` as a child process, ready once it logs that its queues' workers started (LOG_LEVEL info). */
export function startWorkerProcess(env: Record<string, string>): Promise<RoleProcess> {
  return startRole('worker', { ...env, LOG_LEVEL: 'info' }, (output) => output.includes('workers started'));
}

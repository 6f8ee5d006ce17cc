import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '@rendition/testing';

/** The launcher operators run (bin/rendition.mjs), so that a test sees the process as deployed. */
export const LAUNCHER = fileURLToPath(new URL('../../apps/cli/bin/rendition.mjs', import.meta.url));

export interface ApiProcess {
  child: ChildProcess;
  pid: number;
  baseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** `rendition api` alone in a child process, on the database, queues and storage that `env` names. */
export async function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [LAUNCHER, 'api'], {
    env: { ...(process.env as Record<string, string>), ...env, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (output.length < 256 * 1024) output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 256 * 1024) output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!output.includes('Server listening')) {
    if (child.exitCode !== null) throw new Error(`rendition api exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`rendition api did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    pid: child.pid ?? -1,
    baseUrl: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now; VmHWM: the peak). */
export function procStatus(pid: number, name: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${name} for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Resets VmHWM to the current RSS (Linux: `5` to clear_refs), so the peak measured is what follows. */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

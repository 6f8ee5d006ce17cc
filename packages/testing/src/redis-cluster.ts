import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

export interface RedisClusterServer {
  /** redis+cluster://127.0.0.1:P1,127.0.0.1:P2,… : REDIS_URL for Rendition. */
  url: string;
  /** Each master's client port (its cluster bus is the port + 10000). */
  ports: number[];
  dir: string;
  /** `redis-cli -p PORT args…` on one node; resolves with its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Stops every node (SIGTERM, then SIGKILL after a grace) and removes the directory. */
  close(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Masters, each serving a third (for 3) of the 16384 slots; no replicas. Default 3, the least Redis accepts. */
  masters?: number;
}

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const live = new Set<ChildProcess>();

// A test process that dies without cleaning up must not leave Redis servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A Redis Cluster of its own on loopback: `redis-server --cluster-enabled yes` per master on free ports,
 * joined by `redis-cli --cluster create`, resolved once every node says `cluster_state:ok`. Data in a
 * temp directory, no persistence, noeviction (what the workers require).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterServer> {
  const masters = options.masters ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'rendition-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const output = new Map<number, string>();
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;

  const close = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };

  try {
    for (let index = 0; index < masters; index++) {
      const port = await freeClusterPort(ports);
      ports.push(port);
      // prettier-ignore
      const args = [
        '--port', String(port), '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000',
        '--appendonly', 'no', '--save', '', '--dir', dir, '--daemonize', 'no', '--maxmemory-policy', 'noeviction',
      ];
      const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      live.add(child);
      child.once('exit', () => live.delete(child));
      output.set(port, '');
      const keep = (chunk: Buffer) => output.set(port, ((output.get(port) ?? '') + chunk.toString()).slice(-4_000));
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
    }
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    const waitFor = async (what: string, done: () => Promise<boolean>) => {
      for (;;) {
        const ended = children.find((child) => child.exitCode !== null || child.signalCode !== null);
        if (ended) throw new Error(`redis-server exited at start-up:\n${[...output.values()].join('\n')}`);
        if (await done().catch(() => false)) return;
        if (Date.now() > deadline) throw new Error(`Redis Cluster on ports ${ports.join(', ')}: timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await waitFor('every node to answer PING', async () =>
      (await Promise.all(ports.map((port) => cli(port, 'PING')))).every((reply) => reply.trim() === 'PONG'),
    );
    await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor('cluster_state:ok on every node', async () =>
      (await Promise.all(ports.map((port) => cli(port, 'CLUSTER', 'INFO')))).every((info) => /^cluster_state:ok\r?$/m.test(info)),
    );
  } catch (error) {
    await close();
    throw error;
  }

  return {
    url: `redis+cluster://${ports.map((port) => `127.0.0.1:${port}`).join(',')}`,
    ports,
    dir,
    cli,
    close,
  };
}

/** A free port whose cluster bus port (+10000) is free too. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort();
    if (port + 10_000 > 65_535 || taken.includes(port) || taken.some((other) => other + 10_000 === port)) continue;
    if (await isFree(port + 10_000)) return port;
  }
  throw new Error('no free pair of ports (P, P+10000) for a Redis Cluster node');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

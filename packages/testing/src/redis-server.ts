import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  url: string;
  port: number;
  /** Its working directory (AOF files live here). */
  dir: string;
  /** Stops it (SIGTERM: a clean shutdown, no RDB save, the AOF flushed) and waits until it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory; resolves once PING answers. */
  start(): Promise<void>;
  /** SIGKILL, as a crash; waits until it has exited. */
  kill(): Promise<void>;
  flushAll(): Promise<void>;
  /** One command, e.g. command('DBSIZE'); resolves with the reply (arrays are not supported). */
  command(...args: string[]): Promise<string | number | null>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export interface RedisServerOptions {
  /** AOF with `appendfsync everysec`, so acknowledged writes survive a kill (within a second). */
  appendonly?: boolean;
  /** Default noeviction, what the workers require. */
  maxmemoryPolicy?: string;
}

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const live = new Set<ChildProcess>();

// A test process that dies without cleaning up must not leave Redis servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * A private `redis-server` on a free loopback port, in a temp directory of its own, for tests that
 * stop, kill or wipe Redis: never the shared one other test files use.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'rendition-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--maxmemory-policy',
    options.maxmemoryPolicy ?? 'noeviction',
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = async () => {
    output = '';
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    live.add(started);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    started.stdout?.on('data', onData);
    started.stderr?.on('data', onData);
    exited = new Promise<void>((resolve) =>
      started.once('exit', () => {
        live.delete(started);
        resolve();
      }),
    );
    let spawnError: Error | undefined;
    started.once('error', (error) => (spawnError = error));
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    for (;;) {
      if (spawnError) throw spawnError;
      if (started.exitCode !== null || started.signalCode !== null) throw new Error(`redis-server exited at start-up:\n${output}`);
      if ((await sendCommand(port, ['PING']).catch(() => null)) === 'PONG') return;
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`redis-server on port ${port} did not answer PING within ${STARTUP_TIMEOUT_MS} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;

  const stopWith = async (signal: NodeJS.Signals) => {
    if (!running()) return;
    const current = child!;
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stop: () => stopWith('SIGTERM'),
    async start() {
      if (running()) throw new Error(`redis-server on port ${port} is already running`);
      await launch();
    },
    kill: () => stopWith('SIGKILL'),
    async flushAll() {
      const reply = await sendCommand(port, ['FLUSHALL']);
      if (reply !== 'OK') throw new Error(`FLUSHALL answered ${String(reply)}`);
    },
    command: (...commandArgs) => sendCommand(port, commandArgs),
    async close() {
      await stopWith('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A minimal RESP client: one command on a fresh connection, scalar replies only. */
function sendCommand(port: number, args: string[], timeoutMs = 2_000): Promise<string | number | null> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffer = Buffer.alloc(0);
    const finish = (error: Error | null, value?: string | number | null) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(value ?? null);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`redis ${args[0]} timed out`)));
    socket.once('error', (error) => finish(error));
    socket.once('connect', () => {
      const parts = [`*${args.length}\r\n`, ...args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`)];
      socket.write(parts.join(''));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const lineEnd = buffer.indexOf('\r\n');
      if (lineEnd < 0) return;
      const type = String.fromCharCode(buffer[0]!);
      const line = buffer.subarray(1, lineEnd).toString();
      switch (type) {
        case '+':
          return finish(null, line);
        case '-':
          return finish(new Error(`redis ${args[0]}: ${line}`));
        case ':':
          return finish(null, Number(line));
        case '$': {
          const length = Number(line);
          if (length < 0) return finish(null, null);
          if (buffer.length < lineEnd + 2 + length + 2) return;
          return finish(null, buffer.subarray(lineEnd + 2, lineEnd + 2 + length).toString());
        }
        default:
          return finish(new Error(`redis ${args[0]}: unsupported reply type ${type}`));
      }
    });
    socket.once('close', () => finish(new Error(`redis ${args[0]}: connection closed without a reply`)));
  });
}

import { fork, type ChildProcess } from 'node:child_process';

export interface ForkedServer<Ready> {
  origin: string;
  /** What the child sent once listening (its port included). */
  ready: Ready;
  stop(): Promise<void>;
}

/**
 * A reference server in a process of its own (so it never shares an event loop or a sharp with
 * Rendition): `module` is forked with an IPC channel, sends `{ port, ... }` once listening on
 * 127.0.0.1, and exits when the channel is closed (SIGKILL after 5 s).
 */
export async function forkServer<Ready extends { port: number }>(module: URL, args: string[], name: string): Promise<ForkedServer<Ready>> {
  const child: ChildProcess = fork(module, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const ready = await new Promise<Ready>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s`)), 30_000);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message as Ready);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code} before listening`));
      });
    });
    return { origin: `http://127.0.0.1:${ready.port}`, ready, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

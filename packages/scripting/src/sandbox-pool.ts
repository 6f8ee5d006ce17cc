import { Worker } from 'node:worker_threads';
import type { SandboxRun } from './sandbox.ts';
import type { SandboxReply, SandboxStarted } from './sandbox-worker.ts';
import { ScriptError } from './script-error.ts';

// Scripts run on worker threads, never on the caller's thread. QuickJS polls its interrupt handler only
// once per 10,000 calls or backward jumps, so a loop whose body is one long native call
// (`for (;;) bigArray.sort()`) ran for minutes between two polls on the caller's thread; a thread can
// be stopped from outside. The in-sandbox deadline ends ordinary runaway scripts with a precise
// message; the watchdog here terminates the thread when a run is still going WATCHDOG_SLACK_MS after
// its deadline, and a new thread takes its place. The caller's event loop is never blocked by a script.

/** How long after the script's own deadline its thread is terminated. */
export const WATCHDOG_SLACK_MS = 250;
/**
 * How long a run may take to start (a new thread loading QuickJS, a fresh WebAssembly instance) before
 * its thread is given up: the script's own time limit counts from its start, so a loaded machine slows
 * a start-up without failing the script, and a thread that cannot start still ends the run.
 */
export const START_TIMEOUT_MS = 30_000;
/** Threads running scripts at the same time; further runs wait for one. */
const MAX_THREADS = 2;
/** Native stack of a thread: far above what QuickJS's stack limit lets a script use (Node's main thread has ~1 MiB). */
const THREAD_STACK_MB = 8;
/** V8 heap of a thread (the scripts' own memory is WebAssembly memory, capped by ScriptLimits.memoryBytes). */
const THREAD_HEAP_MB = 128;

type ThreadEvent = { kind: 'started' } | { kind: 'reply'; reply: SandboxReply } | { kind: 'died'; error: Error };

interface Thread {
  worker: Worker;
  /** The run in progress, told what the thread did; undefined while idle. */
  current?: (event: ThreadEvent) => void;
}

interface Pending {
  run: SandboxRun;
  resolve(json: string): void;
  reject(error: Error): void;
}

const idle: Thread[] = [];
const queue: Pending[] = [];
let busy = 0;

/** Runs a script on a sandbox thread; resolves with its JSON result or rejects with a ScriptError. */
export function runOnSandboxThread(run: SandboxRun): Promise<string> {
  return new Promise((resolve, reject) => {
    queue.push({ run, resolve, reject });
    dispatch();
  });
}

/** Stops the idle threads (a busy one stops when its run ends). Idle threads never keep a process alive, so this is optional. */
export async function closeSandboxThreads(): Promise<void> {
  await Promise.all(idle.splice(0).map((thread) => thread.worker.terminate()));
}

function dispatch(): void {
  while (queue.length > 0 && (idle.length > 0 || busy < MAX_THREADS)) {
    const pending = queue.shift() as Pending;
    const thread = idle.pop() ?? startThread();
    busy += 1;
    execute(thread, pending);
  }
}

function startThread(): Thread {
  const worker = new Worker(new URL('./sandbox-worker.ts', import.meta.url), {
    env: {},
    resourceLimits: { stackSizeMb: THREAD_STACK_MB, maxOldGenerationSizeMb: THREAD_HEAP_MB },
  });
  const thread: Thread = { worker };
  // listeners for the thread's whole life: an 'error' without a listener would be thrown in this thread
  worker.on('message', (message: SandboxReply | SandboxStarted) =>
    thread.current?.('started' in message ? { kind: 'started' } : { kind: 'reply', reply: message }),
  );
  worker.on('error', (error: Error) => thread.current?.({ kind: 'died', error }));
  worker.on('exit', (code: number) => {
    const at = idle.indexOf(thread);
    if (at >= 0) idle.splice(at, 1);
    thread.current?.({ kind: 'died', error: new Error(`sandbox thread exited with code ${code}`) });
  });
  return thread;
}

function execute(thread: Thread, { run, resolve, reject }: Pending): void {
  const finish = (keep: boolean, outcome: () => void): void => {
    clearTimeout(watchdog);
    thread.current = undefined;
    busy -= 1;
    if (keep) {
      thread.worker.unref();
      idle.push(thread);
    } else {
      void thread.worker.terminate();
    }
    outcome();
    dispatch();
  };
  thread.current = (event) => {
    if (event.kind === 'started') {
      // From here the script's own deadline runs inside the thread; the watchdog backs it up.
      clearTimeout(watchdog);
      watchdog = setTimeout(timedOut, run.limits.timeoutMs + WATCHDOG_SLACK_MS);
      return;
    }
    if (event.kind === 'died') {
      // its own heap ran out, it could not start, or it was stopped: the run fails, the thread is replaced
      finish(false, () => reject(new ScriptError(`${run.errorPrefix}: script aborted`, { cause: event.error })));
      return;
    }
    const { reply } = event;
    finish(true, () => (reply.ok ? resolve(reply.json) : reject(reply.scriptError ? new ScriptError(reply.message) : new Error(reply.message))));
  };
  const timedOut = () => finish(false, () => reject(new ScriptError(`${run.errorPrefix}: script timed out`)));
  let watchdog = setTimeout(timedOut, START_TIMEOUT_MS);
  thread.worker.ref();
  thread.worker.postMessage(run);
}

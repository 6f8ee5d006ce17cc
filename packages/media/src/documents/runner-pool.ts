import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { MediaError } from '../media-error.ts';
import type { RunnerFailure, RunnerMessage, RunnerReply, RunnerRequest } from './runner-protocol.ts';

export type RunnerPoolOptions = {
  /** The runner's entry module (a file URL; Node runs it directly, type stripping included). */
  entry: URL;
  /** Runners kept at most; one operation each at a time. */
  size: number;
  /** Each runner's V8 heap cap (old generation), in MB. */
  memoryMb: number;
  /** Handed to every runner as its first argument (JSON). */
  settings: unknown;
};

export type RunOptions = {
  /** From the moment a runner takes the operation; past it the runner is killed. */
  timeoutMs: number;
  /** Runs once a runner that was given up on (timeout, crash, close) has exited: clean up what it left. */
  onAbandoned?: () => Promise<void>;
};

type Job = {
  id: number;
  request: RunnerRequest;
  options: RunOptions;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout | undefined;
};

type Runner = { child: ChildProcess; job: Job | null; stderr: string; exited: Promise<void> };

const TIMEOUT_MESSAGE = 'Document processing took too long';
const MEMORY_MESSAGE = 'The document needs more memory than allowed';
/** How much of a runner's stderr is kept: enough for V8's fatal error line. */
const STDERR_KEPT = 8192;
/** V8's last words when a heap cap (or a size limit of its own) is hit. */
const OUT_OF_MEMORY = /heap out of memory|invalid (array|table|string) (length|size)|invalid size error|Allocation failed/i;

/**
 * A small pool of runner processes, each a Node child process with a capped heap, doing one operation
 * at a time. Operations wait in a FIFO queue for a free runner; runners start on demand and stay for
 * the next operation.
 *
 * Processes rather than worker threads: V8 enforces a worker thread's heap cap only on a best-effort
 * basis, and some allocation patterns (one array grown by push(), which is how pdf.js's lexer reads a
 * string) abort the whole process instead of ending the thread (nodejs/node#47224). A native crash in
 * the canvas would do the same. A child process that dies of either takes nothing else with it.
 *
 * A runner that overruns its operation's timeout is killed (SIGKILL: a loop in JavaScript or in native
 * code alike) and the operation rejects with MediaError('timeout'); one that dies of its heap cap
 * rejects with MediaError('too_large'); any other death is a plain Error. A dead runner is dropped
 * and the next operation starts a fresh one, so the pool keeps working.
 *
 * Idle runners are unref'd, so an engine nobody closes does not keep the process alive.
 */
export class RunnerPool {
  readonly #options: RunnerPoolOptions;
  readonly #runners = new Set<Runner>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: RunnerPoolOptions) {
    this.#options = options;
  }

  run<T>(request: RunnerRequest, options: RunOptions): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('The document engine is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, request, options, resolve: resolve as (value: unknown) => void, reject, timer: undefined });
      this.#dispatch();
    });
  }

  /** Rejects what waits or runs, and stops every runner. */
  async close(): Promise<void> {
    this.#closed = true;
    const closed = new Error('The document engine is closed');
    for (const job of this.#queue.splice(0)) job.reject(closed);
    const runners = [...this.#runners];
    this.#runners.clear();
    await Promise.all(runners.map((runner) => this.#stop(runner, closed)));
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && !this.#closed) {
      let runner = [...this.#runners].find((candidate) => candidate.job === null);
      if (runner === undefined) {
        if (this.#runners.size >= this.#options.size) return;
        runner = this.#start();
      }
      const job = this.#queue.shift() as Job;
      const taken = runner;
      taken.job = job;
      setReferenced(taken.child, true);
      job.timer = setTimeout(() => {
        if (taken.job === job && this.#runners.delete(taken)) void this.#stop(taken, new MediaError('timeout', TIMEOUT_MESSAGE));
        this.#dispatch();
      }, job.options.timeoutMs);
      taken.child.send({ id: job.id, request: job.request } satisfies RunnerMessage, (error) => {
        if (error !== null && this.#runners.delete(taken)) void this.#stop(taken, error);
      });
    }
  }

  #start(): Runner {
    const child = fork(fileURLToPath(this.#options.entry), [JSON.stringify(this.#options.settings)], {
      // Not the parent's flags (a test runner's loaders, a debugger): only the heap cap.
      execArgv: [`--max-old-space-size=${this.#options.memoryMb}`],
      serialization: 'advanced',
      // pdf.js prints to the console; a worker process's stdout carries structured logs only.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const runner: Runner = {
      child,
      job: null,
      stderr: '',
      exited: new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.once('error', () => resolve()); // never started
      }),
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      runner.stderr = (runner.stderr + chunk).slice(-STDERR_KEPT);
    });
    child.on('message', (reply: RunnerReply) => this.#settle(runner, reply));
    child.once('error', (error) => {
      if (this.#runners.delete(runner)) void this.#stop(runner, error);
      this.#dispatch();
    });
    child.once('close', (code, signal) => {
      if (!this.#runners.delete(runner)) return;
      const job = runner.job;
      runner.job = null;
      if (job !== null) {
        clearTimeout(job.timer);
        job.reject(deathError(runner.stderr, code, signal));
        void abandon(job);
      }
      this.#dispatch();
    });
    this.#runners.add(runner);
    return runner;
  }

  #settle(runner: Runner, reply: RunnerReply): void {
    const job = runner.job;
    if (job === null || job.id !== reply.id) return;
    clearTimeout(job.timer);
    runner.job = null;
    setReferenced(runner.child, false);
    if (reply.ok) job.resolve(reply.value);
    else job.reject(failureError(reply.failure));
    this.#dispatch();
  }

  /** Fails the runner's operation with `error`, kills the runner and, once it has exited, runs the clean-up. */
  async #stop(runner: Runner, error: unknown): Promise<void> {
    const job = runner.job;
    runner.job = null;
    if (job !== null) {
      clearTimeout(job.timer);
      job.reject(error);
    }
    setReferenced(runner.child, true); // until it has exited: an idle runner was unref'd
    runner.child.kill('SIGKILL');
    await runner.exited;
    if (job !== null) await abandon(job);
  }
}

async function abandon(job: Job): Promise<void> {
  await job.options.onAbandoned?.().catch(() => undefined);
}

/** A busy runner keeps the calling process alive; an idle one does not. */
function setReferenced(child: ChildProcess, referenced: boolean): void {
  const handles: ({ ref(): unknown; unref(): unknown } | null | undefined)[] = [child, child.channel, child.stderr as Socket | null];
  for (const handle of handles) {
    if (referenced) handle?.ref();
    else handle?.unref();
  }
}

/** A runner died during an operation: out of heap (the file's size or structure) or anything else (ours). */
function deathError(stderr: string, code: number | null, signal: NodeJS.Signals | null): Error {
  const detail = `the PDF runner exited (${signal ?? `code ${code}`}): ${stderr.trim().slice(-2000)}`;
  if (OUT_OF_MEMORY.test(stderr)) return new MediaError('too_large', MEMORY_MESSAGE, { cause: new Error(detail) });
  return new Error('The PDF runner stopped unexpectedly', { cause: new Error(detail) });
}

function failureError(failure: RunnerFailure): Error {
  if (failure.kind !== null)
    return new MediaError(failure.kind, failure.message, failure.detail === '' ? undefined : { cause: new Error(failure.detail) });
  const error = new Error(failure.message, { cause: failure.detail });
  if (failure.code !== undefined) Object.assign(error, { code: failure.code });
  return error;
}

import { parentPort } from 'node:worker_threads';
import { runInSandbox } from './sandbox.ts';
import type { SandboxRun } from './sandbox.ts';
import { ScriptError } from './script-error.ts';

// The thread that runs scripts (started by sandbox-pool.ts). One message in, one reply out; each run
// still gets its own fresh WebAssembly instance (sandbox.ts). The thread exists so that the host can
// stop a script that QuickJS's interrupt handler does not stop in time (worker.terminate()).

export type SandboxReply = { ok: true; json: string } | { ok: false; message: string; scriptError: boolean };
/** Sent when the run's own time starts (its instance is made): the host's watchdog counts from there. */
export type SandboxStarted = { started: true };

const port = parentPort;
if (port === null) throw new Error('sandbox-worker.ts runs as a worker thread (see sandbox-pool.ts)');

port.on('message', (run: SandboxRun) => {
  runInSandbox(run, () => port.postMessage({ started: true } satisfies SandboxStarted)).then(
    (json) => port.postMessage({ ok: true, json } satisfies SandboxReply),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      port.postMessage({ ok: false, message, scriptError: error instanceof ScriptError } satisfies SandboxReply);
    },
  );
});

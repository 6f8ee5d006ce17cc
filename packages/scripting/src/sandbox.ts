import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RELEASE_SYNC, newQuickJSWASMModuleFromVariant, newVariant } from 'quickjs-emscripten';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import type { ScriptLimits } from './limits.ts';
import { ScriptError } from './script-error.ts';

// Runs on a sandbox thread (sandbox-worker.ts, started by sandbox-pool.ts).
// One script run = one fresh WebAssembly instance of QuickJS (its own linear memory, its own Emscripten
// runtime), one runtime, one context, all dropped afterwards. A module shared between runs was seen to
// take Node down after a runaway recursion (wave-2 reference §6.1), and a fresh instance also means
// nothing a script leaves behind (a patched prototype, a global) reaches the next one. What is shared is
// only the compiled WebAssembly code, which is immutable: a fresh instance of it costs ~1.3 ms, against
// ~3 ms for newQuickJSWASMModule(), which compiles the code again every time.

/** How long describing a thrown value (its `message` getter or `toString`) may take after the deadline. */
const DESCRIBE_GRACE_MS = 25;
/** Longest error text handed to the client. */
const MAX_MESSAGE_LENGTH = 300;

/** Node's WebAssembly global, which the project's TypeScript libraries (es2024, no DOM) do not declare. */
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<object> };

let compiled: Promise<object> | undefined;

/** The release-sync QuickJS build, compiled once per thread (resolved through quickjs-emscripten, whose dependency it is). */
function compiledQuickJS(): Promise<object> {
  compiled ??= (async () => {
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('quickjs-emscripten'));
    const bytes = await readFile(fromPackage.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
    return WebAssembly.compile(bytes);
  })().catch((error: unknown) => {
    compiled = undefined;
    throw error;
  });
  return compiled;
}

async function freshModule(): Promise<QuickJSWASMModule> {
  const wasmModule = await compiledQuickJS();
  return newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmModule }));
}

/**
 * Evaluated before anything else in every context. It takes away code generation from strings (`eval`,
 * and the Function, AsyncFunction, GeneratorFunction and AsyncGeneratorFunction constructors,
 * reachable as `(function () {}).constructor`): QuickJS's parser never calls the interrupt handler and
 * is quadratic on some inputs, so `eval` of a few MB built at run time blocked the process for seconds
 * past the deadline. Only the client's own script (at most `maxLength` characters) is ever parsed.
 * It returns `describe(thrown)`, captured before the script can replace `String` or `Object`.
 */
const BASE_PRELUDE = `(function () {
  'use strict';
  var G = globalThis, getPrototypeOf = Object.getPrototypeOf, define = Object.defineProperty;
  var EvalError_ = EvalError, String_ = String, FunctionPrototype = Function.prototype;
  var Disabled = function Function() { throw new EvalError_('eval and new Function are not allowed'); };
  define(Disabled, 'prototype', { value: FunctionPrototype, writable: false, enumerable: false, configurable: false });
  var prototypes = [FunctionPrototype, getPrototypeOf(async function () {}), getPrototypeOf(function* () {}), getPrototypeOf(async function* () {})];
  for (var i = 0; i < prototypes.length; i++) {
    define(prototypes[i], 'constructor', { value: Disabled, writable: false, enumerable: false, configurable: false });
  }
  define(G, 'Function', { value: Disabled, writable: true, enumerable: false, configurable: true });
  delete G.eval;
  return function describe(thrown) {
    if (thrown !== null && (typeof thrown === 'object' || typeof thrown === 'function')) {
      var message = thrown.message;
      if (typeof message === 'string' && message !== '') return message;
      var name = thrown.name;
      if (typeof name === 'string' && name !== '') return name;
    }
    return String_(thrown);
  };
})()`;

export interface SandboxRun {
  /** The client's script (already checked for length). */
  code: string;
  /** Shown in QuickJS stack traces only. */
  filename: string;
  /**
   * Source of a function expression called with `inputJson` (a string) before the script runs: it
   * defines the script's globals and returns `readBack`, a function that returns the run's result as
   * JSON text. Captured before the script runs, so a script that replaces `JSON` does not change it.
   */
  prelude: string;
  /** The input, as JSON text; parsed inside the sandbox. */
  inputJson: string;
  /** Prefix of every error message: "Eval error" → "Eval error: boom". */
  errorPrefix: string;
  limits: ScriptLimits;
}

/** Runs a script in a fresh sandbox and returns what its read-back function returned (JSON text). */
export async function runInSandbox(run: SandboxRun, onStart: () => void = () => {}): Promise<string> {
  const module = await freshModule();
  const handles: QuickJSHandle[] = [];
  let runtime: QuickJSRuntime | undefined;
  let context: QuickJSContext | undefined;
  let deadline = Number.POSITIVE_INFINITY;
  let timedOut = false;
  let broken = false;
  const fail = (text: string): ScriptError => new ScriptError(`${run.errorPrefix}: ${text}`);
  try {
    runtime = module.newRuntime();
    runtime.setMemoryLimit(run.limits.memoryBytes);
    runtime.setMaxStackSize(run.limits.stackBytes);
    runtime.setInterruptHandler(() => {
      if (performance.now() <= deadline) return false;
      timedOut = true;
      return true;
    });
    // No module loader is set, so `import()` fails, and QuickJS's std/os modules are not in this build:
    // the context holds the language's built-ins and nothing of the host.
    context = runtime.newContext();
    const ctx = context;
    const keep = (handle: QuickJSHandle): QuickJSHandle => {
      handles.push(handle);
      return handle;
    };
    /** The thrown value as the client's message; a time-out wins over whatever the interrupt threw. */
    const failure = (thrown: QuickJSHandle, describe?: QuickJSHandle): ScriptError => {
      keep(thrown);
      if (timedOut) return fail('script timed out');
      if (describe === undefined) return fail('script failed');
      deadline = performance.now() + DESCRIBE_GRACE_MS;
      const described = ctx.callFunction(describe, ctx.undefined, thrown);
      if (described.error) {
        keep(described.error);
        return fail(timedOut ? 'script timed out' : 'script failed');
      }
      const text = keep(described.value);
      const message = ctx.typeof(text) === 'string' ? ctx.getString(text) : '';
      return fail(clip(message === '' ? 'script failed' : message));
    };

    // The script's own time starts here, after the WebAssembly instance and its context are made.
    onStart();
    deadline = performance.now() + run.limits.timeoutMs;
    const base = ctx.evalCode(BASE_PRELUDE, 'base.js', { type: 'global', strict: true });
    if (base.error) throw failure(base.error);
    const describe = keep(base.value);
    const prelude = ctx.evalCode(run.prelude, 'prelude.js', { type: 'global', strict: true });
    if (prelude.error) throw failure(prelude.error, describe);
    const setup = ctx.callFunction(keep(prelude.value), ctx.undefined, keep(ctx.newString(run.inputJson)));
    if (setup.error) throw failure(setup.error, describe);
    const readBack = keep(setup.value);

    const evaluated = ctx.evalCode(run.code, run.filename, { type: 'global' });
    if (evaluated.error) throw failure(evaluated.error, describe);
    keep(evaluated.value);
    const jobs = runtime.executePendingJobs(-1);
    if (jobs.error) throw failure(jobs.error, describe);

    const result = ctx.callFunction(readBack, ctx.undefined);
    if (result.error) throw failure(result.error, describe);
    const json = keep(result.value);
    if (ctx.typeof(json) !== 'string') throw fail('the result is not JSON');
    return ctx.getString(json);
  } catch (error) {
    if (error instanceof ScriptError) throw error;
    // The host side failed, which leaves the instance half-way through a call: Node's own stack ran out
    // inside the WebAssembly code (V8 throws a RangeError there; some recursions, such as JSON.parse of
    // deeply nested arrays, use far more native stack per level than QuickJS's stack limit counts) or
    // the instance trapped. It is never entered again, not even to free it.
    broken = true;
    const text = error instanceof RangeError ? 'stack overflow' : timedOut ? 'script timed out' : 'script aborted';
    throw new ScriptError(`${run.errorPrefix}: ${text}`, { cause: error });
  } finally {
    if (!broken) {
      for (const handle of handles.reverse()) quietly(() => handle.alive && handle.dispose());
      quietly(() => context?.dispose());
      quietly(() => runtime?.dispose());
    }
  }
}

function quietly(action: () => unknown): void {
  try {
    action();
  } catch {
    // the instance is discarded
  }
}

function clip(message: string): string {
  return message.length <= MAX_MESSAGE_LENGTH ? message : `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
}

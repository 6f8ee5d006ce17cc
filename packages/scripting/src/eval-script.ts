import { isPlainRecord, parseSandboxJson } from './json.ts';
import { resolveLimits } from './limits.ts';
import type { ScriptLimits } from './limits.ts';
import { runOnSandboxThread } from './sandbox-pool.ts';
import { ScriptError } from './script-error.ts';

/** Upload parameters an eval script may not set (wave-2 reference §6.1); setting or deleting one is refused. */
export const EVAL_FORBIDDEN_OPTIONS = ['eager_async', 'upload_preset', 'resource_type', 'type'] as const;

const ERROR_PREFIX = 'Eval error';

/**
 * The globals of an eval script. `resource_info` is a deep-frozen copy behind a read-only global;
 * `upload_options` a mutable copy behind a writable, non-configurable global (a top-level
 * `let upload_options` is a SyntaxError rather than a silent shadow). `Date` and `Math.random` stay:
 * they read the clock and the entropy pool, not anything of the host, and a script may tag by date.
 */
const EVAL_PRELUDE = `(function (inputJson) {
  'use strict';
  var G = globalThis, parse = JSON.parse, stringify = JSON.stringify, keys = Object.keys, freeze = Object.freeze;
  var define = Object.defineProperty, isArray = Array.isArray, TypeError_ = TypeError;
  var input = parse(inputJson);
  function deepFreeze(value) {
    if (value !== null && typeof value === 'object') {
      var names = keys(value);
      for (var i = 0; i < names.length; i++) deepFreeze(value[names[i]]);
      freeze(value);
    }
    return value;
  }
  define(G, 'resource_info', { value: deepFreeze(input.resource_info), writable: false, enumerable: true, configurable: false });
  define(G, 'upload_options', { value: input.upload_options, writable: true, enumerable: true, configurable: false });
  function readBack() {
    var options = G.upload_options;
    if (options === null || typeof options !== 'object' || isArray(options)) throw new TypeError_('upload_options must be an object');
    return stringify(options);
  }
  return readBack;
})`;

/**
 * Runs an `eval` script (after analysis, before the asset is stored) and returns the upload options it
 * changed: every key whose JSON value differs from the input's, a deleted key as `null`. Values are
 * plain JSON (strings in the wire format, as a client would send them; `${resource_info.…}`
 * placeholders are left for {@link interpolateResourceInfo}). Refusals are {@link ScriptError}s.
 */
export async function runEvalScript(
  code: string,
  input: { resourceInfo: Record<string, unknown>; uploadOptions: Record<string, unknown> },
  limits?: Partial<ScriptLimits>,
): Promise<{ changed: Record<string, unknown> }> {
  const resolved = resolveLimits(limits);
  if (code.length > resolved.maxLength) throw new ScriptError('Eval is too long');
  if (code.trim() === '') return { changed: {} };

  // both sides go through the same JSON round trip, so only the script's doing shows up as a change
  const beforeJson = JSON.stringify(input.uploadOptions);
  const before = parseSandboxJson(beforeJson, ERROR_PREFIX) as Record<string, unknown>;
  const inputJson = `{"resource_info":${JSON.stringify(input.resourceInfo)},"upload_options":${beforeJson}}`;
  const text = await runOnSandboxThread({ code, filename: 'eval.js', prelude: EVAL_PRELUDE, inputJson, errorPrefix: ERROR_PREFIX, limits: resolved });
  const after = parseSandboxJson(text, ERROR_PREFIX);
  if (!isPlainRecord(after)) throw new ScriptError(`${ERROR_PREFIX}: upload_options must be an object`);

  const changes: [string, unknown][] = [];
  for (const key of Object.keys(after)) {
    if (!Object.hasOwn(before, key) || JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes.push([key, after[key]]);
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) changes.push([key, null]);
  }
  const forbidden = EVAL_FORBIDDEN_OPTIONS.find((name) => changes.some(([key]) => key === name));
  if (forbidden !== undefined) throw new ScriptError(`${ERROR_PREFIX}: ${forbidden} cannot be set by eval`);
  return { changed: Object.fromEntries(changes) };
}

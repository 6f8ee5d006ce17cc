import { isPlainRecord, parseSandboxJson } from './json.ts';
import { resolveLimits } from './limits.ts';
import type { ScriptLimits } from './limits.ts';
import { runOnSandboxThread } from './sandbox-pool.ts';
import { ScriptError } from './script-error.ts';

const ERROR_PREFIX = 'On success script error';

/** What `current_asset.update(data)` may carry; each key given REPLACES the asset's value. */
export interface AssetUpdate {
  tags?: string[];
  context?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

/**
 * The globals of an on_success script: `event` and its alias `e` (`{ upload_info, status }`, a mutable
 * copy: nothing is read back from it), and `current_asset.update(data)`, which records a JSON snapshot
 * of `data` inside the sandbox (the last call wins). All three are ordinary globals, so a script may
 * redeclare `e`; the recording lives in a closure it cannot reach.
 */
const ON_SUCCESS_PRELUDE = `(function (inputJson) {
  'use strict';
  var G = globalThis, parse = JSON.parse, stringify = JSON.stringify, freeze = Object.freeze;
  var isArray = Array.isArray, TypeError_ = TypeError;
  var event = parse(inputJson);
  var recorded = 'null';
  function update(data) {
    if (data === null || typeof data !== 'object' || isArray(data)) throw new TypeError_('current_asset.update expects an object');
    recorded = stringify(data);
  }
  G.event = event;
  G.e = event;
  G.current_asset = freeze({ update: update });
  function readBack() { return recorded; }
  return readBack;
})`;

/**
 * Runs an `on_success` script (after the upload succeeded) and returns the data of its last
 * `current_asset.update(...)` call, checked: `tags` an array of strings, `context` an object of
 * strings (numbers and booleans become text), `metadata` an object of JSON values. No call: no update.
 */
export async function runOnSuccessScript(
  code: string,
  input: { uploadInfo: Record<string, unknown>; status: 'success' | 'failure' },
  limits?: Partial<ScriptLimits>,
): Promise<{ update?: AssetUpdate }> {
  const resolved = resolveLimits(limits);
  if (code.length > resolved.maxLength) throw new ScriptError('On success script is too long');
  if (code.trim() === '') return {};

  const inputJson = `{"upload_info":${JSON.stringify(input.uploadInfo)},"status":${JSON.stringify(input.status)}}`;
  const text = await runOnSandboxThread({
    code,
    filename: 'on_success.js',
    prelude: ON_SUCCESS_PRELUDE,
    inputJson,
    errorPrefix: ERROR_PREFIX,
    limits: resolved,
  });
  const data = parseSandboxJson(text, ERROR_PREFIX);
  if (data === null) return {};
  return { update: checkUpdate(data) };
}

function checkUpdate(data: unknown): AssetUpdate {
  const refuse = (message: string): ScriptError => new ScriptError(`${ERROR_PREFIX}: ${message}`);
  if (!isPlainRecord(data)) throw refuse('current_asset.update expects an object');
  const update: AssetUpdate = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'tags') {
      if (!Array.isArray(value) || !value.every((tag) => typeof tag === 'string')) throw refuse('tags must be an array of strings');
      update.tags = value;
    } else if (key === 'context') {
      if (!isPlainRecord(value)) throw refuse('context must be an object');
      const entries = Object.entries(value).map(([name, text]) => {
        if (typeof text === 'string') return [name, text] as const;
        if (typeof text === 'number' || typeof text === 'boolean') return [name, String(text)] as const;
        throw refuse(`context value ${JSON.stringify(name)} must be a string`);
      });
      update.context = Object.fromEntries(entries);
    } else if (key === 'metadata') {
      if (!isPlainRecord(value)) throw refuse('metadata must be an object');
      update.metadata = value;
    } else {
      throw refuse(`current_asset.update does not accept ${JSON.stringify(key).slice(0, 80)} (only tags, context and metadata)`);
    }
  }
  return update;
}

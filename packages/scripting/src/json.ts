import { ScriptError } from './script-error.ts';

/** Keys that could reach an object's prototype once the value is merged into something else. */
const POISONED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses JSON text that came out of a sandbox. `JSON.parse` itself only creates own data properties,
 * but a `__proto__` key would become a prototype the moment a caller spreads or assigns the value into
 * another object, so those keys (and `constructor`/`prototype`) are dropped at every depth.
 */
export function parseSandboxJson(text: string, errorPrefix: string): unknown {
  try {
    return JSON.parse(text, (key, value: unknown) => (POISONED_KEYS.has(key) ? undefined : value));
  } catch {
    throw new ScriptError(`${errorPrefix}: the result is not JSON`);
  }
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

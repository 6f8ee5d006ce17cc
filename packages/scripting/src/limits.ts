/** What one script run may use. Every run gets a fresh WebAssembly instance with these limits. */
export interface ScriptLimits {
  /** Wall-clock time for the script (and its promise jobs and the read-back of its result), in ms. */
  timeoutMs: number;
  /** Heap of the QuickJS runtime (`runtime.setMemoryLimit`), in bytes. */
  memoryBytes: number;
  /** QuickJS's stack limit (`runtime.setMaxStackSize`), in bytes. */
  stackBytes: number;
  /** The longest script accepted, in UTF-16 code units (Cloudinary: 4095 characters). */
  maxLength: number;
}

/**
 * The defaults. 250 ms is far more than any documented script needs (they run in well under 1 ms) and
 * leaves room for a loaded machine; a runaway script occupies one sandbox thread for at most this plus
 * WATCHDOG_SLACK_MS (sandbox-pool.ts). 512 KiB of QuickJS stack is ~2,900 nested calls of a plain
 * function; the sandbox threads have 8 MiB of native stack, so QuickJS's own check fired first in every recursion the tests try
 * (on Node's ~1 MiB main-thread stack it did not: deep recursion ran out of native stack instead).
 */
export const DEFAULT_SCRIPT_LIMITS: Readonly<ScriptLimits> = Object.freeze({
  timeoutMs: 250,
  memoryBytes: 16 * 1024 * 1024,
  stackBytes: 512 * 1024,
  maxLength: 4095,
});

export function resolveLimits(limits: Partial<ScriptLimits> | undefined): ScriptLimits {
  const resolved = { ...DEFAULT_SCRIPT_LIMITS, ...limits };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`ScriptLimits.${name} must be a positive number, got ${value}`);
  }
  return resolved;
}

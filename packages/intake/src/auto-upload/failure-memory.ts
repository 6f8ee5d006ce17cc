import type { ApiError } from '@rendition/protocol';

export interface FailureMemory {
  /** The failure remembered under `key`, while it has not expired. */
  recall(key: string): ApiError | undefined;
  remember(key: string, failure: ApiError): void;
}

/**
 * A bounded, in-process memory of recent failures, so a remote source that failed is not asked again
 * on every request. Past `maxEntries` the oldest entry is forgotten first; `ttlSeconds` 0 remembers
 * nothing.
 */
export function createFailureMemory(options: { ttlSeconds: number; maxEntries: number; now?: () => number }): FailureMemory {
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order: its first key is the oldest entry.
  const entries = new Map<string, { failure: ApiError; expiresAt: number }>();
  return {
    recall(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt > now()) return entry.failure;
      entries.delete(key);
      return undefined;
    },
    remember(key, failure) {
      if (options.ttlSeconds <= 0 || options.maxEntries <= 0) return;
      entries.delete(key);
      entries.set(key, { failure, expiresAt: now() + options.ttlSeconds * 1000 });
      while (entries.size > options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
  };
}

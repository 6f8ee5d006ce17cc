import type { CatalogDb } from './connection.ts';
import { listenOnChannel, type OutcomeListener } from './outcome-signals.ts';
import { watchOwnWrites } from './own-writes.ts';

/**
 * The channel migration 0028's triggers notify after any write to the settings tables (clouds, api_keys,
 * metadata fields, upload presets), from any process, the CLI and psql included.
 */
export const SETTINGS_CHANNEL = 'rendition_settings';

/** The tables whose rows are cached here (migration 0028 puts the triggers on the same ones). */
export const SETTINGS_TABLES = ['clouds', 'api_keys', 'metadata_fields', 'upload_presets'] as const;

export interface SettingsCacheOptions {
  /** How long an entry may be served without a change notice (a bound on any notice lost in transit). */
  ttlMs: number;
  /** Entries kept at most; the oldest go first. */
  maxEntries: number;
  onError(error: unknown): void;
}

export interface SettingsCacheHandle {
  close(): Promise<void>;
}

interface Entry {
  value: Promise<unknown>;
  expiresAt: number;
}

class SettingsCache {
  private readonly entries = new Map<string, Entry>();
  /** Serving only while LISTEN is up: a change made while it is down would go unnoticed. */
  private listening = false;
  /** Bumped by every change notice, so a read that started before it is not stored after it. */
  private generation = 0;

  private readonly options: Pick<SettingsCacheOptions, 'ttlMs' | 'maxEntries'>;

  constructor(options: Pick<SettingsCacheOptions, 'ttlMs' | 'maxEntries'>) {
    this.options = options;
  }

  read<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.listening) return load();
    const now = Date.now();
    const found = this.entries.get(key);
    if (found && found.expiresAt > now) return found.value as Promise<T>;
    const generation = this.generation;
    const value = load();
    const entry: Entry = { value, expiresAt: now + this.options.ttlMs };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    // Concurrent misses share one read; a failed read or one overtaken by a change is not kept.
    value.then(
      () => {
        if (generation !== this.generation && this.entries.get(key) === entry) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return value;
  }

  changed(): void {
    this.generation += 1;
    this.entries.clear();
  }

  setListening(listening: boolean): void {
    this.listening = listening;
    this.changed();
  }
}

const caches = new WeakMap<CatalogDb, SettingsCache>();

/**
 * A setting of a cloud (a key's secret, a cloud's notification URLs, its metadata fields…) from this
 * process's cache when `enableSettingsCache` was called for `db`, else read now. `key` names the query
 * and its arguments; `load` must answer a value nobody mutates.
 */
export function cachedSetting<T>(db: CatalogDb, key: string, load: () => Promise<T>): Promise<T> {
  const cache = caches.get(db);
  return cache ? cache.read(key, load) : load();
}

/**
 * Caches the settings reads of `db` in this process until a change notice (SETTINGS_CHANNEL) or the
 * TTL, so a request authenticates and an upload is accepted without reading what rarely changes.
 * Nothing is served from the cache while the LISTEN connection is down.
 */
export function enableSettingsCache(db: CatalogDb, databaseUrl: string, options: SettingsCacheOptions): SettingsCacheHandle {
  const cache = new SettingsCache(options);
  caches.set(db, cache);
  // The notice comes a moment after the commit: this process forgets its own writes at once.
  const stopWatching = watchOwnWrites(db, SETTINGS_TABLES, () => cache.changed());
  const listener: OutcomeListener = listenOnChannel(databaseUrl, SETTINGS_CHANNEL, {
    onPayload: () => cache.changed(),
    onListening: () => cache.setListening(true),
    onLost: () => cache.setListening(false),
    onError: options.onError,
  });
  return {
    async close() {
      stopWatching();
      cache.setListening(false);
      caches.delete(db);
      await listener.close();
    },
  };
}

import { cloudRateLimits, type CatalogDb } from '@rendition/catalog';
import type { Logger } from '@rendition/logging';

/** The limits that apply to a cloud's keys; 0 is no limit. */
export interface RateLimitSettings {
  /** Admin API calls per API key per clock hour (Cloudinary's limit). */
  adminPerHour: number;
  /** Uploads started per API key (unsigned: per cloud) per clock minute, and per clock hour. */
  uploadsPerMinute: number;
  uploadsPerHour: number;
  /** Upload requests per API key (unsigned: per cloud) in progress at once. */
  uploadConcurrency: number;
}

/** How long a process keeps a cloud's own limits before reading them again (a change applies within it). */
export const CLOUD_SETTINGS_TTL_MS = 30_000;
/** How long the global limits stand in for a cloud's when the catalog could not be read. */
const FAILED_READ_TTL_MS = 5_000;

export interface CloudSettingsCache {
  settingsOf(cloud: string): Promise<RateLimitSettings>;
}

/**
 * Each cloud's limits (the global ones under the cloud's own, `rendition rate-limits`), read from the
 * catalog at most once per `ttlMs` per process rather than once per request.
 */
export function createCloudSettingsCache(deps: {
  db: CatalogDb;
  defaults: RateLimitSettings;
  logger: Logger;
  ttlMs?: number;
  now?: () => number;
}): CloudSettingsCache {
  const ttlMs = deps.ttlMs ?? CLOUD_SETTINGS_TTL_MS;
  const now = deps.now ?? Date.now;
  const entries = new Map<string, { expiresAt: number; settings: Promise<RateLimitSettings> }>();

  const read = async (cloud: string): Promise<{ settings: RateLimitSettings; ttl: number }> => {
    try {
      return { settings: { ...deps.defaults, ...(await cloudRateLimits(deps.db, cloud)) }, ttl: ttlMs };
    } catch (error) {
      deps.logger.warn({ err: error, cloud }, "rate limits: the cloud's own limits could not be read; the global ones apply");
      return { settings: deps.defaults, ttl: Math.min(ttlMs, FAILED_READ_TTL_MS) };
    }
  };

  return {
    settingsOf(cloud) {
      const cached = entries.get(cloud);
      if (cached && cached.expiresAt > now()) return cached.settings;
      // Requests arriving while the catalog answers share one read.
      const entry = { expiresAt: Number.POSITIVE_INFINITY, settings: Promise.resolve(deps.defaults) };
      entry.settings = read(cloud).then(({ settings, ttl }) => {
        entry.expiresAt = now() + ttl;
        return settings;
      });
      entries.set(cloud, entry);
      return entry.settings;
    },
  };
}

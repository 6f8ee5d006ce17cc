/**
 * The bounds of one archive. Not configuration yet: the API takes overrides in its dependencies
 * (`limits.archive`), and these are the defaults until they are wired to environment variables
 * (docs/archives.md, "Limits"). The job receives the API's values in its payload.
 */
export interface ArchiveLimits {
  /** Distinct assets in one archive (Cloudinary: 1000). */
  maxResources: number;
  /** Entries in one archive: an asset counts once per transformation (Cloudinary: 5000). */
  maxFiles: number;
  /** The archive's size in bytes. */
  maxBytes: number;
  /** Values of `prefixes` and of `tags`, each: every one is a catalog walk. */
  maxSelectors: number;
  /** How long the API waits for the archive job (a synchronous create, every download). */
  waitTimeoutMs: number;
  /** How long the job waits for one derivative. */
  deriveWaitMs: number;
}

/** ARCHIVE_MAX_RESOURCES (to be): 1000, Cloudinary's documented bound. */
export const DEFAULT_ARCHIVE_MAX_RESOURCES = 1_000;
/** ARCHIVE_MAX_FILES (to be): 5000, Cloudinary's bound with derived files. */
export const DEFAULT_ARCHIVE_MAX_FILES = 5_000;
/** ARCHIVE_MAX_BYTES (to be): 10 GiB. */
export const DEFAULT_ARCHIVE_MAX_BYTES = 10 * 1024 * 1024 * 1024;
/** ARCHIVE_MAX_SELECTORS (to be): 100 prefixes and 100 tags. */
export const DEFAULT_ARCHIVE_MAX_SELECTORS = 100;
/** ARCHIVE_WAIT_TIMEOUT_MS (to be): 10 minutes, time to stream 10 GiB from storage to storage with room to spare. */
export const DEFAULT_ARCHIVE_WAIT_TIMEOUT_MS = 600_000;
/** ARCHIVE_DERIVE_WAIT_MS (to be): 5 minutes per derivative. */
export const DEFAULT_ARCHIVE_DERIVE_WAIT_MS = 300_000;

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxResources: DEFAULT_ARCHIVE_MAX_RESOURCES,
  maxFiles: DEFAULT_ARCHIVE_MAX_FILES,
  maxBytes: DEFAULT_ARCHIVE_MAX_BYTES,
  maxSelectors: DEFAULT_ARCHIVE_MAX_SELECTORS,
  waitTimeoutMs: DEFAULT_ARCHIVE_WAIT_TIMEOUT_MS,
  deriveWaitMs: DEFAULT_ARCHIVE_DERIVE_WAIT_MS,
});

/** The defaults under whatever the caller set. */
export function archiveLimits(overrides: Partial<ArchiveLimits> | undefined): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...overrides };
}

import { isAbsolute, resolve } from 'node:path';
import type { S3ClientSettings, StorageSettings } from './storage-settings.ts';
import { ENV_VARIABLES, type EnvName, type ParsedEnv } from './env-variables.ts';
import { effectiveQueuePrefix, effectiveRedisUrl } from './redis-settings.ts';

// The shapes the storage package consumes, so the parsed config plugs straight into it.
export type StorageConfig = StorageSettings;
export type S3ConnectionConfig = S3ClientSettings;

export interface Config {
  readonly http: {
    readonly port: number;
    readonly host: string;
    readonly requestTimeoutMs: number;
    readonly idleTimeoutMs: number;
    /** TRUST_PROXY: the proxies whose X-Forwarded-For names the client (Fastify's trustProxy). */
    readonly trustProxy: boolean | number | readonly string[];
  };
  /** METRICS_PORT (0: no listener; the API serves /metrics on its own port) and METRICS_TOKEN (a bearer token scrapes must send). */
  readonly metrics: { readonly port: number; readonly token?: string };
  /** pdf.js runner processes and their bounds; LibreOffice's time limit. */
  readonly documents: {
    readonly threads: number;
    readonly maxPages: number;
    readonly maxRenderPixels: number;
    readonly timeoutMs: number;
    readonly memoryMb: number;
    readonly officeTimeoutMs: number;
  };
  /** ffmpeg runs and the bounds of video work. */
  readonly video: {
    readonly threads: number;
    readonly timeoutMs: number;
    readonly maxDurationSeconds: number;
    readonly maxPixels: number;
    readonly maxFrameRate: number;
    readonly maxBitRate: number;
    readonly maxSyncBytes: number;
  };
  /** The local moderation classifier and its defaults. */
  readonly moderation: { readonly model: string; readonly nsfwThresholds: Readonly<Record<string, number>>; readonly videoFrames: number };
  /** What an image version keeps of its metadata, and how many frames a cinemagraph analysis compares. */
  readonly analysis: { readonly imageMetadataMaxBytes: number; readonly cinemagraphMaxFrames: number };
  /** eval and on_success: each run's time and QuickJS heap. */
  readonly scripts: { readonly timeoutMs: number; readonly memoryMb: number };
  /** Garbage Buffers past this many bytes are collected at once (0: V8 decides). */
  readonly bufferReclaimBytes: number;
  readonly publicBaseUrl: string;
  readonly secureBaseUrl: string;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  /** DATABASE_PARALLEL_WORKERS_PER_GATHER: PostgreSQL's max_parallel_workers_per_gather on this process's connections. */
  readonly databaseParallelWorkersPerGather: number;
  /** SETTINGS_CACHE_TTL_MS (0: off) and SETTINGS_CACHE_MAX_ENTRIES: the per-process settings cache (catalog settings-cache.ts). */
  readonly settingsCache: { readonly ttlMs: number; readonly maxEntries: number };
  /** DELIVERY_CACHE_TTL_MS (0: off) and DELIVERY_CACHE_MAX_ENTRIES: the API's resolved delivery URLs (apps/api delivery-cache.ts). */
  readonly deliveryCache: { readonly ttlMs: number; readonly maxEntries: number; readonly maxBytes: number; readonly maxEntryBytes: number };
  /** INTAKE_GROUP_MAX, INTAKE_GROUP_IN_FLIGHT and INTAKE_QUEUE_LINGER_MS: the API's group commit of accepted uploads (intake acceptance-groups.ts). */
  readonly intakeGroups: { readonly maxGroupSize: number; readonly maxInFlight: number; readonly queueLingerMs: number };
  /** REDIS_URL, with REDIS_CLUSTER_NODES folded in (`redis+cluster://…`): what createRedisConnection takes. */
  readonly redisUrl: string;
  /** QUEUE_PREFIX as BullMQ is given it: a hash tag (`{rendition}`) on a Redis Cluster. */
  readonly queuePrefix: string;
  readonly storage: StorageConfig;
  readonly s3: S3ConnectionConfig;
  readonly s3SourceBuckets: readonly string[];
  readonly limits: {
    readonly maxUploadBytes: number;
    /** The running total of a chunked upload's parts. */
    readonly maxLargeUploadBytes: number;
    /** The smallest part of a chunked upload but its last (LARGE_UPLOAD_MIN_PART_BYTES). */
    readonly largeUploadMinPartBytes: number;
    /** INLINE_UPLOAD_MAX_BYTES: a file this small travels inside its job instead of being staged. */
    readonly inlineUploadMaxBytes: number;
    /** A chunked upload with no part for this long is swept. */
    readonly largeUploadTtlMs: number;
    readonly maxDataUriBytes: number;
    /** One text parameter, and all of a request's text parameters together (`file` aside): read before authentication. */
    readonly maxFieldBytes: number;
    readonly maxFieldsTotalBytes: number;
    readonly maxRemoteBytes: number;
    readonly maxImagePixels: number;
    readonly imageTimeoutSeconds: number;
    readonly syncUploadTimeoutMs: number;
    readonly maxOutputDimension: number;
    readonly maxOutputPixels: number;
    /** A derivative up to this many output pixels is encoded into memory, not a scratch file (0: never). */
    readonly inMemoryOutputPixels: number;
    readonly deriveWaitTimeoutMs: number;
    /** generate_archive's bounds (docs/archives.md). */
    readonly archive: {
      readonly maxResources: number;
      readonly maxFiles: number;
      readonly maxBytes: number;
      readonly maxSelectors: number;
      readonly waitTimeoutMs: number;
      readonly deriveWaitMs: number;
    };
    /** What one request may put on an asset or ask to compute (protocol's ParameterLimits). */
    readonly parameters: {
      readonly contextMaxKeyLength: number;
      readonly contextMaxValueLength: number;
      readonly contextMaxBytes: number;
      readonly tagMaxLength: number;
      readonly tagsMaxPerAsset: number;
      readonly metadataMaxValueLength: number;
      readonly eagerMaxItems: number;
      readonly eagerMaxOutputPixels: number;
      readonly coordinatesMaxRegions: number;
    };
  };
  /** Fetch delivery (docs/fetch-delivery.md): the bounds of one remote fetch, and how long what it got is served. */
  readonly fetchDelivery: {
    readonly timeoutMs: number;
    readonly maxBytes: number;
    readonly minTtlSeconds: number;
    readonly maxTtlSeconds: number;
    readonly failureTtlSeconds: number;
  };
  /** Upload mappings' auto-upload (docs/fetch-delivery.md): how failures are remembered per API process. */
  readonly autoUpload: {
    readonly failureTtlSeconds: number;
    readonly maxRememberedFailures: number;
  };
  readonly remoteFetch: {
    readonly timeoutMs: number;
    readonly maxRedirects: number;
    /** Further attempts after a failure a retry can fix, within timeoutMs; and the wait without Retry-After. */
    readonly retries: number;
    readonly retryDelayMs: number;
    readonly caFile?: string;
    readonly allow: readonly string[];
  };
  readonly worker: {
    readonly queues: readonly string[];
    readonly concurrency: {
      readonly ingest: number;
      readonly derive: number;
      readonly notify: number;
      readonly documents: number;
      readonly video: number;
      readonly moderate: number;
      readonly archive: number;
      readonly purge: number;
    };
    readonly shutdownTimeoutMs: number;
  };
  readonly webhooks: {
    readonly schedule: string;
    readonly scheduleScale: number;
    readonly timeoutMs: number;
    readonly signatureAlgorithm: 'sha1' | 'sha256';
    /** WEBHOOK_DIRECT_DELIVERY: first attempts made by the process that ended the batch. */
    readonly directDelivery: boolean;
    /** WEBHOOK_DIRECT_LEASE_MS: how long a direct attempt's queued fallback waits after its process last pushed it back. */
    readonly directLeaseMs: number;
  };
  readonly relay: { readonly intervalMs: number; readonly graceMs: number };
  readonly redisAllowEviction: boolean;
  /** Producer side (API, relay): a Redis command's time limit, and the Retry-After of the 503 answered without Redis. */
  readonly redisCommandTimeoutMs: number;
  readonly unavailableRetryAfterSeconds: number;
  /** RATE_LIMIT_*: the global rate limits (0: none) and how long a request waits for their Redis; off when not enabled. */
  readonly rateLimits: {
    readonly enabled: boolean;
    readonly adminPerHour: number;
    readonly uploadsPerMinute: number;
    readonly uploadsPerHour: number;
    readonly uploadConcurrency: number;
    readonly timeoutMs: number;
  };
  /** Workers' sweep of what crashes leave behind: staged uploads and scratch directories. */
  readonly sweep: { readonly stagingAgeMs: number; readonly scratchAgeMs: number; readonly intervalMs: number };
  /** The queue dashboard (/admin/queues): served only with operator credentials (ADMIN_USER, ADMIN_PASSWORD). */
  readonly queueDashboard: { readonly credentials?: { readonly user: string; readonly password: string }; readonly readOnly: boolean };
  readonly bootstrapCloud: string;
  readonly logLevel: ParsedEnv['LOG_LEVEL'];
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

/** S3's smallest multipart part but the last. */
const S3_MIN_PART_BYTES = 5 * 1024 * 1024;

/** Validates every variable at once so an operator sees all mistakes in one boot. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  const parsed: Partial<Record<EnvName, unknown>> = {};
  for (const [name, variable] of Object.entries(ENV_VARIABLES) as Array<[EnvName, (typeof ENV_VARIABLES)[EnvName]]>) {
    const raw = env[name];
    // An empty variable means "not set": shells and compose files often export NAME= .
    const result = variable.schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) {
      parsed[name] = result.data;
    } else {
      const reason = result.error.issues.map((issue) => issue.message).join('; ');
      problems.push(`${name}=${JSON.stringify(raw)}: ${reason}`);
    }
  }
  // No early throw: the STORAGE_URL check below must be reported together with the schema problems.
  const e = parsed as ParsedEnv;

  const s3: S3ConnectionConfig = {
    region: e.S3_REGION,
    forcePathStyle: e.S3_FORCE_PATH_STYLE,
    ...(e.S3_ENDPOINT === undefined ? {} : { endpoint: e.S3_ENDPOINT }),
    ...(e.S3_ACCESS_KEY_ID === undefined ? {} : { accessKeyId: e.S3_ACCESS_KEY_ID }),
    ...(e.S3_SECRET_ACCESS_KEY === undefined ? {} : { secretAccessKey: e.S3_SECRET_ACCESS_KEY }),
  };
  const storage = typeof parsed.STORAGE_URL === 'string' ? parseStorageUrl(parsed.STORAGE_URL, s3, cwd, problems) : undefined;
  if (e.FETCH_CACHE_MIN_TTL_S > e.FETCH_CACHE_MAX_TTL_S) {
    problems.push(`FETCH_CACHE_MIN_TTL_S=${e.FETCH_CACHE_MIN_TTL_S} is more than FETCH_CACHE_MAX_TTL_S=${e.FETCH_CACHE_MAX_TTL_S}`);
  }
  // S3 refuses to assemble a multipart upload whose non-final parts are under 5 MiB: a lower minimum
  // would accept parts that fail only when the last one arrives.
  if (storage?.kind === 's3' && e.LARGE_UPLOAD_MIN_PART_BYTES < S3_MIN_PART_BYTES) {
    problems.push(
      `LARGE_UPLOAD_MIN_PART_BYTES=${e.LARGE_UPLOAD_MIN_PART_BYTES} is below S3's minimum part size (${S3_MIN_PART_BYTES}) with STORAGE_URL s3://`,
    );
  }
  if ((e.ADMIN_USER === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_USER and ADMIN_PASSWORD go together: set both to serve the queue dashboard, or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const publicBaseUrl = e.PUBLIC_BASE_URL ?? `http://127.0.0.1:${e.PORT}`;
  return deepFreeze({
    http: {
      port: e.PORT,
      host: e.HOST,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      idleTimeoutMs: e.HTTP_IDLE_TIMEOUT_MS,
      trustProxy: e.TRUST_PROXY ?? false,
    },
    metrics: { port: e.METRICS_PORT, ...(e.METRICS_TOKEN === undefined ? {} : { token: e.METRICS_TOKEN }) },
    bufferReclaimBytes: e.BUFFER_RECLAIM_BYTES,
    documents: {
      threads: e.DOCUMENT_THREADS,
      maxPages: e.DOCUMENT_MAX_PAGES,
      maxRenderPixels: e.DOCUMENT_MAX_RENDER_PIXELS,
      timeoutMs: e.DOCUMENT_TIMEOUT_MS,
      memoryMb: e.DOCUMENT_MEMORY_MB,
      officeTimeoutMs: e.OFFICE_CONVERT_TIMEOUT_MS,
    },
    video: {
      threads: e.VIDEO_THREADS,
      timeoutMs: e.VIDEO_TIMEOUT_MS,
      maxDurationSeconds: e.VIDEO_MAX_DURATION_SECONDS,
      maxPixels: e.VIDEO_MAX_PIXELS,
      maxFrameRate: e.VIDEO_MAX_FRAME_RATE,
      maxBitRate: e.VIDEO_MAX_BIT_RATE,
      maxSyncBytes: e.MAX_SYNC_VIDEO_BYTES,
    },
    scripts: { timeoutMs: e.SCRIPT_TIMEOUT_MS, memoryMb: e.SCRIPT_MEMORY_MB },
    analysis: { imageMetadataMaxBytes: e.IMAGE_METADATA_MAX_BYTES, cinemagraphMaxFrames: e.CINEMAGRAPH_MAX_FRAMES },
    moderation: {
      model: e.MODERATION_MODEL,
      nsfwThresholds: Object.fromEntries(
        e.MODERATION_NSFW_THRESHOLDS.split(',').map((pair) => {
          const [label = '', threshold = ''] = pair.split(':');
          return [label.trim(), Number(threshold)];
        }),
      ),
      videoFrames: e.MODERATION_VIDEO_FRAMES,
    },
    publicBaseUrl,
    secureBaseUrl: e.SECURE_BASE_URL ?? publicBaseUrl,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseParallelWorkersPerGather: e.DATABASE_PARALLEL_WORKERS_PER_GATHER,
    settingsCache: { ttlMs: e.SETTINGS_CACHE_TTL_MS, maxEntries: e.SETTINGS_CACHE_MAX_ENTRIES },
    deliveryCache: {
      ttlMs: e.DELIVERY_CACHE_TTL_MS,
      maxEntries: e.DELIVERY_CACHE_MAX_ENTRIES,
      maxBytes: e.DELIVERY_CACHE_MAX_BYTES,
      maxEntryBytes: e.DELIVERY_CACHE_ENTRY_MAX_BYTES,
    },
    intakeGroups: { maxGroupSize: e.INTAKE_GROUP_MAX, maxInFlight: e.INTAKE_GROUP_IN_FLIGHT, queueLingerMs: e.INTAKE_QUEUE_LINGER_MS },
    redisUrl: effectiveRedisUrl(e.REDIS_URL, e.REDIS_CLUSTER_NODES),
    queuePrefix: effectiveQueuePrefix(e.QUEUE_PREFIX, effectiveRedisUrl(e.REDIS_URL, e.REDIS_CLUSTER_NODES)),
    storage: storage!,
    s3,
    s3SourceBuckets: e.S3_SOURCE_BUCKETS,
    limits: {
      maxUploadBytes: e.MAX_UPLOAD_BYTES,
      maxLargeUploadBytes: e.MAX_LARGE_UPLOAD_BYTES,
      inlineUploadMaxBytes: e.INLINE_UPLOAD_MAX_BYTES,
      largeUploadMinPartBytes: e.LARGE_UPLOAD_MIN_PART_BYTES,
      largeUploadTtlMs: e.LARGE_UPLOAD_TTL_MS,
      maxDataUriBytes: e.MAX_DATA_URI_BYTES,
      maxFieldBytes: e.MAX_FIELD_BYTES,
      maxFieldsTotalBytes: e.MAX_FIELDS_TOTAL_BYTES,
      maxRemoteBytes: e.MAX_REMOTE_BYTES,
      maxImagePixels: e.MAX_IMAGE_PIXELS,
      imageTimeoutSeconds: e.IMAGE_TIMEOUT_SECONDS,
      syncUploadTimeoutMs: e.SYNC_UPLOAD_TIMEOUT_MS,
      maxOutputDimension: e.MAX_OUTPUT_DIMENSION,
      maxOutputPixels: e.MAX_OUTPUT_PIXELS,
      inMemoryOutputPixels: e.DERIVE_IN_MEMORY_MAX_PIXELS,
      deriveWaitTimeoutMs: e.DERIVE_WAIT_TIMEOUT_MS,
      archive: {
        maxResources: e.ARCHIVE_MAX_RESOURCES,
        maxFiles: e.ARCHIVE_MAX_FILES,
        maxBytes: e.ARCHIVE_MAX_BYTES,
        maxSelectors: e.ARCHIVE_MAX_SELECTORS,
        waitTimeoutMs: e.ARCHIVE_WAIT_TIMEOUT_MS,
        deriveWaitMs: e.ARCHIVE_DERIVE_WAIT_MS,
      },
      parameters: {
        contextMaxKeyLength: e.CONTEXT_MAX_KEY_LENGTH,
        contextMaxValueLength: e.CONTEXT_MAX_VALUE_LENGTH,
        contextMaxBytes: e.CONTEXT_MAX_BYTES,
        tagMaxLength: e.TAG_MAX_LENGTH,
        tagsMaxPerAsset: e.TAGS_MAX_PER_ASSET,
        metadataMaxValueLength: e.METADATA_MAX_VALUE_LENGTH,
        eagerMaxItems: e.EAGER_MAX_ITEMS,
        eagerMaxOutputPixels: e.EAGER_MAX_OUTPUT_PIXELS,
        coordinatesMaxRegions: e.COORDINATES_MAX_REGIONS,
      },
    },
    fetchDelivery: {
      timeoutMs: e.FETCH_TIMEOUT_MS,
      maxBytes: e.FETCH_MAX_BYTES,
      minTtlSeconds: e.FETCH_CACHE_MIN_TTL_S,
      maxTtlSeconds: e.FETCH_CACHE_MAX_TTL_S,
      failureTtlSeconds: e.FETCH_FAILURE_TTL_S,
    },
    autoUpload: {
      failureTtlSeconds: e.AUTO_UPLOAD_FAILURE_TTL_S,
      maxRememberedFailures: e.AUTO_UPLOAD_FAILURE_CACHE_ENTRIES,
    },
    remoteFetch: {
      timeoutMs: e.REMOTE_FETCH_TIMEOUT_MS,
      maxRedirects: e.REMOTE_FETCH_MAX_REDIRECTS,
      retries: e.REMOTE_FETCH_RETRIES,
      retryDelayMs: e.REMOTE_FETCH_RETRY_DELAY_MS,
      allow: e.SSRF_ALLOW,
      ...(e.REMOTE_FETCH_CA_FILE === undefined ? {} : { caFile: e.REMOTE_FETCH_CA_FILE }),
    },
    worker: {
      queues: e.WORKER_QUEUES,
      concurrency: {
        ingest: e.WORKER_CONCURRENCY_INGEST,
        derive: e.WORKER_CONCURRENCY_DERIVE,
        notify: e.WORKER_CONCURRENCY_NOTIFY,
        documents: e.WORKER_CONCURRENCY_DOCUMENTS,
        video: e.WORKER_CONCURRENCY_VIDEO,
        moderate: e.WORKER_CONCURRENCY_MODERATE,
        archive: e.WORKER_CONCURRENCY_ARCHIVE,
        purge: e.WORKER_CONCURRENCY_PURGE,
      },
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    webhooks: {
      schedule: e.WEBHOOK_SCHEDULE,
      scheduleScale: e.WEBHOOK_SCHEDULE_SCALE,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      signatureAlgorithm: e.NOTIFICATION_SIGNATURE_ALGORITHM,
      directDelivery: e.WEBHOOK_DIRECT_DELIVERY,
      directLeaseMs: e.WEBHOOK_DIRECT_LEASE_MS,
    },
    relay: { intervalMs: e.RELAY_INTERVAL_MS, graceMs: e.RELAY_GRACE_MS },
    redisAllowEviction: e.REDIS_ALLOW_EVICTION,
    redisCommandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    unavailableRetryAfterSeconds: e.UNAVAILABLE_RETRY_AFTER_SECONDS,
    rateLimits: {
      enabled: e.RATE_LIMITS_ENABLED,
      adminPerHour: e.RATE_LIMIT_ADMIN_PER_HOUR,
      uploadsPerMinute: e.RATE_LIMIT_UPLOADS_PER_MINUTE,
      uploadsPerHour: e.RATE_LIMIT_UPLOADS_PER_HOUR,
      uploadConcurrency: e.RATE_LIMIT_UPLOAD_CONCURRENCY,
      timeoutMs: e.RATE_LIMIT_TIMEOUT_MS,
    },
    sweep: { stagingAgeMs: e.STAGING_SWEEP_AGE_MS, scratchAgeMs: e.SCRATCH_SWEEP_AGE_MS, intervalMs: e.SWEEP_INTERVAL_MS },
    queueDashboard: {
      ...(e.ADMIN_USER !== undefined && e.ADMIN_PASSWORD !== undefined ? { credentials: { user: e.ADMIN_USER, password: e.ADMIN_PASSWORD } } : {}),
      readOnly: e.QUEUE_DASHBOARD_READ_ONLY,
    },
    bootstrapCloud: e.BOOTSTRAP_CLOUD,
    logLevel: e.LOG_LEVEL,
  });
}

function parseStorageUrl(url: string, s3: S3ConnectionConfig, cwd: string, problems: string[]): StorageConfig | undefined {
  if (url.startsWith('file://')) {
    const path = decodeURIComponent(url.slice('file://'.length));
    if (path.length === 0) {
      problems.push('STORAGE_URL: file:// needs a directory');
      return undefined;
    }
    return { kind: 'file', root: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  const rest = url.slice('s3://'.length);
  const [bucket = '', ...prefixParts] = rest.split('/');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    problems.push(`STORAGE_URL: ${JSON.stringify(bucket)} is not a valid bucket name`);
    return undefined;
  }
  return { kind: 's3', bucket, prefix: prefixParts.filter(Boolean).join('/'), ...s3 };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

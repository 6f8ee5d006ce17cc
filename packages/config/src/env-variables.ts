import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Every environment variable Rendition reads, with its schema, default and meaning.
 * The README's variable table is generated from this list (`npm run docs:env`), so the
 * documentation cannot drift from what is validated.
 */
export interface EnvVariable {
  readonly schema: z.ZodType;
  readonly description: string;
  /** Shown in the docs when the default is computed rather than a literal. */
  readonly defaultText?: string;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((value) => value === 'true' || value === '1' || value === 'yes');
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);
const httpUrl = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const MB = 1024 * 1024;

/** Names proxy-addr (Fastify's trustProxy) gives to address ranges. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, an address/prefix, or one of PROXY_RANGE_NAMES. */
function isProxyAddress(item: string): boolean {
  if (PROXY_RANGE_NAMES.has(item)) return true;
  const [address = '', prefix, ...rest] = item.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** TRUST_PROXY: true/false, a hop count, or the trusted proxies' addresses (Fastify's trustProxy forms). */
const trustProxy = z.string().transform((value, context): boolean | number | string[] => {
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === 'no' || text === '0') return false;
  if (text === 'true' || text === 'yes') return true;
  if (/^\d{1,3}$/.test(text)) return Number(text);
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  const invalid = items.filter((item) => !isProxyAddress(item));
  if (items.length === 0 || invalid.length > 0) {
    context.issues.push({
      code: 'custom',
      input: value,
      message: `must be true, false, a hop count or a list of addresses and CIDR ranges (not ${JSON.stringify(invalid.join(','))})`,
    });
    return z.NEVER;
  }
  return items;
});

export const ENV_VARIABLES = {
  PORT: { schema: port.default(8080), description: 'TCP port of the HTTP API and delivery server.' },
  HOST: { schema: z.string().min(1).default('0.0.0.0'), description: 'Address the HTTP server binds to.' },
  TRUST_PROXY: {
    schema: trustProxy.optional(),
    defaultText: 'false',
    description:
      "Which proxies in front of the API may name the client in X-Forwarded-For (Fastify's trustProxy): `false`, none (the connection's peer is the client); `true`, all of them (only where nothing but the proxy reaches the API); a number, that many hops; or a comma-separated list of proxy addresses and CIDR ranges (`loopback`, `linklocal`, `uniquelocal` name those ranges). An `ip=` delivery token (docs/token-auth.md) is compared with the client address found so.",
  },
  HTTP_REQUEST_TIMEOUT_MS: {
    schema: positiveInt.default(600_000),
    description:
      'Longest one HTTP request may take to arrive, body included (a slow client is cut off after it, 408). One chunk of a chunked upload is one request.',
  },
  HTTP_IDLE_TIMEOUT_MS: {
    schema: positiveInt.default(60_000),
    description:
      'How long a connection may stay silent (no byte in either direction) before it is closed, and how long to wait for the headers of a request.',
  },
  METRICS_PORT: {
    schema: port.default(0),
    defaultText: 'unset (off)',
    description:
      'TCP port (on HOST) of a small listener serving Prometheus metrics at `/metrics` and liveness at `/healthz`, one per process (docs/operations.md "Metrics"). Unset or 0: no listener, and an API process serves `/metrics` on PORT instead; set, the API port has no `/metrics`.',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16, 'must be at least 16 characters').optional(),
    defaultText: 'unset (no authentication)',
    description: '`/metrics` (on METRICS_PORT or the API port) answers 401 unless the scrape sends `Authorization: Bearer <METRICS_TOKEN>`.',
  },
  BUFFER_RECLAIM_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .default(8 * 1024 * 1024),
    description:
      "A process running the API collects its garbage Buffers once they have grown by this many bytes since its last collection (checked every 50 ms), so streaming large uploads does not swell its RSS by V8's own ~64 MiB margin. 0: leave it to V8.",
  },
  PUBLIC_BASE_URL: {
    schema: httpUrl.optional(),
    defaultText: 'http://127.0.0.1:$PORT',
    description: 'Base of the `url` field in responses: where clients fetch delivered assets.',
  },
  SECURE_BASE_URL: {
    schema: httpUrl.optional(),
    defaultText: '$PUBLIC_BASE_URL',
    description: 'Base of the `secure_url` field. Put TLS in front and set an https URL here; defaults to PUBLIC_BASE_URL so local URLs always serve.',
  },
  DATABASE_URL: {
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres:postgres@127.0.0.1:5432/rendition'),
    description: 'PostgreSQL connection string: the catalog, the system of record. The database is created if missing.',
  },
  DATABASE_POOL_SIZE: { schema: positiveInt.default(10), description: 'Maximum PostgreSQL connections per process.' },
  DATABASE_PARALLEL_WORKERS_PER_GATHER: {
    schema: z.coerce.number().int().min(0).max(64).default(0),
    description:
      "PostgreSQL's max_parallel_workers_per_gather for this process's connections. 0 (serial) by default: the catalog's statements are short, and starting parallel workers took longer than a whole 200,000-row index count here (docs/performance.md, \"Parallel query\"); raise it for a database on many cores whose Search counts scan millions of rows.",
  },
  SETTINGS_CACHE_TTL_MS: {
    schema: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
    description:
      "How long a process serves clouds, API keys and metadata fields from memory without reading them again; any write to them is announced (NOTIFY) and empties every process's cache at once, so this only bounds a lost notice. 0 turns the cache off.",
  },
  INTAKE_GROUP_MAX: {
    schema: z.coerce.number().int().min(1).max(1_000).default(64),
    description:
      'Accepted uploads the API records in one statement and queues in one Redis exchange at most (group commit: those that arrive while the previous groups are being written); 1 records each on its own.',
  },
  INTAKE_GROUP_IN_FLIGHT: {
    schema: z.coerce.number().int().min(1).max(64).default(2),
    description: 'Groups of accepted uploads one API process writes at once; the next group gathers meanwhile.',
  },
  INTAKE_QUEUE_LINGER_MS: {
    schema: z.coerce.number().int().min(0).max(100).default(2),
    description:
      'While another group of accepted uploads is being recorded, the recorded ones wait at most this long for it before they are queued, so one Redis exchange carries both (an exchange costs the same for one job or many). Never waits when nothing else is being recorded. 0: each group is queued as soon as it is recorded.',
  },
  SETTINGS_CACHE_MAX_ENTRIES: {
    schema: positiveInt.default(10_000),
    description: 'Entries the settings cache of one process holds at most (the oldest go first).',
  },
  DELIVERY_CACHE_TTL_MS: {
    schema: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
    description:
      'How long an API process answers a delivery URL it has resolved before (asset, derivative, headers) without asking the catalog again; an overwrite, destroy, derivative deletion or named transformation change is announced (NOTIFY) and drops the affected URLs in every process at once, so this only bounds a lost notice. 0 turns the cache off.',
  },
  DELIVERY_CACHE_MAX_ENTRIES: {
    schema: positiveInt.default(10_000),
    description: 'Delivery URLs the delivery cache of one API process holds at most (the oldest go first).',
  },
  DELIVERY_CACHE_MAX_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 40)
      .default(64 * 1024 * 1024),
    description:
      "Bytes of delivered files the delivery cache of one API process keeps in memory at most, all URLs together: a cached URL's file is read whole on its first cached hit and later hits answer from memory, with no storage call. Dropped with its URL (a change notice, DELIVERY_CACHE_TTL_MS, DELIVERY_CACHE_MAX_ENTRIES). 0: every hit reads storage.",
  },
  DELIVERY_CACHE_ENTRY_MAX_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .default(1024 * 1024),
    description:
      'The largest delivered file whose bytes the delivery cache keeps in memory (DELIVERY_CACHE_MAX_BYTES); larger ones are streamed from storage on every hit.',
  },
  REDIS_URL: {
    schema: z
      .string()
      .regex(
        /^rediss?:\/\/\S*$|^rediss?\+cluster:\/\/([^/?#\s]*@)?[^@/?#\s]+(\/0?)?$/,
        'must be a redis:// or rediss:// URL, or redis+cluster://[user:password@]host:port,host:port (rediss+cluster:// with TLS)',
      )
      .default('redis://127.0.0.1:6379'),
    description:
      'Redis for the job queues (BullMQ). Must run with maxmemory-policy noeviction. `redis+cluster://host1:port,host2:port` (or `rediss+cluster://`) names a Redis Cluster by some of its nodes; see docs/operations.md "Redis Cluster".',
  },
  REDIS_CLUSTER_NODES: {
    schema: z
      .string()
      .regex(
        /^\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?\s*(,\s*(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?\s*)*,?\s*$/,
        'must be host:port,host:port',
      )
      .optional(),
    description:
      'Seed nodes of a Redis Cluster (`host:port,host:port`): when set, Redis is that cluster, and REDIS_URL gives only the credentials and TLS (`rediss://`). Same as REDIS_URL=redis+cluster://host:port,host:port.',
  },
  QUEUE_PREFIX: {
    schema: z
      .string()
      .regex(/^(?:[A-Za-z0-9_-]{1,64}|\{[A-Za-z0-9_-]{1,64}\})$/)
      .default('rendition'),
    description:
      "Prefix of every Redis key, so several deployments can share one Redis. On a Redis Cluster it becomes a hash tag, `{rendition}`, so that each queue's keys share a slot; it may be given as `{name}` on one Redis too.",
  },
  STORAGE_URL: {
    schema: z
      .string()
      .regex(/^(file|s3):\/\//, 'must be file://<path> or s3://<bucket>[/<prefix>]')
      .default('file://./data'),
    description:
      'Where blobs live: `file://<dir>` (relative to the working directory, or absolute `file:///srv/data`) or `s3://<bucket>[/<prefix>]` with the S3_* settings.',
  },
  S3_ENDPOINT: { schema: httpUrl.optional(), description: 'S3-compatible endpoint (MinIO, Ceph, s3rver). Empty for AWS.' },
  S3_REGION: { schema: z.string().min(1).default('us-east-1'), description: 'S3 region.' },
  S3_ACCESS_KEY_ID: { schema: z.string().min(1).optional(), description: 'S3 access key; empty uses the AWS default chain.' },
  S3_SECRET_ACCESS_KEY: { schema: z.string().min(1).optional(), description: 'S3 secret key.' },
  S3_FORCE_PATH_STYLE: { schema: bool.default(true), description: 'Path-style bucket addressing (needed by most non-AWS servers).' },
  S3_SOURCE_BUCKETS: {
    schema: csv.default([]),
    description: 'Buckets that uploads may name as `file=s3://<bucket>/<key>`, read with the S3_* credentials. Empty: s3:// sources are refused.',
  },
  MAX_UPLOAD_BYTES: { schema: positiveInt.default(100 * MB), description: 'Largest file accepted in one upload request (multipart part).' },
  MAX_LARGE_UPLOAD_BYTES: {
    schema: positiveInt.default(20 * 1024 * MB),
    description:
      'Largest file of a chunked upload (`upload_large`, `X-Unique-Upload-Id` with `Content-Range`): the running total of its parts. Each part is still one request within MAX_UPLOAD_BYTES.',
  },
  LARGE_UPLOAD_MIN_PART_BYTES: {
    schema: positiveInt.default(5 * MB),
    description:
      "Smallest part of a chunked upload other than its last: a part sent as `Content-Range: bytes S-E/-1` (more parts follow) or ending before the declared total, and shorter than this, is refused with Cloudinary's `All parts except EOF-chunk must be larger than 5mb`. Also spaces the parts' numbers; at least 5 MiB with S3 storage (S3's own minimum).",
  },
  INLINE_UPLOAD_MAX_BYTES: {
    schema: z.coerce.number().int().min(0).max(262_144).default(16_384),
    description:
      "A multipart upload's file of at most this many bytes travels inside its job's outbox row (as bytea) instead of being staged to storage: it is durable with the job's own commit, which saves the staging file's two fsyncs (docs/performance.md). The job queued in Redis never carries the bytes (the ingest reads them from the row). `0`: every file is staged.",
  },
  LARGE_UPLOAD_TTL_MS: {
    schema: positiveInt.default(86_400_000),
    description: 'A chunked upload that receives no part for this long is abandoned: workers abort its stored parts and forget it.',
  },
  MAX_DATA_URI_BYTES: { schema: positiveInt.default(60 * MB), description: 'Largest decoded `data:` URI source.' },
  MAX_FIELD_BYTES: {
    schema: positiveInt.default(64 * 1024),
    description:
      'Largest value of one text parameter of a request (multipart field, urlencoded or JSON member), `file` aside. Read before authentication, so kept small.',
  },
  MAX_FIELDS_TOTAL_BYTES: {
    schema: positiveInt.default(MB),
    description:
      'Largest total of all text parameters of one request (names and values), `file` aside; also the body limit of urlencoded and JSON calls that take no file and have no Basic credentials.',
  },
  MAX_REMOTE_BYTES: { schema: positiveInt.default(100 * MB), description: 'Largest remote (http/https/s3) source.' },
  MAX_IMAGE_PIXELS: {
    schema: positiveInt.default(100_000_000),
    description: 'Largest image (width x height, from the header) a worker will decode; larger is a 400.',
  },
  MAX_OUTPUT_DIMENSION: {
    schema: positiveInt.default(10_000),
    description: 'Largest width or height a transformation may produce (checked after every step, before any pixel is computed).',
  },
  MAX_OUTPUT_PIXELS: {
    schema: positiveInt.default(50_000_000),
    description: 'Largest width x height a transformation may produce, at any step.',
  },
  DERIVE_IN_MEMORY_MAX_PIXELS: {
    schema: z.coerce.number().int().min(0).default(4_000_000),
    description:
      'A derivative of at most this many output pixels (width x height, every frame of an animation counted) is encoded into memory and stored from there; a larger one goes through a scratch file. 0: always a file.',
  },
  DERIVE_WAIT_TIMEOUT_MS: {
    schema: positiveInt.default(60_000),
    description: 'How long a delivery request waits for a first-time derivative before answering with an error (the job still completes).',
  },
  CONTEXT_MAX_KEY_LENGTH: {
    schema: positiveInt.default(128),
    description: 'Longest `context` key, in characters (upload, explicit, the context command, presets); longer is a 400.',
  },
  CONTEXT_MAX_VALUE_LENGTH: {
    schema: positiveInt.default(1024),
    description: 'Longest `context` value, in characters; longer is a 400.',
  },
  CONTEXT_MAX_BYTES: {
    schema: positiveInt.default(8192),
    description: "Largest context of one asset (UTF-8 bytes of all keys and values, after the context command's merge); larger is a 400.",
  },
  TAG_MAX_LENGTH: { schema: positiveInt.default(255), description: "Longest tag, in characters (Cloudinary's documented limit); longer is a 400." },
  TAGS_MAX_PER_ASSET: {
    schema: positiveInt.default(1000),
    description: "Most tags on one asset, and so in one request (Cloudinary's documented limit); more is a 400.",
  },
  METADATA_MAX_VALUE_LENGTH: {
    schema: positiveInt.default(1024),
    description: 'Longest value of a string structured-metadata field, in characters; longer is a 400.',
  },
  EAGER_MAX_ITEMS: {
    schema: positiveInt.default(20),
    description: 'Most eager transformations in one request (upload, explicit, preset); more is a 400.',
  },
  EAGER_MAX_OUTPUT_PIXELS: {
    schema: positiveInt.default(200_000_000),
    description:
      "Most output pixels one request's eager list may produce (width x height summed over its items, projected from the asset's dimensions: explicit); more is a 400.",
  },
  COORDINATES_MAX_REGIONS: {
    schema: positiveInt.default(100),
    description: 'Most regions one `face_coordinates` or `custom_coordinates` parameter may name (upload, explicit, update); more is a 400.',
  },
  IMAGE_METADATA_MAX_BYTES: {
    schema: positiveInt.min(2).default(32_768),
    description:
      "Largest `image_metadata` kept with an image (JSON bytes; read at every image ingest, answered by upload, `resource` and search's `with_field`): entries that do not fit are left out.",
  },
  CINEMAGRAPH_MAX_FRAMES: {
    schema: positiveInt.max(100).default(8),
    description: 'Frames of an animation or a video `cinemagraph_analysis` compares (evenly spread; a video costs one ffmpeg run per frame).',
  },
  WORKER_CONCURRENCY_DERIVE: {
    schema: positiveInt.default(2),
    description: 'Concurrent derive jobs per worker process (CPU-bound: about one per core).',
  },
  WORKER_CONCURRENCY_DOCUMENTS: {
    schema: positiveInt.default(2),
    description: 'Concurrent document jobs (raw_convert: extract_text, aspose) per worker process.',
  },
  WORKER_CONCURRENCY_VIDEO: {
    schema: positiveInt.default(1),
    description:
      'Concurrent video jobs (transcodes, frames, streaming renditions) per worker process; one ffmpeg already uses several cores (VIDEO_THREADS).',
  },
  WORKER_CONCURRENCY_MODERATE: {
    schema: positiveInt.default(1),
    description:
      'Concurrent moderation jobs (the classifier, duplicate detection) per worker process; the model runs one image at a time, so more mostly queues inside the process.',
  },
  ARCHIVE_MAX_RESOURCES: {
    schema: positiveInt.default(1_000),
    description: 'Most assets one generate_archive may select (Cloudinary: 1000); more is a 400.',
  },
  ARCHIVE_MAX_FILES: {
    schema: positiveInt.default(5_000),
    description: 'Most entries in one archive, an asset counting once per transformation (Cloudinary: 5000); more is a 400.',
  },
  ARCHIVE_MAX_BYTES: {
    schema: positiveInt.default(10 * 1024 * 1024 * 1024),
    description: "Largest archive in bytes (the selected files' sizes added up before building); more is a 400.",
  },
  ARCHIVE_MAX_SELECTORS: {
    schema: positiveInt.default(100),
    description: 'Most values of prefixes and of tags in one generate_archive (each is a catalog walk); more is a 400.',
  },
  ARCHIVE_WAIT_TIMEOUT_MS: {
    schema: positiveInt.default(600_000),
    description: 'How long the API waits for an archive job (a synchronous create, every download) before answering 500.',
  },
  ARCHIVE_DERIVE_WAIT_MS: {
    schema: positiveInt.default(300_000),
    description: "How long an archive job waits for one derivative of the archive's transformations.",
  },
  WORKER_CONCURRENCY_PURGE: {
    schema: positiveInt.default(2),
    description: 'Concurrent purge jobs (storage deletes behind Admin API deletes) per worker process.',
  },
  WORKER_CONCURRENCY_ARCHIVE: {
    schema: positiveInt.default(2),
    description: 'Concurrent archive jobs (generate_archive: zip/tgz streamed from storage to storage) per worker process.',
  },
  MODERATION_MODEL: {
    schema: z.enum(['nsfwjs-mobilenet_v2']).default('nsfwjs-mobilenet_v2'),
    description: 'The local classifier behind aws_rek, webpurify, google_video_moderation, aws_rek_video and rendition_nsfw (docs/moderation.md).',
  },
  MODERATION_NSFW_THRESHOLDS: {
    schema: z
      .string()
      .regex(/^\s*[a-z]+\s*:\s*(0|1|0?\.\d+)\s*(,\s*[a-z]+\s*:\s*(0|1|0?\.\d+)\s*)*$/, 'expected label:threshold pairs, e.g. porn:0.7,hentai:0.7')
      .default('porn:0.7,hentai:0.7,sexy:0.85'),
    description:
      "Per-class rejection thresholds of rendition_nsfw and webpurify (classes: drawing, hentai, neutral, porn, sexy); a class at or above its threshold rejects. A request's rendition_nsfw:<class>:<t> overrides one.",
  },
  MODERATION_VIDEO_FRAMES: {
    schema: z.coerce.number().int().min(1).max(64).default(8),
    description: 'Frames sampled (evenly over the duration) from a video for google_video_moderation, aws_rek_video and rendition_nsfw.',
  },
  VIDEO_THREADS: {
    schema: z.coerce.number().int().min(0).max(64).default(0),
    description: "Threads one ffmpeg run may use (ffmpeg's -threads); 0 lets ffmpeg choose (about one per core).",
  },
  VIDEO_TIMEOUT_MS: {
    schema: positiveInt.default(600_000),
    description: 'Longest one ffmpeg or ffprobe run may take; past it its process group is killed and the job fails (retried elsewhere).',
  },
  VIDEO_MAX_DURATION_SECONDS: {
    schema: positiveInt.default(10_800),
    description: 'A video or audio upload longer than this many seconds is refused (400).',
  },
  VIDEO_MAX_PIXELS: {
    schema: positiveInt.default(35_389_440),
    description: 'Largest picture (width x height) of a video upload or of a video derivative (default: 8K UHD, 8192x4320); more is a 400.',
  },
  VIDEO_MAX_FRAME_RATE: {
    schema: positiveInt.default(240),
    description: 'Highest frame rate of a video upload or of an fps_ request; more is a 400.',
  },
  VIDEO_MAX_BIT_RATE: {
    schema: positiveInt.default(100_000_000),
    description: 'Highest output bit rate (bits per second) a br_ or streaming rendition may ask for; more is a 400.',
  },
  MAX_SYNC_VIDEO_BYTES: {
    schema: positiveInt.default(104_857_600),
    description:
      "Largest video processed synchronously (eager without eager_async, a first on-the-fly delivery); larger answers Cloudinary's 400 'Video is too large to process synchronously'.",
  },
  SCRIPT_TIMEOUT_MS: {
    schema: positiveInt.default(250),
    description: 'Longest one eval or on_success script may run (QuickJS sandbox); past it the run ends in a 400 Eval error.',
  },
  SCRIPT_MEMORY_MB: {
    schema: positiveInt.default(16),
    description: "Heap of one eval or on_success script's QuickJS runtime; more ends the run in a 400 Eval error.",
  },
  DOCUMENT_THREADS: {
    schema: positiveInt.default(2),
    description:
      'pdf.js runner processes per worker process (PDF probes, text extraction, page renders; started on demand, ~100 MB each), each isolated with its own heap limit. (Named for threads; they are child processes: docs/documents.md.)',
  },
  DOCUMENT_MAX_PAGES: { schema: positiveInt.default(2_000), description: 'A PDF with more pages is refused (upload) or its conversion fails.' },
  DOCUMENT_MAX_RENDER_PIXELS: {
    schema: positiveInt.default(50_000_000),
    description: 'Largest pixel count of one rendered PDF page (its size in points x dn/72, squared); more is refused before rendering.',
  },
  DOCUMENT_TIMEOUT_MS: {
    schema: positiveInt.default(60_000),
    description: 'Longest one PDF operation (probe, text extraction, page render) may run; past it its thread is stopped.',
  },
  DOCUMENT_MEMORY_MB: {
    schema: positiveInt.default(512),
    description: "Heap limit of each pdf.js runner process; a document that needs more fails without touching the worker's own heap.",
  },
  OFFICE_CONVERT_TIMEOUT_MS: {
    schema: positiveInt.default(120_000),
    description: 'Longest one LibreOffice conversion (raw_convert=aspose) may run; past it the process group is killed and the conversion fails.',
  },
  IMAGE_TIMEOUT_SECONDS: { schema: positiveInt.default(60), description: 'Longest a single image decode/encode may run.' },
  REMOTE_FETCH_TIMEOUT_MS: { schema: positiveInt.default(30_000), description: 'Time limit of one remote source fetch, body included.' },
  REMOTE_FETCH_MAX_REDIRECTS: { schema: z.coerce.number().int().min(0).max(20).default(5), description: 'Redirects followed per remote fetch.' },
  REMOTE_FETCH_RETRIES: {
    schema: z.coerce.number().int().min(0).max(10).default(2),
    description:
      'Further attempts at a remote source after a failure a retry can fix (connection reset, temporary DNS failure, HTTP 429/502/503/504), all within REMOTE_FETCH_TIMEOUT_MS. Refused connections, unknown hosts, TLS errors, timeouts and other statuses are answered at once with a 400.',
  },
  REMOTE_FETCH_RETRY_DELAY_MS: {
    schema: z.coerce.number().int().min(0).default(500),
    description:
      'Wait before another attempt at a remote source when the server sent no Retry-After (a Retry-After is honoured when it fits the time left).',
  },
  REMOTE_FETCH_CA_FILE: {
    schema: z.string().min(1).optional(),
    description: 'PEM file of extra CA certificates trusted for remote sources (private PKI).',
  },
  SSRF_ALLOW: {
    schema: csv.default([]),
    description:
      'Comma-separated CIDRs, IPs or host names that remote fetches may reach even though they are loopback, private or link-local. Empty: only public addresses.',
  },
  FETCH_TIMEOUT_MS: {
    schema: positiveInt.default(20_000),
    description:
      'Time limit of fetching one remote image for fetch delivery (`/<cloud>/image/fetch/<url>`, docs/fetch-delivery.md), body included; at most REMOTE_FETCH_TIMEOUT_MS.',
  },
  FETCH_MAX_BYTES: {
    schema: positiveInt.default(20 * MB),
    description: 'Largest remote image fetch delivery stores (at most MAX_REMOTE_BYTES); a larger one is a 400.',
  },
  FETCH_CACHE_MIN_TTL_S: {
    schema: positiveInt.default(3_600),
    description:
      "Shortest time a fetched image is served from the cache before the remote server is asked again (the origin's Cache-Control max-age, or Expires, is raised to it); also how long a stale copy is served after a failed refresh.",
  },
  FETCH_CACHE_MAX_TTL_S: {
    schema: positiveInt.default(604_800),
    description:
      "Longest time a fetched image is served from the cache (the origin's max-age is lowered to it); also the time used when the origin sends no caching headers.",
  },
  FETCH_FAILURE_TTL_S: {
    schema: z.coerce.number().int().min(0).default(60),
    description:
      'How long a failed fetch (remote 404, not an image, too large, unreachable) is answered again without asking the remote server (0: only to the requests that waited for that fetch).',
  },
  AUTO_UPLOAD_FAILURE_TTL_S: {
    schema: z.coerce.number().int().min(0).default(60),
    description:
      "How long a failed auto-upload (a delivery in an upload mapping's folder whose remote file is missing, unreachable, refused or invalid) is answered with its 404 again without asking the remote server, per API process (0: asked on every request).",
  },
  AUTO_UPLOAD_FAILURE_CACHE_ENTRIES: {
    schema: z.coerce.number().int().min(0).default(10_000),
    description: 'How many failed auto-uploads one API process remembers at most (the oldest is forgotten first; 0: none).',
  },
  SYNC_UPLOAD_TIMEOUT_MS: {
    schema: positiveInt.default(120_000),
    description: 'How long a synchronous upload waits for its ingest job before answering with an error (the job still completes and is recorded).',
  },
  WORKER_QUEUES: {
    schema: csv.default([]),
    defaultText: 'all queues',
    description: 'Queues this worker process serves (comma-separated). Empty: all.',
  },
  WORKER_CONCURRENCY_INGEST: { schema: positiveInt.default(4), description: 'Concurrent ingest jobs per worker process.' },
  WORKER_CONCURRENCY_NOTIFY: { schema: positiveInt.default(16), description: 'Concurrent webhook deliveries per worker process.' },
  WEBHOOK_SCHEDULE: {
    schema: z
      .string()
      .regex(/^\s*\d+(ms|s|m|h|d)?(\s*,\s*\d+(ms|s|m|h|d)?)*\s*$/, 'must be a comma-separated list like 0,5s,5m,30m,2h')
      .default('0,5s,5m,30m,2h,5h,10h,14h,20h,24h'),
    description:
      'Waits before each webhook attempt (Standard Webhooks schedule): the first entry before the first attempt, each next one after a failure. Jitter of ±10% is added.',
  },
  WEBHOOK_SCHEDULE_SCALE: {
    schema: z.coerce.number().positive().max(1000).default(1),
    description: 'Multiplies every webhook wait (and Retry-After); tests use 0.001 to run a day in seconds.',
  },
  WEBHOOK_TIMEOUT_MS: { schema: positiveInt.default(15_000), description: 'Time limit of one webhook attempt.' },
  WEBHOOK_DIRECT_DELIVERY: {
    schema: bool.default(true),
    description:
      "`true`: a worker that serves the notify queue makes a webhook's first attempt itself, as soon as the job that ended its batch commits (no queue hop and no re-read: about 3 ms less from upload to webhook, docs/performance.md); its notify job is queued beside it as the fallback, delayed WEBHOOK_DIRECT_LEASE_MS and pushed back while the attempt runs. `false`: every attempt goes through the notify queue.",
  },
  WEBHOOK_DIRECT_LEASE_MS: {
    schema: z.coerce.number().int().min(200).max(600_000).default(5_000),
    description:
      "How long a direct webhook attempt's queued fallback waits; the worker pushes it back by as much every fifth of it while the attempt runs. A worker killed mid-attempt leaves that webhook to the fallback within this long (sooner than the queue's recovery of a killed worker's job, up to 15 s); at least twice what the worker's event loop may stall, or a slow attempt and its fallback could both POST.",
  },

  NOTIFICATION_SIGNATURE_ALGORITHM: {
    schema: z.enum(['sha1', 'sha256']).default('sha1'),
    description: "Hash of X-Cld-Signature on notifications; match the SDK's `signature_algorithm`.",
  },
  RELAY_INTERVAL_MS: {
    schema: positiveInt.default(30_000),
    description: 'How often workers re-queue unfinished jobs and deliveries that Redis no longer holds (after a restart or FLUSHALL).',
  },
  RELAY_GRACE_MS: {
    schema: positiveInt.default(15_000),
    description: 'Age a job must reach before the relay considers it lost (younger ones may still be on their way into Redis).',
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    schema: positiveInt.default(2_000),
    description:
      'Longest the API (and the relay) waits for one Redis command; a request that needs Redis then answers 503. Workers wait for Redis without a limit.',
  },
  UNAVAILABLE_RETRY_AFTER_SECONDS: {
    schema: positiveInt.default(5),
    description: 'Retry-After of the 503 answered while the job queue (Redis) cannot be reached.',
  },
  RATE_LIMITS_ENABLED: {
    schema: bool.default(true),
    description:
      'Rate limits (docs/operations.md "Rate limits"): Admin API calls per key per hour, answered 420 as Cloudinary does, and uploads per key per minute, per hour and at once. Held in Redis, shared by every API replica; `false` turns them all off.',
  },
  RATE_LIMIT_ADMIN_PER_HOUR: {
    schema: z.coerce.number().int().min(0).default(5_000),
    description:
      'Admin API calls one API key may make per clock hour (Cloudinary: 500 on free plans, 2000 on paid ones); the next is answered 420 until the hour ends. 0: no limit. A cloud may have its own (`rendition rate-limits`).',
  },
  RATE_LIMIT_UPLOADS_PER_MINUTE: {
    schema: z.coerce.number().int().min(0).default(1_000),
    description:
      'Uploads one API key may start per clock minute (unsigned uploads: per cloud; a chunked upload counts once); the next is answered 420. 0: no limit. A cloud may have its own.',
  },
  RATE_LIMIT_UPLOADS_PER_HOUR: {
    schema: z.coerce.number().int().min(0).default(30_000),
    description: 'Uploads one API key may start per clock hour, as RATE_LIMIT_UPLOADS_PER_MINUTE. 0: no limit. A cloud may have its own.',
  },
  RATE_LIMIT_UPLOAD_CONCURRENCY: {
    schema: z.coerce.number().int().min(0).default(50),
    description:
      'Upload requests of one API key (unsigned uploads: of one cloud) in progress at once, across all replicas; one more is answered 420. 0: no limit. A cloud may have its own.',
  },
  RATE_LIMIT_TIMEOUT_MS: {
    schema: positiveInt.default(500),
    description:
      "Longest a request waits for the rate limits' Redis; past it (or while Redis is away) the request is let through unlimited and a warning is logged (fail open).",
  },
  STAGING_SWEEP_AGE_MS: {
    schema: positiveInt.default(3_600_000),
    description:
      'Workers delete staged uploads (`staging/`) older than this that no unfinished job needs: what a crash between staging and accepting left behind. Keep above the longest upload request.',
  },
  SCRATCH_SWEEP_AGE_MS: {
    schema: positiveInt.default(21_600_000),
    description:
      "Workers delete Rendition's scratch directories of a process that has ended at once, and any older than this (another host's, or a reused pid). Keep above the longest job.",
  },
  SWEEP_INTERVAL_MS: {
    schema: positiveInt.default(600_000),
    description: 'How often workers sweep leftover staged uploads and scratch directories (also once at start-up).',
  },
  REDIS_ALLOW_EVICTION: {
    schema: bool.default(false),
    description: 'Development switch: let workers start although Redis may evict keys (maxmemory-policy other than noeviction).',
  },
  SHUTDOWN_TIMEOUT_MS: {
    schema: positiveInt.default(25_000),
    description: 'On SIGTERM, how long active jobs and requests may take before the process exits. Keep below the pod grace period.',
  },
  ADMIN_USER: {
    schema: z
      .string()
      .regex(/^[^:\s]+$/, 'must be one word without a colon (HTTP Basic)')
      .optional(),
    description:
      'Operator user name of the queue dashboard at `/admin/queues` (HTTP Basic; docs/operations.md, "Queue dashboard"). Set together with ADMIN_PASSWORD; while either is unset the dashboard is not served (404).',
  },
  ADMIN_PASSWORD: {
    schema: z.string().min(12, 'must be at least 12 characters').optional(),
    description: "The queue dashboard operator's password (with ADMIN_USER), at least 12 characters. Keep it in a Secret.",
  },
  QUEUE_DASHBOARD_READ_ONLY: {
    schema: bool.default(true),
    description:
      "The queue dashboard only shows the queues (bull-board's read-only mode): `false` also lets the operator retry, promote, clean, pause and empty queues and jobs.",
  },
  BOOTSTRAP_CLOUD: {
    schema: z
      .string()
      .regex(/^[a-z0-9_-]{1,64}$/)
      .default('demo'),
    description: '`rendition start` makes sure this cloud exists with an API key, and prints its CLOUDINARY_URL.',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    description: 'pino log level.',
  },
} as const satisfies Record<string, EnvVariable>;

export type EnvName = keyof typeof ENV_VARIABLES;
export type ParsedEnv = { [K in EnvName]: z.output<(typeof ENV_VARIABLES)[K]['schema']> };

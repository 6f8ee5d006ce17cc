import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../src/config.ts';
import { ENV_VARIABLES } from '../src/env-variables.ts';

const CWD = '/srv/rendition';

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function namesIn(problems: readonly string[]): string[] {
  return problems.map((problem) => /^[A-Z0-9_]+/.exec(problem)?.[0] ?? problem);
}

// Deliberately loose: these tests try to write where the frozen config allows nothing.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Mutable = any;

describe('loadConfig defaults', () => {
  const MB = 1024 * 1024;

  it('builds the whole config from an empty environment', () => {
    expect(loadConfig({}, CWD)).toEqual({
      http: { port: 8080, host: '0.0.0.0', requestTimeoutMs: 600_000, idleTimeoutMs: 60_000, trustProxy: false },
      metrics: { port: 0 },
      bufferReclaimBytes: 8 * 1024 * 1024,
      documents: { threads: 2, maxPages: 2_000, maxRenderPixels: 50_000_000, timeoutMs: 60_000, memoryMb: 512, officeTimeoutMs: 120_000 },
      video: {
        threads: 0,
        timeoutMs: 600_000,
        maxDurationSeconds: 10_800,
        maxPixels: 35_389_440,
        maxFrameRate: 240,
        maxBitRate: 100_000_000,
        maxSyncBytes: 104_857_600,
      },
      scripts: { timeoutMs: 250, memoryMb: 16 },
      analysis: { imageMetadataMaxBytes: 32_768, cinemagraphMaxFrames: 8 },
      moderation: { model: 'nsfwjs-mobilenet_v2', nsfwThresholds: { porn: 0.7, hentai: 0.7, sexy: 0.85 }, videoFrames: 8 },
      publicBaseUrl: 'http://127.0.0.1:8080',
      secureBaseUrl: 'http://127.0.0.1:8080',
      databaseUrl: 'postgres://postgres:postgres@127.0.0.1:5432/rendition',
      databasePoolSize: 10,
      databaseParallelWorkersPerGather: 0,
      settingsCache: { ttlMs: 60_000, maxEntries: 10_000 },
      deliveryCache: { ttlMs: 60_000, maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, maxEntryBytes: 1024 * 1024 },
      intakeGroups: { maxGroupSize: 64, maxInFlight: 2, queueLingerMs: 2 },
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'rendition',
      storage: { kind: 'file', root: '/srv/rendition/data' },
      s3: { region: 'us-east-1', forcePathStyle: true },
      s3SourceBuckets: [],
      limits: {
        maxUploadBytes: 100 * MB,
        maxLargeUploadBytes: 20 * 1024 * MB,
        largeUploadMinPartBytes: 5 * MB,
        inlineUploadMaxBytes: 16_384,
        largeUploadTtlMs: 86_400_000,
        maxDataUriBytes: 60 * MB,
        maxFieldBytes: 64 * 1024,
        maxFieldsTotalBytes: MB,
        maxRemoteBytes: 100 * MB,
        maxImagePixels: 100_000_000,
        imageTimeoutSeconds: 60,
        syncUploadTimeoutMs: 120_000,
        maxOutputDimension: 10_000,
        maxOutputPixels: 50_000_000,
        inMemoryOutputPixels: 4_000_000,
        deriveWaitTimeoutMs: 60_000,
        archive: {
          maxResources: 1_000,
          maxFiles: 5_000,
          maxBytes: 10 * 1024 * 1024 * 1024,
          maxSelectors: 100,
          waitTimeoutMs: 600_000,
          deriveWaitMs: 300_000,
        },
        parameters: {
          contextMaxKeyLength: 128,
          contextMaxValueLength: 1024,
          contextMaxBytes: 8192,
          tagMaxLength: 255,
          tagsMaxPerAsset: 1000,
          metadataMaxValueLength: 1024,
          eagerMaxItems: 20,
          eagerMaxOutputPixels: 200_000_000,
          coordinatesMaxRegions: 100,
        },
      },
      fetchDelivery: { timeoutMs: 20_000, maxBytes: 20 * 1024 * 1024, minTtlSeconds: 3_600, maxTtlSeconds: 604_800, failureTtlSeconds: 60 },
      autoUpload: { failureTtlSeconds: 60, maxRememberedFailures: 10_000 },
      remoteFetch: { timeoutMs: 30_000, maxRedirects: 5, retries: 2, retryDelayMs: 500, allow: [] },
      worker: {
        queues: [],
        concurrency: { ingest: 4, derive: 2, notify: 16, documents: 2, video: 1, moderate: 1, archive: 2, purge: 2 },
        shutdownTimeoutMs: 25_000,
      },
      webhooks: {
        schedule: '0,5s,5m,30m,2h,5h,10h,14h,20h,24h',
        scheduleScale: 1,
        timeoutMs: 15_000,
        signatureAlgorithm: 'sha1',
        directDelivery: true,
        directLeaseMs: 5_000,
      },
      relay: { intervalMs: 30_000, graceMs: 15_000 },
      redisAllowEviction: false,
      redisCommandTimeoutMs: 2_000,
      unavailableRetryAfterSeconds: 5,
      rateLimits: { enabled: true, adminPerHour: 5_000, uploadsPerMinute: 1_000, uploadsPerHour: 30_000, uploadConcurrency: 50, timeoutMs: 500 },
      sweep: { stagingAgeMs: 3_600_000, scratchAgeMs: 21_600_000, intervalMs: 600_000 },
      queueDashboard: { readOnly: true },
      bootstrapCloud: 'demo',
      logLevel: 'info',
    } satisfies Config);
  });

  it('does not read process.env when an environment is given', () => {
    const saved = process.env.PORT;
    process.env.PORT = '1234';
    try {
      expect(loadConfig({}, CWD).http.port).toBe(8080);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it.each([
    { name: 'port only', env: { PORT: '9000' }, url: 'http://127.0.0.1:9000', secure: 'http://127.0.0.1:9000' },
    {
      name: 'public base url',
      env: { PUBLIC_BASE_URL: 'https://media.example.com' },
      url: 'https://media.example.com',
      secure: 'https://media.example.com',
    },
    {
      name: 'public and secure base urls',
      env: { PUBLIC_BASE_URL: 'http://media.example.com', SECURE_BASE_URL: 'https://media.example.com' },
      url: 'http://media.example.com',
      secure: 'https://media.example.com',
    },
    {
      name: 'trailing slashes stripped',
      env: { PUBLIC_BASE_URL: 'http://localhost:8080/', SECURE_BASE_URL: 'https://cdn.example.com/media//' },
      url: 'http://localhost:8080',
      secure: 'https://cdn.example.com/media',
    },
    {
      name: 'secure follows a slash-stripped public url',
      env: { PUBLIC_BASE_URL: 'http://localhost:8080/rendition/' },
      url: 'http://localhost:8080/rendition',
      secure: 'http://localhost:8080/rendition',
    },
  ])('base urls: $name', ({ env, url, secure }) => {
    const config = loadConfig(env, CWD);
    expect(config.publicBaseUrl).toBe(url);
    expect(config.secureBaseUrl).toBe(secure);
  });

  it.each([
    { url: 'file://./data', root: '/srv/rendition/data' },
    { url: 'file://blobs', root: '/srv/rendition/blobs' },
    { url: 'file://../shared/blobs', root: '/srv/shared/blobs' },
    { url: 'file:///var/lib/rendition', root: '/var/lib/rendition' },
    { url: 'file://./my%20data', root: '/srv/rendition/my data' },
  ])('file storage $url resolves against cwd to $root', ({ url, root }) => {
    expect(loadConfig({ STORAGE_URL: url }, CWD).storage).toEqual({ kind: 'file', root });
  });
});

describe('loadConfig treats an empty variable as unset', () => {
  const names = Object.keys(ENV_VARIABLES);

  it('accepts every variable set to the empty string and gives the defaults', () => {
    const empty = Object.fromEntries(names.map((name) => [name, '']));
    expect(loadConfig(empty, CWD)).toEqual(loadConfig({}, CWD));
  });

  it.each(names)('%s= is the same as %s unset', (name) => {
    expect(loadConfig({ [name]: '' }, CWD)).toEqual(loadConfig({}, CWD));
  });
});

describe('loadConfig parses values', () => {
  it.each([
    { env: { PORT: '3000' }, pick: (c: Config) => c.http.port, want: 3000 },
    { env: { PORT: '0' }, pick: (c: Config) => c.http.port, want: 0 },
    { env: { HOST: '127.0.0.1' }, pick: (c: Config) => c.http.host, want: '127.0.0.1' },
    { env: { DATABASE_URL: 'postgresql://u:p@db/x' }, pick: (c: Config) => c.databaseUrl, want: 'postgresql://u:p@db/x' },
    { env: { DATABASE_POOL_SIZE: '25' }, pick: (c: Config) => c.databasePoolSize, want: 25 },
    { env: { DATABASE_PARALLEL_WORKERS_PER_GATHER: '2' }, pick: (c: Config) => c.databaseParallelWorkersPerGather, want: 2 },
    { env: { SETTINGS_CACHE_TTL_MS: '0' }, pick: (c: Config) => c.settingsCache.ttlMs, want: 0 },
    { env: { INTAKE_GROUP_MAX: '1' }, pick: (c: Config) => c.intakeGroups.maxGroupSize, want: 1 },
    { env: { INTAKE_GROUP_IN_FLIGHT: '4' }, pick: (c: Config) => c.intakeGroups.maxInFlight, want: 4 },
    { env: { INTAKE_QUEUE_LINGER_MS: '0' }, pick: (c: Config) => c.intakeGroups.queueLingerMs, want: 0 },
    { env: { SETTINGS_CACHE_MAX_ENTRIES: '5' }, pick: (c: Config) => c.settingsCache.maxEntries, want: 5 },
    { env: { DELIVERY_CACHE_TTL_MS: '0' }, pick: (c: Config) => c.deliveryCache.ttlMs, want: 0 },
    { env: { DELIVERY_CACHE_MAX_ENTRIES: '7' }, pick: (c: Config) => c.deliveryCache.maxEntries, want: 7 },
    { env: { DELIVERY_CACHE_MAX_BYTES: '0' }, pick: (c: Config) => c.deliveryCache.maxBytes, want: 0 },
    { env: { DELIVERY_CACHE_ENTRY_MAX_BYTES: '4096' }, pick: (c: Config) => c.deliveryCache.maxEntryBytes, want: 4096 },
    { env: { REDIS_URL: 'rediss://cache:6380/2' }, pick: (c: Config) => c.redisUrl, want: 'rediss://cache:6380/2' },
    { env: { QUEUE_PREFIX: 'staging_1' }, pick: (c: Config) => c.queuePrefix, want: 'staging_1' },
    { env: { S3_FORCE_PATH_STYLE: 'false' }, pick: (c: Config) => c.s3.forcePathStyle, want: false },
    { env: { S3_FORCE_PATH_STYLE: '0' }, pick: (c: Config) => c.s3.forcePathStyle, want: false },
    { env: { S3_FORCE_PATH_STYLE: 'no' }, pick: (c: Config) => c.s3.forcePathStyle, want: false },
    { env: { S3_FORCE_PATH_STYLE: 'yes' }, pick: (c: Config) => c.s3.forcePathStyle, want: true },
    { env: { S3_FORCE_PATH_STYLE: '1' }, pick: (c: Config) => c.s3.forcePathStyle, want: true },
    { env: { MAX_UPLOAD_BYTES: '1048576' }, pick: (c: Config) => c.limits.maxUploadBytes, want: 1_048_576 },
    { env: { MAX_DATA_URI_BYTES: '2048' }, pick: (c: Config) => c.limits.maxDataUriBytes, want: 2048 },
    { env: { MAX_REMOTE_BYTES: '4096' }, pick: (c: Config) => c.limits.maxRemoteBytes, want: 4096 },
    { env: { MAX_IMAGE_PIXELS: '1000000' }, pick: (c: Config) => c.limits.maxImagePixels, want: 1_000_000 },
    { env: { IMAGE_TIMEOUT_SECONDS: '5' }, pick: (c: Config) => c.limits.imageTimeoutSeconds, want: 5 },
    { env: { SYNC_UPLOAD_TIMEOUT_MS: '1000' }, pick: (c: Config) => c.limits.syncUploadTimeoutMs, want: 1000 },
    { env: { CONTEXT_MAX_KEY_LENGTH: '16' }, pick: (c: Config) => c.limits.parameters.contextMaxKeyLength, want: 16 },
    { env: { CONTEXT_MAX_VALUE_LENGTH: '64' }, pick: (c: Config) => c.limits.parameters.contextMaxValueLength, want: 64 },
    { env: { CONTEXT_MAX_BYTES: '512' }, pick: (c: Config) => c.limits.parameters.contextMaxBytes, want: 512 },
    { env: { TAG_MAX_LENGTH: '32' }, pick: (c: Config) => c.limits.parameters.tagMaxLength, want: 32 },
    { env: { TAGS_MAX_PER_ASSET: '10' }, pick: (c: Config) => c.limits.parameters.tagsMaxPerAsset, want: 10 },
    { env: { METADATA_MAX_VALUE_LENGTH: '80' }, pick: (c: Config) => c.limits.parameters.metadataMaxValueLength, want: 80 },
    { env: { EAGER_MAX_ITEMS: '3' }, pick: (c: Config) => c.limits.parameters.eagerMaxItems, want: 3 },
    { env: { EAGER_MAX_OUTPUT_PIXELS: '1000000' }, pick: (c: Config) => c.limits.parameters.eagerMaxOutputPixels, want: 1_000_000 },
    { env: { REMOTE_FETCH_TIMEOUT_MS: '500' }, pick: (c: Config) => c.remoteFetch.timeoutMs, want: 500 },
    { env: { REMOTE_FETCH_MAX_REDIRECTS: '0' }, pick: (c: Config) => c.remoteFetch.maxRedirects, want: 0 },
    { env: { REMOTE_FETCH_RETRIES: '0' }, pick: (c: Config) => c.remoteFetch.retries, want: 0 },
    { env: { REMOTE_FETCH_RETRY_DELAY_MS: '250' }, pick: (c: Config) => c.remoteFetch.retryDelayMs, want: 250 },
    { env: { REDIS_COMMAND_TIMEOUT_MS: '750' }, pick: (c: Config) => c.redisCommandTimeoutMs, want: 750 },
    {
      env: { METRICS_PORT: '9464', METRICS_TOKEN: 'a-scrape-token-of-some-length' },
      pick: (c: Config) => c.metrics,
      want: { port: 9464, token: 'a-scrape-token-of-some-length' },
    },
    { env: { UNAVAILABLE_RETRY_AFTER_SECONDS: '30' }, pick: (c: Config) => c.unavailableRetryAfterSeconds, want: 30 },
    {
      env: { RATE_LIMITS_ENABLED: 'false', RATE_LIMIT_ADMIN_PER_HOUR: '0', RATE_LIMIT_UPLOADS_PER_MINUTE: '7', RATE_LIMIT_UPLOAD_CONCURRENCY: '2' },
      pick: (c: Config) => c.rateLimits,
      want: { enabled: false, adminPerHour: 0, uploadsPerMinute: 7, uploadsPerHour: 30_000, uploadConcurrency: 2, timeoutMs: 500 },
    },
    { env: { STAGING_SWEEP_AGE_MS: '60000' }, pick: (c: Config) => c.sweep.stagingAgeMs, want: 60_000 },
    { env: { SCRATCH_SWEEP_AGE_MS: '120000' }, pick: (c: Config) => c.sweep.scratchAgeMs, want: 120_000 },
    { env: { SWEEP_INTERVAL_MS: '5000' }, pick: (c: Config) => c.sweep.intervalMs, want: 5_000 },
    { env: { REMOTE_FETCH_CA_FILE: '/etc/ca.pem' }, pick: (c: Config) => c.remoteFetch.caFile, want: '/etc/ca.pem' },
    {
      env: { FETCH_CACHE_MIN_TTL_S: '5', FETCH_CACHE_MAX_TTL_S: '60' },
      pick: (c: Config) => c.fetchDelivery,
      want: { timeoutMs: 20_000, maxBytes: 20 * 1024 * 1024, minTtlSeconds: 5, maxTtlSeconds: 60, failureTtlSeconds: 60 },
    },
    {
      env: { FETCH_FAILURE_TTL_S: '0', FETCH_TIMEOUT_MS: '500', FETCH_MAX_BYTES: '1000' },
      pick: (c: Config) => c.fetchDelivery,
      want: { timeoutMs: 500, maxBytes: 1000, minTtlSeconds: 3_600, maxTtlSeconds: 604_800, failureTtlSeconds: 0 },
    },
    { env: { WORKER_CONCURRENCY_INGEST: '8' }, pick: (c: Config) => c.worker.concurrency.ingest, want: 8 },
    { env: { SHUTDOWN_TIMEOUT_MS: '10000' }, pick: (c: Config) => c.worker.shutdownTimeoutMs, want: 10_000 },
    { env: { BOOTSTRAP_CLOUD: 'acme-prod' }, pick: (c: Config) => c.bootstrapCloud, want: 'acme-prod' },
    { env: { LOG_LEVEL: 'debug' }, pick: (c: Config) => c.logLevel, want: 'debug' },
  ])('$env', ({ env, pick, want }) => {
    expect(pick(loadConfig(env, CWD))).toEqual(want);
  });

  it.each([
    { value: '10.0.0.0/8', want: ['10.0.0.0/8'] },
    { value: '10.0.0.0/8,192.168.1.5', want: ['10.0.0.0/8', '192.168.1.5'] },
    { value: ' 10.0.0.0/8 , fd00::/8 ,, minio ,', want: ['10.0.0.0/8', 'fd00::/8', 'minio'] },
    { value: ',', want: [] },
    { value: '   ', want: [] },
  ])('SSRF_ALLOW=$value is a trimmed list', ({ value, want }) => {
    expect(loadConfig({ SSRF_ALLOW: value }, CWD).remoteFetch.allow).toEqual(want);
  });

  it('parses the other comma-separated lists the same way', () => {
    const config = loadConfig({ S3_SOURCE_BUCKETS: 'inbox, archive', WORKER_QUEUES: 'ingest,notify ,' }, CWD);
    expect(config.s3SourceBuckets).toEqual(['inbox', 'archive']);
    expect(config.worker.queues).toEqual(['ingest', 'notify']);
  });
});

describe('loadConfig S3 storage', () => {
  const s3Env = {
    S3_ENDPOINT: 'http://minio:9000/',
    S3_REGION: 'eu-west-1',
    S3_ACCESS_KEY_ID: 'AKIA123',
    S3_SECRET_ACCESS_KEY: 'secret',
    S3_FORCE_PATH_STYLE: 'false',
  };

  it.each([
    { url: 's3://rendition', bucket: 'rendition', prefix: '' },
    { url: 's3://rendition/', bucket: 'rendition', prefix: '' },
    { url: 's3://my-bucket/prefix', bucket: 'my-bucket', prefix: 'prefix' },
    { url: 's3://my.bucket.01/a/b/c/', bucket: 'my.bucket.01', prefix: 'a/b/c' },
    { url: 's3://bkt/a//b', bucket: 'bkt', prefix: 'a/b' },
  ])('$url → bucket $bucket, prefix "$prefix", with the S3_* values', ({ url, bucket, prefix }) => {
    const config = loadConfig({ STORAGE_URL: url, ...s3Env }, CWD);
    expect(config.storage).toEqual({
      kind: 's3',
      bucket,
      prefix,
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      accessKeyId: 'AKIA123',
      secretAccessKey: 'secret',
      forcePathStyle: false,
    });
    expect(config.s3).toEqual({
      endpoint: 'http://minio:9000',
      region: 'eu-west-1',
      accessKeyId: 'AKIA123',
      secretAccessKey: 'secret',
      forcePathStyle: false,
    });
  });

  it('leaves unset S3 credentials and endpoint out (AWS default chain)', () => {
    const config = loadConfig({ STORAGE_URL: 's3://bucket/prefix' }, CWD);
    expect(config.storage).toEqual({ kind: 's3', bucket: 'bucket', prefix: 'prefix', region: 'us-east-1', forcePathStyle: true });
    expect(config.storage).not.toHaveProperty('endpoint');
    expect(config.storage).not.toHaveProperty('accessKeyId');
    expect(config.storage).not.toHaveProperty('secretAccessKey');
  });

  it.each(['s3://', 's3://ab', 's3://Upper', 's3://-bucket', 's3://bucket_/x', `s3://${'a'.repeat(64)}`])('rejects the bucket name in %s', (url) => {
    expect(namesIn(problemsOf({ STORAGE_URL: url }))).toEqual(['STORAGE_URL']);
  });
});

describe('LARGE_UPLOAD_MIN_PART_BYTES', () => {
  it('reads the minimum part size of a chunked upload', () => {
    expect(loadConfig({ LARGE_UPLOAD_MIN_PART_BYTES: '65536' }, CWD).limits.largeUploadMinPartBytes).toBe(65_536);
    expect(namesIn(problemsOf({ LARGE_UPLOAD_MIN_PART_BYTES: '0' }))).toEqual(['LARGE_UPLOAD_MIN_PART_BYTES']);
  });

  it("refuses a minimum under S3's own 5 MiB with S3 storage", () => {
    const problems = problemsOf({ STORAGE_URL: 's3://bucket', LARGE_UPLOAD_MIN_PART_BYTES: '65536' });
    expect(problems).toEqual([`LARGE_UPLOAD_MIN_PART_BYTES=65536 is below S3's minimum part size (5242880) with STORAGE_URL s3://`]);
    expect(loadConfig({ STORAGE_URL: 's3://bucket', LARGE_UPLOAD_MIN_PART_BYTES: String(5 * 1024 * 1024) }, CWD).limits.largeUploadMinPartBytes).toBe(
      5_242_880,
    );
  });
});

describe('loadConfig reports every bad variable in one ConfigError', () => {
  const bad: Record<string, string> = {
    PORT: '70000',
    PUBLIC_BASE_URL: 'ftp://example.com',
    SECURE_BASE_URL: 'not a url',
    DATABASE_URL: 'mysql://localhost/db',
    DATABASE_POOL_SIZE: '0',
    REDIS_URL: 'http://localhost:6379',
    QUEUE_PREFIX: 'has space',
    STORAGE_URL: 'gs://bucket',
    S3_ENDPOINT: 'minio:9000',
    S3_FORCE_PATH_STYLE: 'maybe',
    MAX_UPLOAD_BYTES: '-1',
    MAX_DATA_URI_BYTES: 'lots',
    MAX_REMOTE_BYTES: '1.5',
    MAX_IMAGE_PIXELS: 'NaN',
    IMAGE_TIMEOUT_SECONDS: '0',
    REMOTE_FETCH_TIMEOUT_MS: '-5',
    REMOTE_FETCH_MAX_REDIRECTS: '21',
    SYNC_UPLOAD_TIMEOUT_MS: 'abc',
    WORKER_CONCURRENCY_INGEST: '0',
    SHUTDOWN_TIMEOUT_MS: '2.5',
    BOOTSTRAP_CLOUD: 'Has Upper',
    LOG_LEVEL: 'verbose',
  };

  it('lists all of them, each once, naming the variable and its value', () => {
    const problems = problemsOf(bad);
    expect(namesIn(problems).sort()).toEqual(Object.keys(bad).sort());
    for (const [name, value] of Object.entries(bad)) {
      expect(problems).toContainEqual(expect.stringContaining(`${name}=${JSON.stringify(value)}`));
    }
  });

  it('puts every problem in the message too', () => {
    try {
      loadConfig(bad, CWD);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).name).toBe('ConfigError');
      for (const name of Object.keys(bad)) expect((error as Error).message).toContain(`  - ${name}`);
    }
  });

  it('reports an invalid S3 bucket together with the other bad variables', () => {
    expect(namesIn(problemsOf({ PORT: 'http', STORAGE_URL: 's3://X', LOG_LEVEL: 'loud' })).sort()).toEqual(['LOG_LEVEL', 'PORT', 'STORAGE_URL']);
  });

  it('reports an empty file:// path', () => {
    expect(namesIn(problemsOf({ STORAGE_URL: 'file://' }))).toEqual(['STORAGE_URL']);
  });

  it('reports a fetch cache minimum above its maximum', () => {
    expect(namesIn(problemsOf({ FETCH_CACHE_MIN_TTL_S: '100', FETCH_CACHE_MAX_TTL_S: '10' }))).toEqual(['FETCH_CACHE_MIN_TTL_S']);
    expect(namesIn(problemsOf({ FETCH_CACHE_MIN_TTL_S: '0' }))).toEqual(['FETCH_CACHE_MIN_TTL_S']);
  });

  it.each([
    ['PORT', '-1'],
    ['PORT', '65536'],
    ['PORT', '80.5'],
    ['PUBLIC_BASE_URL', 'localhost:8080'],
    ['PUBLIC_BASE_URL', 'javascript:alert(1)'],
    ['S3_FORCE_PATH_STYLE', 'TRUE!'],
    ['REMOTE_FETCH_MAX_REDIRECTS', '-1'],
    ['REMOTE_FETCH_RETRIES', '11'],
    ['REMOTE_FETCH_RETRY_DELAY_MS', '-1'],
    ['REDIS_COMMAND_TIMEOUT_MS', '0'],
    ['UNAVAILABLE_RETRY_AFTER_SECONDS', '1.5'],
    ['SWEEP_INTERVAL_MS', '0'],
    ['QUEUE_PREFIX', 'a'.repeat(65)],
    ['QUEUE_PREFIX', 'with:colon'],
    ['BOOTSTRAP_CLOUD', 'x'.repeat(65)],
    ['METRICS_PORT', '65536'],
    ['METRICS_TOKEN', 'too-short'],
  ])('%s=%s is rejected', (name, value) => {
    expect(namesIn(problemsOf({ [name]: value }))).toEqual([name]);
  });
});

describe('loadConfig result is frozen', () => {
  const config = loadConfig({ SSRF_ALLOW: '10.0.0.0/8', STORAGE_URL: 's3://bucket/p' }, CWD);

  it('is deeply frozen', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(Object.isFrozen(config.storage)).toBe(true);
    expect(Object.isFrozen(config.s3)).toBe(true);
    expect(Object.isFrozen(config.limits)).toBe(true);
    expect(Object.isFrozen(config.remoteFetch.allow)).toBe(true);
    expect(Object.isFrozen(config.worker.concurrency)).toBe(true);
  });

  it.each([
    ['a top-level field', (c: Mutable) => (c.publicBaseUrl = 'http://evil')],
    ['a nested field', (c: Mutable) => (c.http.port = 1)],
    ['a deeply nested field', (c: Mutable) => (c.worker.concurrency.ingest = 100)],
    ['a new field', (c: Mutable) => (c.extra = true)],
    ['a deleted field', (c: Mutable) => delete c.redisUrl],
    ['an array', (c: Mutable) => c.remoteFetch.allow.push('0.0.0.0/0')],
    ['an array element', (c: Mutable) => (c.remoteFetch.allow[0] = '0.0.0.0/0')],
    ['the storage config', (c: Mutable) => (c.storage.bucket = 'other')],
  ] as Array<[string, (c: Mutable) => unknown]>)('throws on mutating %s (strict mode)', (_what, mutate) => {
    expect(() => mutate(config)).toThrow(TypeError);
  });

  it('is unchanged after the attempts', () => {
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:8080');
    expect(config.remoteFetch.allow).toEqual(['10.0.0.0/8']);
    expect(config.storage).toMatchObject({ bucket: 'bucket', prefix: 'p' });
  });
});

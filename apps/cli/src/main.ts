#!/usr/bin/env node
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cloudWebhookSettings,
  connectCatalog,
  createApiKey,
  cloudFetchSettings,
  setCloudAllowedFetchDomains,
  cloudAuthTokenKey,
  setCloudAuthTokenKey,
  setCloudBackups,
  setCloudNotificationUrls,
  setStrictTransformations,
} from '@rendition/catalog';
import { generateWebhookSecret } from '@rendition/webhooks';
import { generateAuthTokenKey, isAuthTokenKey } from '@rendition/protocol';
import { normalizeFetchDomain } from '@rendition/protocol';
import { ConfigError, loadConfig, type Config } from '@rendition/config';
import { createLogger } from '@rendition/logging';
import { cloudinaryUrl, ensureCloudCredentials } from './bootstrap-cloud.ts';
import { startCluster, type Role, type RunningCluster } from './cluster.ts';
import { prepareDatabase } from './services.ts';
import { startBufferReclaimer } from './buffer-reclaimer.ts';
import { RATE_LIMIT_OPTIONS, rateLimitsCommand } from './rate-limits-command.ts';

const USAGE = `Usage: rendition <command>

  start               API and workers in one process, with the bootstrap cloud's credentials printed
  api                 the HTTP API and delivery only
  worker [--queues q] workers only (comma-separated queues; default WORKER_QUEUES or all)
  migrate             create the database if missing and apply migrations
  keys create <cloud> create an API key for a cloud (created if missing); prints its CLOUDINARY_URL
  webhooks show <cloud>            the cloud's Standard Webhooks secret and global notification URLs
  webhooks set-urls <cloud> [url…] replace the cloud's global notification URLs (none: clear them)
  strict-transformations <cloud> on|off   only signed URLs (or eager) may create derivatives
  backups <cloud> on|off  overwrite and destroy keep the replaced versions (default on)
  fetch-domains <cloud> show|set [domain…]   hosts fetch URLs may fetch from (set with none: any host)
  auth-token-key <cloud> show|generate|clear|set <hex>   the key of the cloud's __cld_token__ delivery tokens
  rate-limits <cloud> show|set [--admin-per-hour N] [--uploads-per-minute N] [--uploads-per-hour N] [--upload-concurrency N]
                      the cloud's own rate limits (N: 0 for none, default for RATE_LIMIT_*)
  warm-cache          load every module once, so that Node's compile cache holds them (image builds)

Configuration comes from the environment: see docs/env.md.`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { queues: { type: 'string' }, help: { type: 'boolean', short: 'h' }, ...RATE_LIMIT_OPTIONS },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  if (command === 'warm-cache') return warmCompileCache();
  const config = loadConfig(values.queues ? { ...process.env, WORKER_QUEUES: values.queues } : process.env);
  switch (command) {
    case 'migrate':
      await prepareDatabase(config);
      return 0;
    case 'keys':
      return keys(config, rest);
    case 'webhooks':
      return webhooks(config, rest);
    case 'strict-transformations':
      return strictTransformations(config, rest);
    case 'backups':
      return backups(config, rest);
    case 'fetch-domains':
      return fetchDomains(config, rest);
    case 'auth-token-key':
      return authTokenKey(config, rest);
    case 'rate-limits':
      return rateLimitsCommand(config, rest, values);
    case 'start':
      return run(config, ['api', 'worker'], true);
    case 'api':
      return run(config, ['api'], false);
    case 'worker':
      return run(config, ['worker'], false);
    default:
      process.stderr.write(`Unknown command ${command}\n\n${USAGE}\n`);
      return 2;
  }
}

/**
 * Run through bin/rendition.mjs (which turns the compile cache on), this fills the cache for both roles
 * and for the PDF runner processes (one probe of a one-page PDF starts one).
 */
async function warmCompileCache(): Promise<number> {
  await import('./api-role.ts');
  await import('./worker-role.ts');
  const { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS } = await import('@rendition/media');
  const dir = await mkdtemp(join(tmpdir(), 'rendition-warm-'));
  const engine = createDocumentEngine({ ...DEFAULT_DOCUMENT_LIMITS, concurrency: 1 });
  try {
    await writeFile(join(dir, 'page.pdf'), ONE_PAGE_PDF);
    await engine.probePdf(join(dir, 'page.pdf'));
  } finally {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
  const { flushCompileCache, getCompileCacheDir } = await import('node:module');
  flushCompileCache();
  process.stdout.write(`compile cache: ${getCompileCacheDir() ?? 'off (run bin/rendition.mjs)'}\n`);
  return 0;
}

/** The smallest PDF pdf.js reads: one empty page (offsets of its cross-reference table included). */
const ONE_PAGE_PDF = [
  '%PDF-1.4',
  '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
  '2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj',
  '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >> endobj',
  'trailer << /Root 1 0 R >>',
  '%%EOF',
].join('\n');

async function keys(config: Config, args: string[]): Promise<number> {
  const [action, cloud] = args;
  if (action !== 'create' || !cloud || !/^[a-z0-9_-]{1,64}$/.test(cloud)) {
    process.stderr.write('Usage: rendition keys create <cloud>   (cloud: lowercase letters, digits, _ and -)\n');
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    const credentials = await createApiKey(db, cloud);
    process.stdout.write(`CLOUDINARY_URL=${cloudinaryUrl(credentials, config.publicBaseUrl)}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}

async function webhooks(config: Config, args: string[]): Promise<number> {
  const [action, cloud, ...urls] = args;
  const invalid = urls.filter((url) => !/^https?:\/\/\S+$/.test(url));
  if (!cloud || !/^[a-z0-9_-]{1,64}$/.test(cloud) || (action !== 'show' && action !== 'set-urls') || invalid.length > 0) {
    process.stderr.write('Usage: rendition webhooks show <cloud> | rendition webhooks set-urls <cloud> [http(s) url ...]\n');
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    if (action === 'set-urls') await setCloudNotificationUrls(db, cloud, urls);
    const settings = await cloudWebhookSettings(db, cloud, generateWebhookSecret);
    process.stdout.write(`WEBHOOK_SECRET=${settings.webhookSecret}\nNOTIFICATION_URLS=${settings.notificationUrls.join(',')}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}

async function strictTransformations(config: Config, args: string[]): Promise<number> {
  const [cloud, setting] = args;
  if (!cloud || !/^[a-z0-9_-]{1,64}$/.test(cloud) || (setting !== 'on' && setting !== 'off')) {
    process.stderr.write('Usage: rendition strict-transformations <cloud> on|off\n');
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    await setStrictTransformations(db, cloud, setting === 'on');
    process.stdout.write(`strict transformations ${setting} for ${cloud}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}

async function backups(config: Config, args: string[]): Promise<number> {
  const [cloud, setting] = args;
  if (!cloud || !/^[a-z0-9_-]{1,64}$/.test(cloud) || (setting !== 'on' && setting !== 'off')) {
    process.stderr.write('Usage: rendition backups <cloud> on|off\n');
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    await setCloudBackups(db, cloud, setting === 'on');
    process.stdout.write(`backups ${setting} for ${cloud}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}

/**
 * The cloud's token key (docs/token-auth.md): `generate` makes a new random one, `set` takes one (the
 * key Cloudinary gave the account, for instance: 16 to 256 bytes in hex), `clear` turns tokens off.
 * Each prints the key the cloud has now, as the SDKs' `auth_token.key` wants it.
 */
async function authTokenKey(config: Config, args: string[]): Promise<number> {
  const [cloud, action, value, ...extra] = args;
  const valid =
    cloud !== undefined &&
    /^[a-z0-9_-]{1,64}$/.test(cloud) &&
    extra.length === 0 &&
    (action === 'set'
      ? value !== undefined && isAuthTokenKey(value)
      : (action === 'show' || action === 'generate' || action === 'clear') && value === undefined);
  if (!valid) {
    process.stderr.write('Usage: rendition auth-token-key <cloud> show|generate|clear|set <hex key of 16 to 256 bytes>\n');
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    if (action === 'generate') await setCloudAuthTokenKey(db, cloud, generateAuthTokenKey());
    if (action === 'set') await setCloudAuthTokenKey(db, cloud, (value ?? '').toLowerCase());
    if (action === 'clear') await setCloudAuthTokenKey(db, cloud, null);
    process.stdout.write(`AUTH_TOKEN_KEY=${(await cloudAuthTokenKey(db, cloud)) ?? ''}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}

/**
 * The cloud's allowed fetch domains (docs/fetch-delivery.md): `set` replaces them (a domain also
 * allows its subdomains; none: any host), `show` prints them. Each prints the list the cloud has now.
 */
async function fetchDomains(config: Config, args: string[]): Promise<number> {
  const [cloud, action, ...entries] = args;
  const domains = entries.map(normalizeFetchDomain);
  const valid =
    cloud !== undefined &&
    /^[a-z0-9_-]{1,64}$/.test(cloud) &&
    (action === 'set' ? domains.every((domain) => domain !== undefined) : action === 'show' && entries.length === 0);
  if (!valid) {
    process.stderr.write('Usage: rendition fetch-domains <cloud> show | set [domain ...]   (a host name or IP; none: any host)\n');
    return 2;
  }
  await prepareDatabase(config);
  const db = connectCatalog(config.databaseUrl, { poolSize: 1 });
  try {
    const chosen = domains.filter((domain) => domain !== undefined);
    if (action === 'set') await setCloudAllowedFetchDomains(db, cloud, chosen);
    const settings = await cloudFetchSettings(db, cloud);
    process.stdout.write(`ALLOWED_FETCH_DOMAINS=${settings?.allowedFetchDomains.join(',') ?? ''}\n`);
  } finally {
    await db.destroy();
  }
  return 0;
}

/** How often a running process reads its Buffers' bytes (BUFFER_RECLAIM_BYTES). */
const BUFFER_RECLAIM_INTERVAL_MS = 50;

async function run(config: Config, roles: Role[], announce: boolean): Promise<number> {
  const logger = createLogger({ level: config.logLevel, name: `rendition-${roles.join('+')}` });
  const cluster = await startCluster(config, { roles, logger });
  // Where bodies stream in: a worker-only process is left to V8 (its collections cost media throughput).
  const reclaimer = roles.includes('api')
    ? startBufferReclaimer({ thresholdBytes: config.bufferReclaimBytes, intervalMs: BUFFER_RECLAIM_INTERVAL_MS })
    : undefined;
  if (announce) await announceCloud(cluster, config);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'shutting down');
      // A second signal means "now".
      process.once(signal, () => process.exit(1));
      reclaimer?.stop();
      cluster.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}

async function announceCloud(cluster: RunningCluster, config: Config): Promise<void> {
  const credentials = await ensureCloudCredentials(cluster.services.db, config.bootstrapCloud);
  const { webhookSecret } = await cloudWebhookSettings(cluster.services.db, config.bootstrapCloud, generateWebhookSecret);
  process.stdout.write(
    [
      '',
      `Rendition is running at ${config.publicBaseUrl}`,
      `Cloud "${credentials.cloudName}" is ready. Point the Cloudinary SDKs here with:`,
      '',
      `  CLOUDINARY_URL=${cloudinaryUrl(credentials, config.publicBaseUrl)}`,
      '',
      `Notifications are signed for the SDK (X-Cld-Signature) and for Standard Webhooks libraries with:`,
      `  WEBHOOK_SECRET=${webhookSecret}`,
      '',
    ].join('\n') + '\n',
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

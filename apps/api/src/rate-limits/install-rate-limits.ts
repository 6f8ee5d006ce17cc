import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiCredentials, CatalogDb } from '@rendition/catalog';
import { createRedisConnection } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { ApiError } from '@rendition/protocol';
import { parseChunkHeaders } from '../chunk-headers.ts';
import { authenticateBasic } from '../request-auth.ts';
import { preAuthenticatedBasic, requestBodyState } from '../request-body-state.ts';
import type { Slot } from './concurrency-slots.ts';
import { createCloudSettingsCache, type RateLimitSettings } from './rate-limit-settings.ts';
import { createRateLimiter, type RateLimiter, type UploadDecision } from './rate-limiter.ts';
import { headerTime, messageTime } from './windows.ts';

/** How the API server is told to rate-limit (buildApiServer's `rateLimits`; absent: no limits). */
export interface RateLimitOptions {
  /** REDIS_URL: the limits are counted there, shared by every replica. */
  redisUrl: string;
  /** QUEUE_PREFIX: the counters' keys start with it. */
  keyPrefix: string;
  /** RATE_LIMIT_*: the global limits (0: none), under each cloud's own. */
  limits: RateLimitSettings;
  /** RATE_LIMIT_TIMEOUT_MS: the most a request waits for Redis before it goes through unlimited. */
  timeoutMs: number;
  /** How long a process keeps a cloud's own limits (rate-limit-settings.ts's default when absent). */
  cloudSettingsTtlMs?: number;
  /** The clock the windows are cut from (tests fix it). */
  now?: () => number;
}

/**
 * The Admin API's routes: `/v1_1/<cloud>/<word>…` with these first words. The Upload API's routes
 * (`/v1_1/<cloud>/<resource_type>/…`, delete_by_token), signed downloads (download_backup) and
 * Rendition's own batch routes are not Admin API calls.
 */
export const ADMIN_API_WORDS: ReadonlySet<string> = new Set([
  'resources',
  'derived_resources',
  'tags',
  'folders',
  'usage',
  'ping',
  'config',
  'metadata_fields',
  'upload_presets',
  'upload_mappings',
  'transformations',
  'streaming_profiles',
  'triggers',
]);

export function isAdminApiRoute(route: string): boolean {
  const match = /^\/v1_1\/:cloud\/([a-z_]+)(?:\/|$)/.exec(route);
  return match !== null && ADMIN_API_WORDS.has(match[1] ?? '');
}

/** The upload routes (upload-route.ts): the only ones the upload limits apply to. */
export const UPLOAD_ROUTE = /^\/v1_1\/:cloud\/:resourceType\/(?:(?::type\/)?upload|upload_chunked)$/;

/** An upload request between its arrival and its answer. */
interface UploadInProgress {
  limiter: RateLimiter;
  cloud: string;
  reply: FastifyReply;
  startsUpload: boolean;
  now: () => number;
  /** The request was weighed (with its key known); later calls to admitUpload do nothing. */
  admitted: boolean;
  /** The response is over (sent, failed, or the client went away). */
  closed: boolean;
  slot?: Slot;
}

const uploads = new WeakMap<FastifyRequest, UploadInProgress>();

/** How long the server's start waits for the rate limits' Redis connection (then it starts without, failing open). */
const STARTUP_WAIT_MS = 2_000;

/**
 * Adds the rate limits to the server (docs/operations.md "Rate limits"); installed after the body
 * guard, whose Basic check it reuses. Admin API calls are counted per API key per clock hour before
 * the route runs, and every answer to one carries Cloudinary's X-FeatureRateLimit-* headers; uploads
 * are weighed as soon as their key is known: at once with Basic credentials, else by `admitUpload`
 * once the route has authenticated the request.
 */
export function installRateLimits(app: FastifyInstance, deps: { db: CatalogDb; logger: Logger; options: RateLimitOptions }): void {
  const { options, logger } = deps;
  const now = options.now ?? Date.now;
  // The API's producer connection settings: commands fail at once while Redis is away, and wait for it
  // no longer than the rate limits may.
  const redis = createRedisConnection(options.redisUrl, 'producer', { commandTimeoutMs: options.timeoutMs });
  const settings = createCloudSettingsCache({
    db: deps.db,
    defaults: options.limits,
    logger,
    ...(options.cloudSettingsTtlMs === undefined ? {} : { ttlMs: options.cloudSettingsTtlMs }),
    ...(options.now ? { now: options.now } : {}),
  });
  const limiter = createRateLimiter({
    redis,
    keyPrefix: options.keyPrefix,
    settings,
    timeoutMs: options.timeoutMs,
    logger,
    ...(options.now ? { now: options.now } : {}),
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const cloud = (request.params as { cloud?: string }).cloud ?? '';
    if (isAdminApiRoute(route)) {
      const credentials = await adminCaller(deps.db, request, cloud);
      if (credentials) await limitAdminCall(limiter, reply, cloud, credentials.apiKey);
    } else if (UPLOAD_ROUTE.test(route)) {
      const upload: UploadInProgress = { limiter, cloud, reply, startsUpload: startsUpload(request), now, admitted: false, closed: false };
      uploads.set(request, upload);
      // Sent, failed, or the client went away: the slot is given back whatever happened.
      reply.raw.once('close', () => {
        upload.closed = true;
        void upload.slot?.release();
      });
      // Basic credentials were checked by the body guard: weighed before the body is read.
      const basic = preAuthenticatedBasic(request);
      if (basic) await admit(upload, basic.apiKey);
    }
  });

  // The first requests are limited too: the server is ready once Redis is, or after a moment without it.
  app.addHook('onReady', async () => {
    if (redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, STARTUP_WAIT_MS);
      function done() {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      }
      redis.once('ready', done);
    });
  });

  app.addHook('onClose', async () => {
    limiter.close();
    redis.disconnect();
  });
}

/**
 * Weighs an upload request once the route knows who sends it: its API key, or for an unsigned
 * upload its cloud. Answers 420 (an ApiError) when a limit refuses it; does nothing when the server
 * has no rate limits or the request was already weighed.
 */
export async function admitUpload(request: FastifyRequest, caller: Pick<ApiCredentials, 'apiKey'> & { unsigned?: boolean }): Promise<void> {
  const upload = uploads.get(request);
  if (!upload || upload.admitted) return;
  await admit(upload, caller.unsigned ? undefined : caller.apiKey);
}

async function admit(upload: UploadInProgress, apiKey: string | undefined): Promise<void> {
  upload.admitted = true;
  const subject = apiKey === undefined ? `cloud-${upload.cloud}` : `key-${apiKey}`;
  const decision = await upload.limiter.admitUpload(upload.cloud, subject, { startsUpload: upload.startsUpload });
  if (!decision) return;
  if (decision.slot) {
    // The client may have gone while Redis answered.
    if (upload.closed) void decision.slot.release();
    else upload.slot = decision.slot;
  }
  setUploadHeaders(upload.reply, decision, upload.now());
  const refusal = uploadRefusal(decision);
  if (refusal) throw refusal;
}

/** The caller of an Admin API call, or undefined when its credentials fail (the route answers the 401, uncounted). */
async function adminCaller(db: CatalogDb, request: FastifyRequest, cloud: string): Promise<ApiCredentials | undefined> {
  const checked = preAuthenticatedBasic(request);
  if (checked) return checked;
  const authorization = request.headers.authorization;
  if (!authorization?.toLowerCase().startsWith('basic ')) return undefined;
  try {
    const credentials = await authenticateBasic(db, authorization, cloud);
    // The route's authenticateAdmin takes them from there instead of checking them again.
    requestBodyState(request).basic = credentials;
    return credentials;
  } catch {
    return undefined;
  }
}

async function limitAdminCall(limiter: RateLimiter, reply: FastifyReply, cloud: string, apiKey: string): Promise<void> {
  const count = await limiter.chargeAdmin(cloud, apiKey);
  if (!count) return;
  setHeaders(reply, {
    'X-FeatureRateLimit-Limit': String(count.limit),
    'X-FeatureRateLimit-Remaining': String(count.remaining),
    'X-FeatureRateLimit-Reset': headerTime(count.resetAt),
  });
  if (count.exceeded) throw new ApiError(420, adminLimitMessage(count.limit, count.resetAt));
}

/** Cloudinary's words (reference wave 2 §7). */
export function adminLimitMessage(limit: number, resetAt: number): string {
  return `Rate Limit Exceeded. Limit of ${limit} api operations reached. Try again on ${messageTime(resetAt)} UTC`;
}

/** Rendition's own, in the same style. */
function uploadRefusal(decision: UploadDecision): ApiError | undefined {
  if (decision.refused === 'concurrency' && decision.concurrency) {
    return new ApiError(
      420,
      `Rate Limit Exceeded. Limit of ${decision.concurrency.limit} concurrent uploads reached. Try again once an upload in progress has finished`,
    );
  }
  if ((decision.refused === 'minute' || decision.refused === 'hour') && decision.window) {
    const { limit, per, resetAt } = decision.window;
    return new ApiError(420, `Rate Limit Exceeded. Limit of ${limit} uploads per ${per} reached. Try again on ${messageTime(resetAt)} UTC`);
  }
  return undefined;
}

function setUploadHeaders(reply: FastifyReply, decision: UploadDecision, nowMs: number): void {
  const headers: Record<string, string> = {};
  if (decision.window) {
    headers['X-FeatureUploadRateLimit-Limit'] = String(decision.window.limit);
    headers['X-FeatureUploadRateLimit-Remaining'] = String(decision.window.remaining);
    headers['X-FeatureUploadRateLimit-Reset'] = headerTime(decision.window.resetAt);
  }
  if (decision.concurrency) {
    headers['X-FeatureUploadConcurrency-Limit'] = String(decision.concurrency.limit);
    headers['X-FeatureUploadConcurrency-Remaining'] = String(decision.concurrency.remaining);
  }
  if (decision.refused) {
    const seconds = decision.refused === 'concurrency' || !decision.window ? 1 : Math.ceil((decision.window.resetAt - nowMs) / 1_000);
    headers['Retry-After'] = String(Math.max(1, seconds));
  }
  setHeaders(reply, headers);
}

/**
 * On the raw response, so that the names keep their case on the wire (Fastify's reply.header lowers
 * it): older Java SDKs match `X-Feature(\w*)RateLimit-…` case-sensitively. Node merges them with the
 * reply's own headers, error answers included.
 */
function setHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
}

/** Whether the request starts an upload: not a later chunk of a chunked one (which is counted once). */
function startsUpload(request: FastifyRequest): boolean {
  try {
    const chunk = parseChunkHeaders(request.headers);
    if (!chunk) return true;
    return chunk.position.kind === 'range' ? chunk.position.start === 0 : chunk.position.partNumber === 1;
  } catch {
    // The route refuses the headers; counted like any upload meanwhile.
    return true;
  }
}

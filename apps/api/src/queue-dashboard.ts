import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JobQueues } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { sendError } from './error-handler.ts';

/** Where the dashboard lives; every path under it is the dashboard's (docs/operations.md, "Queue dashboard"). */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The browser's credentials prompt names this realm. */
export const QUEUE_DASHBOARD_REALM = 'Basic realm="Rendition queue dashboard", charset="UTF-8"';

export interface QueueDashboardSettings {
  /** ADMIN_USER and ADMIN_PASSWORD: without them the dashboard is not served at all. */
  readonly credentials?: { readonly user: string; readonly password: string };
  /** QUEUE_DASHBOARD_READ_ONLY: bull-board's readOnlyMode, and every method but GET and HEAD refused. */
  readonly readOnly: boolean;
}

export interface QueueDashboardDependencies {
  /** The API's producer: the dashboard reads the same BullMQ Queues it enqueues into (JobQueues.allQueues). */
  queues: JobQueues;
  /** Not served when absent, as without credentials. */
  queueDashboard?: QueueDashboardSettings;
  /** Retry-After of the 503 answered while Redis is away (UNAVAILABLE_RETRY_AFTER_SECONDS). */
  limits?: { unavailableRetryAfterSeconds?: number };
}

const READ_METHODS = new Set(['GET', 'HEAD']);
const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/**
 * Headers of every dashboard answer: no framing, no sniffing, no Referer to the fonts bull-board's page
 * links to. The page's own markup (inline styles, its config in a JSON script tag) rules out a stricter
 * Content-Security-Policy.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/**
 * bull-board (`@bull-board/api` + `@bull-board/fastify`) at QUEUE_DASHBOARD_PATH, showing every queue of
 * QUEUE_NAMES under the API's prefix. Only an operator sending ADMIN_USER/ADMIN_PASSWORD (HTTP Basic)
 * reaches any of it: the page, its static files and its JSON API are all routes of one encapsulated
 * scope whose onRequest hook checks the credentials first. Without credentials configured nothing of
 * bull-board is registered and every path under QUEUE_DASHBOARD_PATH answers 404.
 *
 * bull-board's plugin registers @fastify/view and @fastify/static inside its own context, with its own
 * error handler, so nothing of it leaks into the rest of the API. Its routes are static paths under
 * QUEUE_DASHBOARD_PATH, which the router prefers to delivery's `/:cloud/:resourceType/:type/*` (a
 * cloud named `admin` has no resource type `queues`); a catch-all in the same scope answers 404 for
 * the rest, behind the same credentials.
 */
export function registerQueueDashboard(app: FastifyInstance, deps: QueueDashboardDependencies): void {
  const credentials = deps.queueDashboard?.credentials;
  const allQueues = deps.queues.allQueues?.bind(deps.queues);
  if (!credentials || !allQueues) {
    registerNotServed(app);
    return;
  }
  const readOnly = deps.queueDashboard?.readOnly ?? true;
  const retryAfterSeconds = deps.limits?.unavailableRetryAfterSeconds;

  void app.register(async (scope) => {
    // Loaded only when the dashboard is served: bull-board, its UI, @fastify/static and ejs cost the API
    // tens of MB of resident memory (e2e/api-memory.test.ts bounds it) that a closed dashboard never needs.
    const [{ createBullBoard }, { BullMQAdapter }, { FastifyAdapter }] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/fastify'),
    ]);
    const serverAdapter = new FastifyAdapter().setBasePath(QUEUE_DASHBOARD_PATH);
    const board = createBullBoard({
      queues: [],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Rendition queues', hideDocsLink: true, sortQueues: false } },
    });

    // A BullMQ Queue made while Redis is away never recovers (JobQueues makes them only once connected):
    // the queues join the board on the first request that finds Redis up.
    let attached = false;
    const attachQueues = (): boolean => {
      if (attached) return true;
      if (!deps.queues.isConnected()) return false;
      try {
        const adapters = allQueues().map((queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly, allowRetries: !readOnly }));
        board.replaceQueues(adapters);
        attached = true;
      } catch {
        // Redis went away in between: the next request tries again.
      }
      return attached;
    };

    scope.addHook('onRequest', async (request, reply) => {
      if (!credentialsMatch(request.headers.authorization, credentials)) {
        if (request.headers.authorization !== undefined) {
          request.log.warn({ ip: request.ip, url: request.url }, 'queue dashboard: wrong operator credentials');
        }
        reply.header('www-authenticate', QUEUE_DASHBOARD_REALM);
        return sendError(reply, new ApiError(401, 'Operator credentials required (ADMIN_USER, ADMIN_PASSWORD)'));
      }
      if (readOnly && !READ_METHODS.has(request.method)) {
        reply.header('allow', 'GET, HEAD');
        return sendError(reply, new ApiError(405, 'The queue dashboard is read-only (QUEUE_DASHBOARD_READ_ONLY=true)'));
      }
      if (!attachQueues() && isApiCall(request)) {
        return sendError(reply, new ApiError(503, 'The job queue (Redis) is unavailable, try again shortly', { expose: true }), retryAfterSeconds);
      }
      return undefined;
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });
    // bull-board answers its own errors (its error handler, inside its plugin) without logging them.
    scope.addHook('onError', async (request, _reply, error) => {
      request.log.warn({ err: error }, 'queue dashboard request failed');
    });
    scope.route({
      method: [...ROUTE_METHODS],
      url: `${QUEUE_DASHBOARD_PATH}/*`,
      exposeHeadRoute: false,
      handler: async (request, reply) => notFound(request, reply),
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
  app.log.info({ path: QUEUE_DASHBOARD_PATH, readOnly }, 'queue dashboard served');
}

/** No credentials configured: every path of the dashboard is a 404, as if it did not exist. */
function registerNotServed(app: FastifyInstance): void {
  for (const url of [QUEUE_DASHBOARD_PATH, `${QUEUE_DASHBOARD_PATH}/*`]) {
    app.route({ method: [...ROUTE_METHODS], url, exposeHeadRoute: false, handler: async (request, reply) => notFound(request, reply) });
  }
}

function notFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(reply, new ApiError(404, `Not found - ${request.method} ${request.url.split('?')[0]}`));
}

/** bull-board's JSON API, which needs the queues (its page and static files do not). */
function isApiCall(request: FastifyRequest): boolean {
  return request.url.startsWith(`${QUEUE_DASHBOARD_PATH}/api/`);
}

/** `Authorization: Basic base64(user:password)` against the operator's, both compared in constant time. */
export function credentialsMatch(header: string | undefined, expected: { readonly user: string; readonly password: string }): boolean {
  const match = /^basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator < 0) return false;
  // Both comparisons run whatever the first finds, so the time taken tells nothing about either.
  const userMatches = sameSecret(decoded.slice(0, separator), expected.user);
  const passwordMatches = sameSecret(decoded.slice(separator + 1), expected.password);
  return userMatches && passwordMatches;
}

/** Digests have equal length, so timingSafeEqual never shortcuts on a length difference. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

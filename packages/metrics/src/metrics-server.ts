import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { METRICS_CONTENT_TYPE, metricsText } from './registry.ts';

export interface MetricsServerOptions {
  /** METRICS_PORT (0 here picks a free port, for tests; the configuration treats 0 as "off"). */
  port: number;
  /** The address to bind (HOST). */
  host: string;
  /** METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Where a failed scrape is reported. */
  logger?: { warn(object: object, message: string): void };
}

export interface MetricsServer {
  /** The port it listens on. */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The small listener every process that sets METRICS_PORT runs: `GET /metrics` (this process's registry,
 * behind METRICS_TOKEN when set) and `GET /healthz` (the process answers: a liveness probe for workers,
 * which serve no other HTTP). Anything else is a 404. Kept off the API's port so that /metrics need not
 * be reachable where clients are.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      options.logger?.warn({ err: error }, 'metrics scrape failed');
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('metrics collection failed\n');
    });
  });
  // A scraper keeps its connection open between scrapes; a silent one must not hold it forever.
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const method = request.method ?? 'GET';
  if (path !== '/metrics' && path !== '/healthz') return plain(response, 404, 'not found\n');
  if (method !== 'GET' && method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return plain(response, 405, 'method not allowed\n');
  }
  if (path === '/healthz') return plain(response, 200, 'ok\n', method === 'HEAD');
  if (!authorizedScrape(request.headers.authorization, options.token)) {
    response.setHeader('www-authenticate', 'Bearer realm="metrics"');
    return plain(response, 401, 'unauthorized\n');
  }
  const text = await metricsText();
  response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
  response.end(method === 'HEAD' ? undefined : text);
}

function plain(response: ServerResponse, status: number, body: string, headOnly = false): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(headOnly ? undefined : body);
}

/**
 * Whether an Authorization header carries METRICS_TOKEN as a bearer token; always true without a token.
 * Compared through digests in constant time, so the answer's timing says nothing about the token.
 */
export function authorizedScrape(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined || token === '') return true;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1] ?? ''), digest(token));
}

import type { Readable } from 'node:stream';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { type AddressPolicy, createAddressPolicy } from './address-policy.ts';
import { assertFetchableUrl } from './fetchable-url.ts';
import { createGuardedConnector } from './guarded-connector.ts';
import { isTransientNetworkError, networkErrorReason } from './network-error-reason.ts';
import { displayUrl, RemoteFetchError } from './remote-fetch-error.ts';
import { limitBodySize } from './size-limited-body.ts';

export interface GuardedFetcherOptions {
  /** CIDRs, IPs or hostnames reachable although not global unicast (see createAddressPolicy). */
  allow: string[];
  /** Bounds the whole exchange, redirects and body included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  userAgent?: string;
  /** PEM certificates trusted on top of the default roots. */
  extraCaPem?: string;
}

export interface GuardedRequestInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  /** Default true; webhook delivery passes false and treats a 3xx as a failed attempt. */
  followRedirects?: boolean;
  /** A shorter deadline for this exchange than the fetcher's `timeoutMs` (what is left of a caller's budget). */
  timeoutMs?: number;
}

export interface GuardedResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The URL of the last hop, after redirects. */
  finalUrl: string;
  /** Errors with RemoteFetchError 'too_large' past maxBytes and 'timeout' past timeoutMs. */
  body: Readable;
}

export interface GuardedFetcher {
  readonly policy: AddressPolicy;
  fetch(url: string, init?: GuardedRequestInit): Promise<GuardedResponse>;
  /** Waits for requests in flight, then closes every pooled connection. */
  close(): Promise<void>;
  /** Aborts requests in flight and closes every connection (work abandoned at a shutdown deadline). */
  destroy(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Drained rather than destroyed so the pooled connection survives; larger bodies are not worth reading.
const REDIRECT_BODY_DRAIN_LIMIT = 64 * 1024;
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const CONTENT_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * An HTTP client for URLs chosen by API clients: every connection, including each redirect hop, goes only
 * to addresses the policy allows, and every response is bounded in time and size. See README.md.
 */
export function createGuardedFetcher(options: GuardedFetcherOptions): GuardedFetcher {
  const policy = createAddressPolicy(options.allow);
  const ca = options.extraCaPem === undefined ? undefined : [...defaultCaCertificates(), options.extraCaPem];
  const agent = new Agent({
    connect: createGuardedConnector(policy, {
      connectTimeoutMs: options.timeoutMs,
      ...(ca === undefined ? {} : { ca }),
    }),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const userAgent = options.userAgent ?? 'Rendition';
  // Set once destroy() has aborted what was in flight: those failures are ours, not the remote server's.
  let destroyed = false;

  async function fetch(url: string, init: GuardedRequestInit = {}): Promise<GuardedResponse> {
    let current = assertFetchableUrl(url, policy);
    let method = init.method ?? 'GET';
    let body = init.body;
    let headers: Record<string, string> = { 'user-agent': userAgent, ...lowerCaseKeys(init.headers ?? {}) };
    const followRedirects = init.followRedirects ?? true;

    const timeoutMs = Math.max(1, Math.min(init.timeoutMs ?? options.timeoutMs, options.timeoutMs));
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = init.signal === undefined ? deadline.signal : AbortSignal.any([deadline.signal, init.signal]);
    const translate = (error: unknown, at: URL): unknown => {
      // Work abandoned at a shutdown deadline: the job runs again elsewhere, so this is no remote failure.
      if (destroyed) return new Error(`Fetching ${displayUrl(at)} was abandoned: the client was shut down`, { cause: error });
      if (deadline.signal.aborted || isTimeout(error)) {
        return new RemoteFetchError('timeout', `Timed out fetching ${displayUrl(at)} after ${timeoutMs} ms`, {
          reason: `timed out after ${timeoutMs} ms`,
        });
      }
      // The caller's own abort (job cancelled, shutdown) is not a remote failure; it keeps its reason.
      if (init.signal?.aborted === true) return init.signal.reason;
      if (error instanceof RemoteFetchError) {
        return error.code === 'refused_address'
          ? new RemoteFetchError('refused_address', `Refused to fetch ${displayUrl(at)}: ${error.message}`)
          : error;
      }
      const reason = networkErrorReason(error);
      return new RemoteFetchError('network', `Could not fetch ${displayUrl(at)}: ${reason}`, {
        cause: error,
        reason,
        transient: isTransientNetworkError(error),
      });
    };

    try {
      for (let redirects = 0; ; redirects++) {
        const response = await request(current, {
          dispatcher: agent,
          method,
          headers,
          body: body ?? null,
          signal,
        }).catch((error: unknown) => {
          throw translate(error, current);
        });
        const responseHeaders = flattenHeaders(response.headers);
        const location = responseHeaders.location;

        if (followRedirects && REDIRECT_STATUSES.has(response.statusCode) && location !== undefined) {
          await response.body.dump({ limit: REDIRECT_BODY_DRAIN_LIMIT }).catch(() => undefined);
          if (redirects >= options.maxRedirects) {
            throw new RemoteFetchError('too_many_redirects', `Refused to fetch ${displayUrl(url)}: more than ${options.maxRedirects} redirects`);
          }
          const next = URL.parse(location, current.href);
          if (next === null) {
            throw new RemoteFetchError('bad_url', `Could not fetch ${displayUrl(current)}: invalid redirect location`);
          }
          const target = assertFetchableUrl(next.href, policy);
          if (target.origin !== current.origin) headers = without(headers, CREDENTIAL_HEADERS);
          // Fetch-standard method rewriting: 303 always, and 301/302 after a POST, continue as a bodiless GET.
          if (response.statusCode === 303 || (method === 'POST' && response.statusCode <= 302)) {
            method = 'GET';
            body = undefined;
            headers = without(headers, CONTENT_HEADERS);
          }
          current = target;
          continue;
        }

        const declaredLength = Number(responseHeaders['content-length']);
        if (declaredLength > options.maxBytes) {
          // undici reports its own destroy as an AbortError; nobody else is listening for it.
          response.body.on('error', () => undefined).destroy();
          throw tooLarge(current, options.maxBytes);
        }
        const finalUrl = current;
        return {
          status: response.statusCode,
          headers: responseHeaders,
          finalUrl: finalUrl.href,
          body: limitBodySize(response.body, {
            maxBytes: options.maxBytes,
            tooLarge: () => tooLarge(finalUrl, options.maxBytes),
            translateError: (error) => toError(translate(error, finalUrl)),
            onClose: () => clearTimeout(timer),
          }),
        };
      }
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
  }

  return {
    policy,
    fetch,
    close: () => agent.close(),
    destroy: () => {
      destroyed = true;
      return agent.destroy();
    },
  };
}

/** Turns a non-2xx response into the `http_status` failure, releasing its body. */
export function assertSuccessStatus(response: GuardedResponse): GuardedResponse {
  if (response.status >= 200 && response.status < 300) return response;
  response.body.destroy();
  throw new RemoteFetchError('http_status', `Could not fetch ${displayUrl(response.finalUrl)}: the server answered HTTP ${response.status}`, {
    status: response.status,
    reason: String(response.status),
  });
}

function defaultCaCertificates(): readonly string[] {
  // getCACertificates('default') also holds NODE_EXTRA_CA_CERTS and, with --use-system-ca, the OS store;
  // it arrived in Node 22.15, so older 22.x falls back to the bundled roots.
  return typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates;
}

function tooLarge(url: URL, maxBytes: number): RemoteFetchError {
  return new RemoteFetchError('too_large', `Refused to fetch ${displayUrl(url)}: the response is larger than ${maxBytes} bytes`);
}

function isTimeout(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function without(headers: Record<string, string>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !names.includes(name)));
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

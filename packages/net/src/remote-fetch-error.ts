export type RemoteFetchErrorCode = 'bad_url' | 'refused_address' | 'too_many_redirects' | 'timeout' | 'too_large' | 'http_status' | 'network';

/**
 * The one error a remote fetch fails with. Messages are written to be shown to the API client as they
 * are (no stack details, no resolved addresses other than the refused one, no query strings), so the
 * HTTP layer and the webhook log can pass them through unchanged.
 */
export class RemoteFetchError extends Error {
  override readonly name = 'RemoteFetchError';
  readonly code: RemoteFetchErrorCode;
  /** The remote status, for `http_status`. */
  readonly status?: number;
  /**
   * The failure in a few words, without the URL (`connection refused`, `timed out after 30000 ms`, `503`):
   * what follows `Error in loading <url> - ` in an upload's answer. The message itself where none is set.
   */
  readonly reason: string;
  /**
   * Whether trying again soon may succeed: a connection reset or closed mid-exchange, a temporary DNS
   * failure, a truncated body. A refused connection, an unknown host, a TLS failure or a timeout is not.
   */
  readonly transient: boolean;

  constructor(code: RemoteFetchErrorCode, message: string, options?: { status?: number; cause?: unknown; reason?: string; transient?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.status !== undefined) this.status = options.status;
    this.reason = options?.reason ?? message;
    this.transient = options?.transient ?? false;
  }
}

/**
 * A URL as it may appear in a message: without userinfo, query or fragment (presigned URLs carry
 * credentials there) and short enough for a log line.
 */
export function displayUrl(url: URL | string): string {
  const parsed = typeof url === 'string' ? URL.parse(url) : url;
  if (parsed === null) return 'the given URL';
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  return shown.length > 200 ? `${shown.slice(0, 199)}…` : shown;
}

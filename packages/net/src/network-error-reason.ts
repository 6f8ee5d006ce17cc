const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection reset by the server',
  UND_ERR_SOCKET: 'connection closed by the server',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EAI_NODATA: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'host unreachable',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response shorter than its Content-Length',
  HPE_INVALID_CONSTANT: 'invalid HTTP response',
};

// Failures a second try may not meet: the server or the path dropped an exchange it had started, or the
// resolver could not answer for now. ECONNREFUSED, ENOTFOUND, unreachable hosts and TLS failures are
// answers, and asking again soon gets the same one.
const TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'EAI_AGAIN', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

/** Whether a transport failure may go away on its own, so that one more attempt is worth its time. */
export function isTransientNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && TRANSIENT.has(code);
}

/**
 * A short, client-safe reason for a transport failure. Node's own messages name internal addresses and
 * certificate subjects; the code alone says what went wrong without leaking them.
 */
export function networkErrorReason(error: unknown): string {
  const code = errorCode(error);
  if (code === undefined) return 'network error';
  const known = REASONS[code];
  if (known !== undefined) return known;
  if (code.startsWith('HPE_')) return 'invalid HTTP response';
  if (isTlsCode(code)) return `TLS certificate verification failed (${code})`;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'TLS handshake failed';
  return 'network error';
}

function errorCode(error: unknown): string | undefined {
  // Happy-eyeballs connects fail with an AggregateError of one error per address tried.
  if (error instanceof AggregateError) return errorCode(error.errors[0]) ?? codeOf(error);
  return codeOf(error) ?? (error instanceof Error && error.cause !== undefined ? codeOf(error.cause) : undefined);
}

function codeOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function isTlsCode(code: string): boolean {
  // OpenSSL's verify codes (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ...) and Node's altname check.
  return code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
}

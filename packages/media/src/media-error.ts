export type MediaErrorKind = 'corrupt' | 'too_large' | 'unsupported' | 'timeout';

/**
 * A file refused for what it is, not for a fault of ours: retrying cannot help, so callers turn it
 * into a 400 or an UnrecoverableError. The message is safe to show a client (no paths, no library
 * text); the library's own error stays on `cause` for logs.
 */
export class MediaError extends Error {
  readonly kind: MediaErrorKind;

  constructor(kind: MediaErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MediaError';
    this.kind = kind;
  }
}

export function isMediaError(error: unknown): error is MediaError {
  return error instanceof MediaError;
}

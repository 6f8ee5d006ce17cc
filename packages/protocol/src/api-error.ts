/**
 * An error that reaches the client as Cloudinary's `{"error":{"message":"..."}}` with `status`.
 * Thrown anywhere a request is refused on purpose; the API's one error handler maps it.
 * `expose: false` means the message is internal and the client gets a generic one (500s).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly expose: boolean;

  constructor(status: number, message: string, options?: { cause?: unknown; expose?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.expose = options?.expose ?? status < 500;
  }

  toBody(): { error: { message: string } } {
    return { error: { message: this.expose ? this.message : 'Internal server error' } };
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const unauthorized = (message: string): ApiError => new ApiError(401, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

import { ApiError } from '@rendition/protocol';

/** Retry-After of a 503 when none was configured (UNAVAILABLE_RETRY_AFTER_SECONDS). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * The job queue (Redis) cannot take work now: not connected, or a command failed or ran past its time
 * limit. A request that needs the queue answers this 503 in Cloudinary's error shape, with Retry-After.
 */
export class QueueUnavailableError extends ApiError {
  readonly retryAfterSeconds: number;

  constructor(options: { retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(503, 'Service unavailable: the job queue cannot be reached, try again shortly', {
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      expose: true,
    });
    this.name = 'QueueUnavailableError';
    this.retryAfterSeconds = options.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  }
}

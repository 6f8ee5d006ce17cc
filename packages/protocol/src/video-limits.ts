import { ApiError } from './api-error.ts';

/**
 * Cloudinary's answer to synchronous video work on a file above the plan's limit (an eager
 * transformation without eager_async, a first on-the-fly delivery): a 400 with this text, which
 * delivery also puts in `X-Cld-Error` (wave-2 reference §1.2).
 */
export const VIDEO_TOO_LARGE_FOR_SYNC =
  'Video is too large to process synchronously, please use an eager transformation with eager_async=true to resolve';

export function videoTooLargeForSync(): ApiError {
  return new ApiError(400, VIDEO_TOO_LARGE_FOR_SYNC);
}

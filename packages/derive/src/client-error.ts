import { MediaError } from '@rendition/media';
import { ApiError } from '@rendition/protocol';

/** What a failed media job tells the client: Cloudinary's 400s for bad input; undefined for our own failures (retried). */
export function toClientError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof MediaError) {
    switch (error.kind) {
      case 'too_large':
      case 'corrupt':
      case 'unsupported':
      case 'timeout':
        return new ApiError(400, error.message, { cause: error });
    }
  }
  return undefined;
}

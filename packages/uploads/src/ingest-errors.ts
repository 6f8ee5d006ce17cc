import { ApiError } from '@rendition/protocol';
import { MediaError } from '@rendition/media';
import { RemoteFetchError } from '@rendition/net';

/** What a failed ingest tells the client: Cloudinary's 400 messages for bad input. */
export function toClientError(error: unknown, context: { sourceDescription: string }): ApiError | undefined {
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
  if (error instanceof RemoteFetchError) {
    // Network blips are worth a retry; everything else is the client's URL.
    if (error.code === 'network') return undefined;
    return new ApiError(400, `Error in loading ${context.sourceDescription} - ${error.message}`, { cause: error });
  }
  return undefined;
}

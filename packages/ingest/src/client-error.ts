import { toClientError as mediaClientError } from '@rendition/derive';
import { RemoteFetchError } from '@rendition/net';
import { ApiError } from '@rendition/protocol';

/** What a failed ingest tells the client: Cloudinary's 400 messages for bad input, undefined for our own failures. */
export function toClientError(error: unknown, context: { sourceDescription: string }): ApiError | undefined {
  if (error instanceof RemoteFetchError) {
    // Network blips are worth a retry; everything else is the client's URL.
    if (error.code === 'network') return undefined;
    return new ApiError(400, `Error in loading ${context.sourceDescription} - ${error.message}`, { cause: error });
  }
  return mediaClientError(error);
}

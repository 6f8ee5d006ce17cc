import { toClientError as mediaClientError } from '@rendition/derive';
import { RemoteFetchError } from '@rendition/net';
import { ApiError } from '@rendition/protocol';

/** What a failed ingest tells the client: Cloudinary's 400 messages for bad input, undefined for our own failures. */
export function toClientError(error: unknown, context: { sourceDescription: string }): ApiError | undefined {
  if (error instanceof RemoteFetchError) {
    // A source that cannot be loaded is the client's URL, whatever the reason: the fetch already tried
    // again where that could help (fetchWithRetries), and running the job again would only repeat it.
    return new ApiError(400, `Error in loading ${context.sourceDescription} - ${error.reason}`, { cause: error });
  }
  return mediaClientError(error);
}

import type { Readable } from 'node:stream';
import { ApiError } from '@rendition/protocol';

export const BODY_ENDED_EARLY = 'The request body ended before it was complete';
export const MULTIPART_CUT_OFF = 'Invalid multipart body: the body ends before the closing boundary';

/** What a part stream's error means to the client: the parser's "cut off" is named as such, whatever arrives first. */
function streamError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && /unexpected end of (multipart data|form)|terminated early/i.test(message))
    return new ApiError(400, MULTIPART_CUT_OFF);
  return new ApiError(400, BODY_ENDED_EARLY);
}

/**
 * Hands a request body's chunks to `onChunk` one at a time, waiting for each one (so a slow consumer
 * holds the client back instead of buffering). On a failure the stream is left paused, never
 * destroyed: destroying a request destroys its socket, and the answer must still reach the client
 * (the server then closes the connection instead of reading the rest).
 */
export function consumeStream(stream: Readable, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  // A part stream may have been ended or broken before its reader came (busboy runs ahead).
  if (stream.readableEnded) return Promise.resolve();
  if (stream.destroyed) return Promise.reject((stream.errored as Error | null) ?? new ApiError(400, BODY_ENDED_EARLY));
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    let busy = false;
    let ended = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error === undefined) {
        resolve();
      } else {
        stream.pause();
        reject(error as Error);
      }
    };
    const onData = (chunk: Buffer | string) => {
      if (settled) return;
      let result: void | Promise<void>;
      try {
        result = onChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      } catch (error) {
        settle(error);
        return;
      }
      if (result === undefined) return;
      busy = true;
      stream.pause();
      result.then(
        () => {
          busy = false;
          if (ended) settle();
          else if (!settled) stream.resume();
        },
        (error: unknown) => settle(error),
      );
    };
    const onEnd = () => {
      ended = true;
      if (!busy) settle();
    };
    // A parser's error on a part (the form cut off inside it) may come before the request's own end.
    const onError = (error: unknown) => settle(streamError(error));
    const onClose = () => {
      if (!ended) settle(new ApiError(400, BODY_ENDED_EARLY));
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

import { type Readable, Transform } from 'node:stream';

export interface SizeLimitOptions {
  maxBytes: number;
  tooLarge: () => Error;
  /** Maps the source's errors (aborts, resets) to what the consumer should see. */
  translateError: (error: unknown) => Error;
  /** Runs once, however the stream ends: consumed, failed, or destroyed by the consumer. */
  onClose: () => void;
}

/**
 * Passes the source through while counting bytes, and fails with `tooLarge()` on the chunk that crosses
 * the limit, so a chunked response with no Content-Length cannot exhaust memory or disk downstream.
 * Destroying the returned stream destroys the source, which aborts the underlying request.
 */
export function limitBodySize(source: Readable, options: SizeLimitOptions): Readable {
  let received = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > options.maxBytes) done(options.tooLarge());
      else done(null, chunk);
    },
  });
  source.on('error', (error) => limited.destroy(options.translateError(error)));
  limited.once('close', () => {
    source.destroy();
    options.onClose();
  });
  source.pipe(limited);
  return limited;
}

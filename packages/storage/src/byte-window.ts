import { Readable } from 'node:stream';

/**
 * The bytes of source from offset skip, at most length of them. HTTP lets a server answer a Range
 * request with more than was asked (or the whole object); this narrows such an answer to what
 * the caller asked for. Stops reading, and destroys source, once length bytes have passed.
 */
export function byteWindow(source: Readable, skip: number, length: number): Readable {
  return Readable.from(
    (async function* () {
      let toSkip = skip;
      let left = length;
      // Leaving the loop early (return, or the consumer destroying us) destroys source.
      for await (const chunk of source) {
        let bytes = chunk as Buffer;
        if (toSkip > 0) {
          const skipped = Math.min(toSkip, bytes.length);
          bytes = bytes.subarray(skipped);
          toSkip -= skipped;
        }
        if (bytes.length === 0) continue;
        if (bytes.length >= left) {
          yield bytes.subarray(0, left);
          return;
        }
        left -= bytes.length;
        yield bytes;
      }
    })(),
    { objectMode: false },
  );
}

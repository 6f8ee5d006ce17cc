import { MediaError } from './media-error.ts';

/**
 * Settles with `work`, or rejects with a timeout MediaError once `seconds` have passed. sharp's own
 * timeout is checked only while libvips produces output strips, and some encoders (AVIF, GIF
 * quantisation, WebP) run after the last strip in one uninterruptible call; this deadline is what
 * guarantees the caller an answer in time. The abandoned work cannot be stopped and runs to its end
 * on the libuv pool (bounded by the pixel limit); `onAbandoned` runs when it finally settles, to
 * clean up what it leaves.
 */
export async function withDeadline<T>(work: Promise<T>, seconds: number, onAbandoned?: () => Promise<void>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new MediaError('timeout', 'Image processing took too long'));
      if (onAbandoned !== undefined) void work.then(onAbandoned, onAbandoned).catch(() => undefined);
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

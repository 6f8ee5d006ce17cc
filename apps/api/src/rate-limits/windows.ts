/**
 * Fixed windows on the clock, as Cloudinary's hourly Admin API limit resets on the hour (reference
 * wave 2 §7: every reset time seen is a whole hour). A counter's Redis key names its window, so every
 * replica counts into the same one and nothing has to reset it.
 */
export interface ClockWindow {
  /** The window's number since the epoch: part of the counter's key. */
  index: number;
  /** When the next window starts (ms since the epoch): the Reset the client is told. */
  resetAt: number;
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export function clockWindow(nowMs: number, sizeMs: number): ClockWindow {
  const index = Math.floor(nowMs / sizeMs);
  return { index, resetAt: (index + 1) * sizeMs };
}

/** `2024-10-04 14:00:00`: the time in a 420's message, followed there by ` UTC` (§7). */
export function messageTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** `Fri, 04 Oct 2024 14:00:00 GMT` (RFC 1123): X-FeatureRateLimit-Reset, as the Java SDK parses it (§7). */
export function headerTime(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * Cloudinary's `cinemagraph_score` (0..1): how much the asset looks like a cinemagraph, a still
 * picture in which one part moves. Cloudinary documents the field, not the measure; this one is
 * Rendition's [GUESS] (docs/compatibility.md, "Cinemagraph analysis"):
 *
 * - every sampled frame is a luma plane of the same size; a pixel *moves* when its luma spans more
 *   than MOTION_THRESHOLD across the frames (dithering and compression noise stay below it);
 * - m = the fraction of pixels that move. No motion (m = 0, or a single frame) is a still: 0;
 * - otherwise the score is the still part, (1 − m), weighed down while the moving part is too small to
 *   be told from noise: × min(1, m / CLEAR_MOTION). A clip where everything moves scores near 0, a
 *   picture where a small region moves and the rest holds scores near 1.
 */

/** Luma span (of 255) above which a pixel counts as moving. */
export const MOTION_THRESHOLD = 24;
/** Moving fraction from which the motion counts fully. */
export const CLEAR_MOTION = 0.02;

export function cinemagraphScore(frames: readonly Uint8Array[]): number {
  const [first, ...rest] = frames;
  if (first === undefined || rest.length === 0 || first.length === 0) return 0;
  for (const frame of rest) {
    if (frame.length !== first.length) throw new RangeError(`frames must be the same size: ${frame.length} ≠ ${first.length}`);
  }
  const count = first.length;
  const low = Uint8Array.from(first);
  const high = Uint8Array.from(first);
  for (const frame of rest) {
    for (let index = 0; index < count; index += 1) {
      const value = frame[index]!;
      if (value < low[index]!) low[index] = value;
      else if (value > high[index]!) high[index] = value;
    }
  }
  let moving = 0;
  for (let index = 0; index < count; index += 1) if (high[index]! - low[index]! > MOTION_THRESHOLD) moving += 1;
  if (moving === 0) return 0;
  const fraction = moving / count;
  const score = (1 - fraction) * Math.min(1, fraction / CLEAR_MOTION);
  return Math.round(score * 1000) / 1000;
}

/** Which of `pages` frames to sample: at most `max`, evenly spread, first and last included. */
export function sampledPages(pages: number, max: number): number[] {
  if (!Number.isInteger(pages) || pages < 1) throw new TypeError(`pages must be a positive integer, got ${pages}`);
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`max must be a positive integer, got ${max}`);
  const count = Math.min(pages, max);
  if (count === 1) return [0];
  return [...new Set(Array.from({ length: count }, (_, index) => Math.round((index * (pages - 1)) / (count - 1))))];
}

/** Rec. 601 luma of interleaved 8-bit RGB, as the moderation frames come. */
export function lumaPlane(rgb: Uint8Array): Uint8Array {
  const plane = new Uint8Array(Math.floor(rgb.length / 3));
  for (let index = 0; index < plane.length; index += 1) {
    const offset = index * 3;
    plane[index] = Math.round(0.299 * rgb[offset]! + 0.587 * rgb[offset + 1]! + 0.114 * rgb[offset + 2]!);
  }
  return plane;
}

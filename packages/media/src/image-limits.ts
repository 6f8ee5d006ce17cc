/**
 * Bounds on one image operation. `maxInputPixels` counts every pixel decoded, so an animation
 * costs width x height x frames; `timeoutSeconds` is handed to libvips, which checks it between
 * output strips (a single progressive JPEG scan cannot be interrupted, but it is bounded by the
 * pixel limit).
 */
export type ImageLimits = { maxInputPixels: number; timeoutSeconds: number };

/** sharp's own default pixel limit (0x3FFF x 0x3FFF) and a timeout generous for one large photo. */
export const defaultImageLimits: Readonly<ImageLimits> = Object.freeze({
  maxInputPixels: 268_402_689,
  timeoutSeconds: 30,
});

/** libvips takes whole seconds up to an hour, and 0 would mean "no timeout": refuse rather than unbind. */
export function assertImageLimits(limits: ImageLimits): void {
  if (!Number.isSafeInteger(limits.maxInputPixels) || limits.maxInputPixels < 1) {
    throw new TypeError(`maxInputPixels must be a positive integer, got ${limits.maxInputPixels}`);
  }
  if (!Number.isInteger(limits.timeoutSeconds) || limits.timeoutSeconds < 1 || limits.timeoutSeconds > 3600) {
    throw new TypeError(`timeoutSeconds must be an integer from 1 to 3600, got ${limits.timeoutSeconds}`);
  }
}

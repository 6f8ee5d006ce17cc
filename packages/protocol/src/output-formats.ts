/**
 * The formats a derivative can be delivered in: what `f_` names (besides `auto`), what an eager item's
 * `/ext` and a delivery URL's extension may select, and what a derive job writes. Cloudinary's names
 * (`jpg`, never `jpeg`).
 */

/** Still or animated images: what an image asset may be delivered as (the image executor writes them). */
export const IMAGE_OUTPUT_FORMATS = ['jpg', 'png', 'webp', 'avif', 'gif'] as const;
export type ImageOutputFormat = (typeof IMAGE_OUTPUT_FORMATS)[number];

/** Video containers. */
export const VIDEO_CONTAINER_FORMATS = ['mp4', 'webm', 'mov', 'ogv', 'mkv'] as const;
/** Audio containers (a video asset's sound alone). */
export const AUDIO_OUTPUT_FORMATS = ['mp3', 'm4a', 'ogg', 'wav', 'flac'] as const;
/** Adaptive streaming manifests: HLS (`m3u8`) and MPEG-DASH (`mpd`); the extension picks the protocol. */
export const STREAMING_OUTPUT_FORMATS = ['m3u8', 'mpd'] as const;

/**
 * Everything a video asset may be delivered as: video, audio and streaming outputs, and the image
 * formats, which mean a frame of the video (jpg, png, webp, avif) or an animation of it (gif, and webp
 * with `fl_awebp`/`fl_animated`).
 */
export const VIDEO_OUTPUT_FORMATS = [
  ...VIDEO_CONTAINER_FORMATS,
  ...AUDIO_OUTPUT_FORMATS,
  ...STREAMING_OUTPUT_FORMATS,
  ...IMAGE_OUTPUT_FORMATS,
] as const;
export type VideoOutputFormat = (typeof VIDEO_OUTPUT_FORMATS)[number];

/** Every output format: the image ones first (in `f_` order), then the video-only ones. */
export const OUTPUT_FORMATS = [...IMAGE_OUTPUT_FORMATS, ...VIDEO_CONTAINER_FORMATS, ...AUDIO_OUTPUT_FORMATS, ...STREAMING_OUTPUT_FORMATS] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

const isIn = <T extends string>(list: readonly T[], format: string): format is T => (list as readonly string[]).includes(format);

/** Any output format (image or video side). Image-side callers want isImageOutputFormat. */
export function isOutputFormat(format: string): format is OutputFormat {
  return isIn(OUTPUT_FORMATS, format);
}

/** An image format: what an image asset may be delivered as. */
export function isImageOutputFormat(format: string): format is ImageOutputFormat {
  return isIn(IMAGE_OUTPUT_FORMATS, format);
}

/** A format a video asset may be delivered as (VIDEO_OUTPUT_FORMATS). */
export function isVideoOutputFormat(format: string): format is VideoOutputFormat {
  return isIn(VIDEO_OUTPUT_FORMATS, format);
}

/** Other spellings of a format (file extensions) → Cloudinary's name for it. */
const FORMAT_ALIASES: ReadonlyMap<string, string> = new Map([
  ['jpeg', 'jpg'],
  ['jpe', 'jpg'],
  ['tif', 'tiff'],
]);

/**
 * A format name as Cloudinary spells it: lowercased, aliases resolved (`JPEG`, `jpe` → `jpg`; `tif` →
 * `tiff`); any other name comes back lowercased and otherwise unchanged (whether it is a format the
 * caller supports is the caller's question, e.g. isOutputFormat).
 */
export function normalizeFormat(format: string): string {
  const lower = format.toLowerCase();
  return FORMAT_ALIASES.get(lower) ?? lower;
}

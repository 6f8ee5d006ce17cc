import type { AutoQualityLevel, ColorSpace, OutputSettings, Quality } from '@rendition/transform';
import type { ImageTarget } from './image-targets.ts';

// What the encoder is asked for, from the plan's output settings (`q_`, `fl_`) and the resolved format.
// Pure; image-pipeline.ts turns it into sharp's encoder options.

/**
 * `q_auto` levels as fixed qualities. Cloudinary picks per image with a perceptual model; Rendition uses
 * one number per level: best 90, good 80 (also plain `q_auto`), eco 65, low 50.
 */
export const AUTO_QUALITY: Readonly<Record<AutoQualityLevel, number>> = { best: 90, good: 80, eco: 65, low: 50 };

/** Effort of the AVIF encoder (0–9): 2 keeps a delivery-sized AVIF well under a second. */
export const AVIF_EFFORT = 2;

/** fl_lossy on GIF: how far a pixel may drift from the previous frame and still be reused (sharp's `interFrameMaxError`). */
export const LOSSY_GIF_FRAME_ERROR = 8;

/** Which metadata the output keeps. The default strips everything (and converts to sRGB), as Cloudinary does for derivatives. */
export type MetadataPolicy = 'strip' | 'keep' | 'keep_without_profile';

/**
 * The output's colour space (`cs_`): `srgb` (the default, and `cs_srgb`/`cs_no_cmyk`: whatever the source,
 * sRGB without a profile unless fl_keep_iptc keeps one); `tinysrgb` (sRGB with libvips' compact sRGB
 * profile embedded); `cmyk` (converted to CMYK: jpg and tiff only, which can hold it); `keep_cmyk` (CMYK when
 * the source is CMYK, else sRGB: the executor looks); `copy` (the source's own ICC profile kept).
 */
export type OutputColorSpace = 'srgb' | 'tinysrgb' | 'cmyk' | 'keep_cmyk' | 'copy';

/** Formats that can hold CMYK pixels; cs_cmyk and cs_keep_cmyk deliver sRGB in the others. */
const CMYK_TARGETS: ReadonlySet<ImageTarget> = new Set(['jpg', 'tiff']);

export function outputColorSpace(requested: ColorSpace | null, format: ImageTarget): OutputColorSpace {
  switch (requested) {
    case null:
    case 'srgb':
    case 'no_cmyk':
      return 'srgb';
    case 'cmyk':
    case 'keep_cmyk':
      return CMYK_TARGETS.has(format) ? requested : 'srgb';
    case 'tinysrgb':
    case 'copy':
      return requested;
  }
}

export type EncodeSettings = { metadata: MetadataPolicy; colorSpace: OutputColorSpace } & (
  | { format: 'jpg'; quality: number | null; progressive: boolean }
  /** `palette` (fl_lossy): quantised to 256 colours, `quality` then bounds the palette error. */
  | { format: 'png'; progressive: boolean; palette: boolean; quality: number | null }
  | { format: 'webp'; quality: number | null }
  | { format: 'avif'; quality: number | null }
  /** `delay` (dl_): milliseconds between the frames of an animation, every frame alike; null keeps the source's. */
  | { format: 'gif'; progressive: boolean; lossy: boolean; delay: number | null }
  /** LZW-compressed, lossless: `q_` does not apply. */
  | { format: 'tiff' }
);

/** The number a `q_` stands for; null when the plan has none (each encoder's default: JPEG/WebP 80, AVIF 50). */
export function qualityValue(quality: Quality | null): number | null {
  if (quality === null) return null;
  if (quality.kind === 'fixed') return Math.min(100, Math.max(1, quality.value));
  return AUTO_QUALITY[quality.level ?? 'good'];
}

/**
 * Encoder settings for `format`. Flags: `progressive` → progressive JPEG, interlaced PNG and GIF (no
 * effect on WebP/AVIF); `lossy` → palette PNG, lossy inter-frame GIF (WebP and AVIF are lossy already);
 * `keep_iptc` → keep the source's metadata (IPTC, XMP, EXIF, ICC), without the ICC profile when
 * `strip_profile` is also given; `strip_profile` alone is the default. `preserve_transparency` (every
 * format with alpha keeps it anyway), `any_format` (f_auto already picks from every format the client
 * accepts), `clip` (no clipping paths: see docs/compatibility.md) and `attachment` do not concern the encoder.
 */
export function encodeSettings(settings: OutputSettings, format: ImageTarget): EncodeSettings {
  const has = (name: string): boolean => settings.flags.some((flag) => flag.name === name);
  const quality = qualityValue(settings.quality);
  const progressive = has('progressive');
  const lossy = has('lossy');
  const metadata: MetadataPolicy = has('keep_iptc') ? (has('strip_profile') ? 'keep_without_profile' : 'keep') : 'strip';
  const colorSpace = outputColorSpace(settings.colorSpace, format);
  switch (format) {
    case 'jpg':
      return { format, quality, progressive, metadata, colorSpace };
    case 'png':
      return { format, progressive, palette: lossy, quality: lossy ? quality : null, metadata, colorSpace };
    case 'webp':
      return { format, quality, metadata, colorSpace };
    case 'avif':
      return { format, quality, metadata, colorSpace };
    case 'gif':
      return { format, progressive, lossy, metadata, colorSpace, delay: settings.delay };
    case 'tiff':
      return { format, metadata, colorSpace };
  }
}

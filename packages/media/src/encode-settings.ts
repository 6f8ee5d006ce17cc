import type { AutoQualityLevel, OutputSettings, Quality } from '@rendition/transform';
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

export type EncodeSettings = { metadata: MetadataPolicy } & (
  | { format: 'jpg'; quality: number | null; progressive: boolean }
  /** `palette` (fl_lossy): quantised to 256 colours, `quality` then bounds the palette error. */
  | { format: 'png'; progressive: boolean; palette: boolean; quality: number | null }
  | { format: 'webp'; quality: number | null }
  | { format: 'avif'; quality: number | null }
  | { format: 'gif'; progressive: boolean; lossy: boolean }
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
 * `strip_profile` is also given; `strip_profile` alone is the default. `preserve_transparency` and
 * `attachment` do not concern the encoder.
 */
export function encodeSettings(settings: OutputSettings, format: ImageTarget): EncodeSettings {
  const has = (name: string): boolean => settings.flags.some((flag) => flag.name === name);
  const quality = qualityValue(settings.quality);
  const progressive = has('progressive');
  const lossy = has('lossy');
  const metadata: MetadataPolicy = has('keep_iptc') ? (has('strip_profile') ? 'keep_without_profile' : 'keep') : 'strip';
  switch (format) {
    case 'jpg':
      return { format, quality, progressive, metadata };
    case 'png':
      return { format, progressive, palette: lossy, quality: lossy ? quality : null, metadata };
    case 'webp':
      return { format, quality, metadata };
    case 'avif':
      return { format, quality, metadata };
    case 'gif':
      return { format, progressive, lossy, metadata };
    case 'tiff':
      return { format, metadata };
  }
}

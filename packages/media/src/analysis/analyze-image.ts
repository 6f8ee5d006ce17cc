import type { ImageLimits } from '../image-limits.ts';
import type { ImageInput } from '../image-source.ts';
import { analyzeAccessibility } from './accessibility.ts';
import type { AccessibilityAnalysis } from './accessibility.ts';
import { colorsField, colourClusters, predominantField } from './colors.ts';
import type { ColourClusters } from './colors.ts';
import { illustrationScore, isGrayscale, isSemiTransparent } from './companions.ts';
import { decodeForAnalysis } from './decode-for-analysis.ts';
import { perceptualHash } from './phash.ts';
import { sharedGreyView } from './pixels.ts';
import { analyzeQuality } from './quality.ts';
import type { QualityAnalysis } from './quality.ts';

/** Which analyses the upload asked for (`colors`, `phash`, `quality_analysis`, `accessibility_analysis`). */
export interface AnalysisRequest {
  colors: boolean;
  phash: boolean;
  quality: boolean;
  accessibility: boolean;
}

/** Wire fields, each present only when asked, in Cloudinary's order. */
export interface ImageAnalysis {
  /** `[hex, percent]`, largest share first: upper-case `#RRGGBB`, `#RRGGBBAA` when any pixel has alpha; percent of the pixels, one decimal. */
  colors?: Array<[string, number]>;
  /** The listed colours by palette name (`google`: Google's twelve; `cloudinary`: a finer sixteen), shares added up. */
  predominant?: { google: Array<[string, number]>; cloudinary: Array<[string, number]> };
  /** 0 (photo) to 1 (illustration); with `colors`. */
  illustration_score?: number;
  /** With `colors`. */
  semi_transparent?: boolean;
  /** With `colors`. */
  grayscale?: boolean;
  /** 16 lower-case hex digits: the 64-bit DCT perceptual hash. */
  phash?: string;
  quality_analysis?: QualityAnalysis;
  quality_score?: number;
  accessibility_analysis?: AccessibilityAnalysis;
}

/**
 * The pixel analyses of an uploaded image: one bounded decode, shrunk on load into a small RGBA
 * buffer (see ANALYSIS_SIZE), and every requested analysis computed from that buffer. Corrupt,
 * oversized (ImageLimits) and unsupported images are MediaErrors; nothing is decoded when nothing
 * is asked.
 */
export async function analyzeImage(input: ImageInput, request: AnalysisRequest, limits: ImageLimits): Promise<ImageAnalysis> {
  const result: ImageAnalysis = {};
  if (!request.colors && !request.phash && !request.quality && !request.accessibility) return result;
  const image = await decodeForAnalysis(input, limits);
  const { pixels } = image;
  let clusters: ColourClusters | undefined;
  const found = (): ColourClusters => (clusters ??= colourClusters(pixels));
  if (request.colors) {
    result.colors = colorsField(found());
    result.predominant = predominantField(found());
    result.illustration_score = illustrationScore(pixels);
    result.semi_transparent = isSemiTransparent(pixels);
    result.grayscale = isGrayscale(pixels);
  }
  // From here on nothing is awaited, so the reused buffers of sharedGreyView (one flatten onto
  // white and one luma plane, shared by phash and quality) stay valid until the end.
  const grey = request.phash || request.quality ? sharedGreyView(pixels) : undefined;
  if (request.phash) result.phash = perceptualHash(pixels, grey);
  if (request.quality) {
    const quality = analyzeQuality(pixels, image.width * image.height, grey);
    result.quality_analysis = quality.quality_analysis;
    result.quality_score = quality.quality_score;
  }
  if (request.accessibility) result.accessibility_analysis = analyzeAccessibility(pixels, found());
  return result;
}

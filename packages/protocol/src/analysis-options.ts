import { ApiError } from './api-error.ts';
import { readBoolean, readString, type RawParams } from './request-params.ts';

/**
 * The analyses an upload (or its eval) may ask for, computed by the ingest from the image's pixels or
 * metadata and answered in the upload response (shared/spec/cloudinary-reference-wave2.md §5).
 * `media_metadata` is the current name of `image_metadata`; either asks for the metadata.
 */
export type AnalysisOptions = {
  colors: boolean;
  phash: boolean;
  qualityAnalysis: boolean;
  accessibilityAnalysis: boolean;
  mediaMetadata: boolean;
  /** `cinemagraph_analysis`: how much of the picture stays still while the rest moves. Absent (jobs queued before it): not asked. */
  cinemagraphAnalysis?: boolean;
};

export const NO_ANALYSIS: AnalysisOptions = Object.freeze({
  colors: false,
  phash: false,
  qualityAnalysis: false,
  accessibilityAnalysis: false,
  mediaMetadata: false,
  cinemagraphAnalysis: false,
});

/** The request parameter (and eval's `upload_options` key) of each analysis. */
export const ANALYSIS_PARAMETERS: Readonly<Record<keyof AnalysisOptions, readonly string[]>> = {
  colors: ['colors'],
  phash: ['phash'],
  qualityAnalysis: ['quality_analysis'],
  accessibilityAnalysis: ['accessibility_analysis'],
  mediaMetadata: ['media_metadata', 'image_metadata'],
  cinemagraphAnalysis: ['cinemagraph_analysis'],
};

export function readAnalysisOptions(params: RawParams): AnalysisOptions {
  const asked = (names: readonly string[]) => names.some((name) => readBoolean(params, name, false));
  return {
    colors: asked(ANALYSIS_PARAMETERS.colors),
    phash: asked(ANALYSIS_PARAMETERS.phash),
    qualityAnalysis: asked(ANALYSIS_PARAMETERS.qualityAnalysis),
    accessibilityAnalysis: asked(ANALYSIS_PARAMETERS.accessibilityAnalysis),
    mediaMetadata: asked(ANALYSIS_PARAMETERS.mediaMetadata),
    cinemagraphAnalysis: asked(ANALYSIS_PARAMETERS.cinemagraphAnalysis),
  };
}

/** The analyses' fields in a response, in Cloudinary's order (docs/analysis.md). */
export const ANALYSIS_RESPONSE_FIELDS = [
  'colors',
  'predominant',
  'illustration_score',
  'semi_transparent',
  'grayscale',
  'phash',
  'quality_analysis',
  'quality_score',
  'accessibility_analysis',
  'cinemagraph_analysis',
  'image_metadata',
  'video_metadata',
] as const;

export const anyAnalysis = (options: AnalysisOptions): boolean => Object.values(options).some(Boolean);

/** Longest `eval` (and `on_success`, by the same rule: a [GUESS]) Cloudinary accepts. */
export const MAX_SCRIPT_LENGTH = 4095;
/** `eval=#RESOURCE_REF:<public_id>` names a raw authenticated asset holding a longer script. */
export const RESOURCE_REF_PREFIX = '#RESOURCE_REF:';
/** Largest script a `#RESOURCE_REF:` may name. */
export const MAX_REFERENCED_SCRIPT_BYTES = 10 * 1024;

/** `eval` or `on_success`: at most MAX_SCRIPT_LENGTH characters (a 400 naming the parameter otherwise). */
export function readScript(params: RawParams, name: 'eval' | 'on_success'): string | undefined {
  const text = readString(params, name);
  if (text === undefined || text.trim() === '') return undefined;
  if (text.length > MAX_SCRIPT_LENGTH) {
    throw new ApiError(400, `${name === 'eval' ? 'Eval' : 'On success'} is too long: at most ${MAX_SCRIPT_LENGTH} characters, got ${text.length}`);
  }
  return text;
}

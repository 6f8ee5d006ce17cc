import type { IngestJobV1 } from '@rendition/jobs';
import {
  DEFAULT_CINEMAGRAPH_FRAMES,
  DEFAULT_IMAGE_METADATA_MAX_BYTES,
  measureCinemagraph,
  readImageMetadata,
  withinMetadataBudget,
  type ImageLimits,
} from '@rendition/media';
import { clampRegions } from '@rendition/protocol';
import type { InputFile } from '@rendition/scratch';

// What an asset's version keeps of its analysis (migration 0027; docs/analysis.md): its regions, its
// cinemagraph score when one was computed, and its image_metadata, read at every image ingest so the
// Admin and Search APIs can answer it later.

/** IMAGE_METADATA_MAX_BYTES and CINEMAGRAPH_MAX_FRAMES. */
export interface AnalysisLimits {
  imageMetadataMaxBytes: number;
  cinemagraphMaxFrames: number;
}

export const DEFAULT_ANALYSIS_LIMITS: Readonly<AnalysisLimits> = Object.freeze({
  imageMetadataMaxBytes: DEFAULT_IMAGE_METADATA_MAX_BYTES,
  cinemagraphMaxFrames: DEFAULT_CINEMAGRAPH_FRAMES,
});

export interface VersionAnalysisDependencies {
  limits: ImageLimits;
  /** The configured bounds; the defaults when absent. */
  analysisLimits?: AnalysisLimits;
  /** A video's frame sampling (cinemagraph) ends within this; 60 s when absent. */
  video?: { timeoutMs: number };
}

/** What the analyses read of an original. */
export interface AnalysedFile {
  input: InputFile;
  resourceType: 'image' | 'video' | 'raw';
  format: string | null;
  width: number | null;
  height: number | null;
  media?: Record<string, unknown>;
}

/** What a version keeps (AssetRecord's fields of the same names); each absent when there is none. */
export interface VersionAnalysis {
  faceCoordinates?: Array<[number, number, number, number]>;
  customCoordinates?: Array<[number, number, number, number]>;
  cinemagraphScore?: number;
  imageMetadata?: Record<string, string>;
}

const DEFAULT_VIDEO_TIMEOUT_MS = 60_000;

/** An image's `image_metadata`, bounded as it is kept (IMAGE_METADATA_MAX_BYTES). */
export async function keptImageMetadata(deps: VersionAnalysisDependencies, file: AnalysedFile): Promise<Record<string, string>> {
  const metadata = await readImageMetadata(file.input.source, { format: file.format ?? '', width: file.width, height: file.height });
  return withinMetadataBudget(metadata, (deps.analysisLimits ?? DEFAULT_ANALYSIS_LIMITS).imageMetadataMaxBytes);
}

/** `cinemagraph_analysis`: the answer's field. Raw files have no picture: 0. */
export async function cinemagraphField(deps: VersionAnalysisDependencies, file: AnalysedFile): Promise<{ cinemagraph_score: number }> {
  const limits = deps.analysisLimits ?? DEFAULT_ANALYSIS_LIMITS;
  const options = { maxFrames: limits.cinemagraphMaxFrames, limits: deps.limits, videoTimeoutMs: deps.video?.timeoutMs ?? DEFAULT_VIDEO_TIMEOUT_MS };
  if (file.resourceType === 'raw') return { cinemagraph_score: 0 };
  if (file.resourceType === 'image') {
    return { cinemagraph_score: await measureCinemagraph(await file.input.path(), { resourceType: 'image', format: file.format }, options) };
  }
  const media = file.media ?? {};
  const duration = typeof media.duration === 'number' ? media.duration : null;
  const hasPicture = typeof media.video === 'object' && media.video !== null && Object.keys(media.video).length > 0;
  const score = await measureCinemagraph(
    await file.input.path(),
    { resourceType: 'video', format: file.format, durationSeconds: duration, hasPicture },
    options,
  );
  return { cinemagraph_score: score };
}

/**
 * What an upload's version keeps: its regions bounded by the image (clampRegions), the score when the
 * upload asked for one, and the image_metadata its analyses read, or read now (every image keeps it).
 */
export async function uploadVersionAnalysis(
  deps: VersionAnalysisDependencies,
  job: Pick<IngestJobV1, 'faceCoordinates' | 'customCoordinates'>,
  file: AnalysedFile,
  fields: Record<string, unknown>,
): Promise<VersionAnalysis> {
  const kept: VersionAnalysis = {};
  if (job.faceCoordinates?.length) kept.faceCoordinates = clampRegions(job.faceCoordinates, file.width, file.height);
  if (job.customCoordinates?.length) kept.customCoordinates = clampRegions(job.customCoordinates, file.width, file.height);
  const score = scoreOf(fields);
  if (score !== undefined) kept.cinemagraphScore = score;
  if (file.resourceType === 'image')
    kept.imageMetadata = (fields.image_metadata as Record<string, string> | undefined) ?? (await keptImageMetadata(deps, file));
  return kept;
}

/** What an explicit call's analyses add to the version it read: the score and the image_metadata, when computed. */
export function explicitVersionAnalysis(fields: Record<string, unknown>): Pick<VersionAnalysis, 'cinemagraphScore' | 'imageMetadata'> {
  const kept: Pick<VersionAnalysis, 'cinemagraphScore' | 'imageMetadata'> = {};
  const score = scoreOf(fields);
  if (score !== undefined) kept.cinemagraphScore = score;
  if (fields.image_metadata !== undefined) kept.imageMetadata = fields.image_metadata as Record<string, string>;
  return kept;
}

function scoreOf(fields: Record<string, unknown>): number | undefined {
  const analysis = fields.cinemagraph_analysis as { cinemagraph_score?: unknown } | undefined;
  return typeof analysis?.cinemagraph_score === 'number' ? analysis.cinemagraph_score : undefined;
}

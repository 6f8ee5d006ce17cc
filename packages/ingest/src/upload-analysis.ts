import { resolveCloudMetadata } from '@rendition/assets';
import { findAsset, type CatalogDb } from '@rendition/catalog';
import { resolveEagerSpecs } from '@rendition/derivations';
import type { IngestJobV1 } from '@rendition/jobs';
import { analyzeImage, videoMetadata } from '@rendition/media';
import {
  ANALYSIS_PARAMETERS,
  ANALYSIS_RESPONSE_FIELDS,
  anyAnalysis,
  ApiError,
  MAX_REFERENCED_SCRIPT_BYTES,
  NO_ANALYSIS,
  parseContext,
  RESOURCE_REF_PREFIX,
  type AnalysisOptions,
  type ParameterLimits,
} from '@rendition/protocol';
import type { InputFile } from '@rendition/scratch';
import { interpolateResourceInfo, runEvalScript, ScriptError, type ScriptLimits } from '@rendition/scripting';
import type { BlobStore } from '@rendition/storage';
import { isDocumentFormat } from '@rendition/transform';
import { cinemagraphField, keptImageMetadata, type VersionAnalysisDependencies } from './version-analysis.ts';

// Analysis on upload and `eval` (issue 14; docs/analysis.md): what the ingest learns of a prepared
// original before it is stored, and the script that may change the upload's options from it.

export interface UploadAnalysisDependencies extends VersionAnalysisDependencies {
  db: CatalogDb;
  store: BlobStore;
  scriptLimits?: Partial<ScriptLimits>;
  /** Bounds of what eval may set (eager items). */
  parameters?: Pick<ParameterLimits, 'eagerMaxItems' | 'eagerMaxOutputPixels'>;
}

/** What the ingest knows of the original it is about to store (its bytes, their count and md5: `input`). */
export interface PreparedFacts {
  input: InputFile;
  resourceType: 'image' | 'video' | 'raw';
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  media?: Record<string, unknown>;
}

export interface UploadAnalysis {
  /** The analyses' wire fields, in Cloudinary's order, appended to the upload response. */
  fields: Record<string, unknown>;
  /** The job as eval left it (tags, context, metadata, eager, analyses it asked for). */
  job: IngestJobV1;
}

/**
 * Runs the analyses the upload asked for, then its eval (with `resource_info` from the facts and the
 * analyses, `upload_options` from the request), then the analyses eval asked for in addition.
 * A script that fails, or sets what eval may not, refuses the upload with its 400.
 */
export async function analyzeUpload(deps: UploadAnalysisDependencies, job: IngestJobV1, facts: PreparedFacts): Promise<UploadAnalysis> {
  const fields = await computeAnalyses(deps, job.analysis, facts);
  if (job.evalScript === null) return { fields, job };

  const script = await resolveScript(deps, job.cloudName, job.evalScript);
  const resourceInfo = resourceInfoOf(job, facts, fields);
  let changed: Record<string, unknown>;
  try {
    // A script named by #RESOURCE_REF may be as long as its file may be (10 KB), not 4095 characters.
    const limits = script === job.evalScript ? deps.scriptLimits : { ...deps.scriptLimits, maxLength: MAX_REFERENCED_SCRIPT_BYTES };
    ({ changed } = await runEvalScript(script, { resourceInfo, uploadOptions: uploadOptionsOf(job) }, limits));
  } catch (error) {
    if (error instanceof ScriptError) throw new ApiError(400, error.message, { cause: error });
    throw error;
  }
  const updated = await applyEvalChanges(deps, job, facts, changed, resourceInfo);
  const added = addedAnalyses(job.analysis, updated.analysis);
  if (!anyAnalysis(added)) return { fields, job: updated };
  return { fields: orderFields({ ...fields, ...(await computeAnalyses(deps, added, facts)) }), job: updated };
}

export async function computeAnalyses(
  deps: UploadAnalysisDependencies,
  options: AnalysisOptions,
  facts: PreparedFacts,
): Promise<Record<string, unknown>> {
  if (!anyAnalysis(options)) return {};
  const fields: Record<string, unknown> = {};
  const pixels = facts.resourceType === 'image' && facts.width !== null && !isDocumentFormat(facts.format);
  if (pixels && (options.colors || options.phash || options.qualityAnalysis || options.accessibilityAnalysis)) {
    Object.assign(
      fields,
      await analyzeImage(
        facts.input.source,
        { colors: options.colors, phash: options.phash, quality: options.qualityAnalysis, accessibility: options.accessibilityAnalysis },
        deps.limits,
      ),
    );
  }
  if (options.cinemagraphAnalysis) fields.cinemagraph_analysis = await cinemagraphField(deps, facts);
  if (options.mediaMetadata) {
    if (facts.resourceType === 'image') {
      // As the version keeps it: the answer and a later `resource` read say the same.
      fields.image_metadata = await keptImageMetadata(deps, facts);
    } else if (facts.resourceType === 'video' && facts.media) {
      fields.video_metadata = videoMetadata(facts.media);
    }
  }
  return orderFields(fields);
}

function orderFields(fields: Record<string, unknown>): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const name of ANALYSIS_RESPONSE_FIELDS) if (fields[name] !== undefined) ordered[name] = fields[name];
  return ordered;
}

/** `#RESOURCE_REF:<public_id>`: a raw authenticated asset of the cloud holding the script (≤ 10 KB). */
async function resolveScript(deps: UploadAnalysisDependencies, cloudName: string, script: string): Promise<string> {
  if (!script.startsWith(RESOURCE_REF_PREFIX)) return script;
  const publicId = script.slice(RESOURCE_REF_PREFIX.length).trim();
  const asset = await findAsset(deps.db, { cloudName, resourceType: 'raw', type: 'authenticated', publicId });
  if (!asset) throw new ApiError(400, `Eval error: the script resource ${publicId} was not found (a raw authenticated asset)`);
  if (asset.bytes > MAX_REFERENCED_SCRIPT_BYTES) {
    throw new ApiError(400, `Eval error: the script resource ${publicId} is larger than ${MAX_REFERENCED_SCRIPT_BYTES} bytes`);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of await deps.store.get(asset.storageKey)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `resource_info`: the response-to-be's fields, flat as Cloudinary names them (wave 2 §6.1). */
function resourceInfoOf(job: IngestJobV1, facts: PreparedFacts, fields: Record<string, unknown>): Record<string, unknown> {
  const info: Record<string, unknown> = {
    width: facts.width,
    height: facts.height,
    format: facts.format,
    bytes: facts.input.bytes,
    etag: facts.input.md5,
    pages: facts.pages,
    filename: job.request.originalFilename,
    folder: job.request.publicId.includes('/') ? job.request.publicId.slice(0, job.request.publicId.lastIndexOf('/')) : '',
    asset_folder: job.request.assetFolder,
    display_name: job.request.displayName ?? job.request.publicId.split('/').pop(),
  };
  if (fields.image_metadata !== undefined) info.media_metadata = fields.image_metadata;
  for (const [name, value] of Object.entries(fields)) if (name !== 'image_metadata' && name !== 'video_metadata') info[name] = value;
  const media = facts.media;
  if (media) {
    const audio = (media.audio ?? {}) as Record<string, unknown>;
    const video = (media.video ?? {}) as Record<string, unknown>;
    Object.assign(info, {
      duration: media.duration,
      bit_rate: media.bit_rate,
      frame_rate: media.frame_rate,
      nb_frames: media.nb_frames,
      rotation: media.rotation,
      has_audio: Object.keys(audio).length > 0,
      audio_codec: audio.codec,
      audio_bit_rate: audio.bit_rate,
      audio_frequency: audio.frequency,
      channels: audio.channels,
      channel_layout: audio.channel_layout,
      codec: video.codec,
      profile: video.profile,
      pix_format: video.pix_format,
      video_bit_rate: video.bit_rate,
      time_base: video.time_base,
    });
  }
  return Object.fromEntries(Object.entries(info).filter(([, value]) => value !== undefined));
}

/** `upload_options`: the request as it would be sent, in the wire's string forms. */
function uploadOptionsOf(job: IngestJobV1): Record<string, unknown> {
  const options: Record<string, unknown> = {
    public_id: job.request.publicId,
    tags: job.request.tags.join(','),
    context: wirePairs(job.request.context),
    metadata: wirePairs(Object.fromEntries(Object.entries(job.request.metadata).map(([key, value]) => [key, String(value)]))),
    overwrite: job.request.overwrite,
    access_mode: job.request.accessMode,
  };
  if (job.eager.length > 0) options.eager = job.eager.map((spec) => spec.requested).join('|');
  for (const [option, names] of Object.entries(ANALYSIS_PARAMETERS) as Array<[keyof AnalysisOptions, readonly string[]]>) {
    if (job.analysis[option]) options[names[0]!] = true;
  }
  return options;
}

const wirePairs = (pairs: Record<string, string>): string =>
  Object.entries(pairs)
    .map(([key, value]) => `${key}=${value.replaceAll('|', '\\|').replaceAll('=', '\\=')}`)
    .join('|');

const truthy = (value: unknown): boolean => value === true || value === 'true' || value === '1' || value === 1;

/** The options eval changed, applied to the job: tags, context, metadata, eager and analyses; others are ignored (docs/analysis.md). */
async function applyEvalChanges(
  deps: UploadAnalysisDependencies,
  job: IngestJobV1,
  facts: PreparedFacts,
  changed: Record<string, unknown>,
  resourceInfo: Record<string, unknown>,
): Promise<IngestJobV1> {
  const text = (value: unknown): string => (typeof value === 'string' ? interpolateResourceInfo(value, resourceInfo) : String(value ?? ''));
  const request = { ...job.request };
  const analysis = { ...job.analysis };
  let eager = job.eager;
  for (const [name, value] of Object.entries(changed)) {
    switch (name) {
      case 'tags':
        request.tags = (Array.isArray(value) ? value.map(text) : text(value).split(',')).map((tag) => tag.trim()).filter((tag) => tag !== '');
        break;
      case 'context':
        request.context = pairsOf(value, text);
        break;
      case 'metadata':
        // Typed against the cloud's fields as the request's own metadata was at intake.
        request.metadata = (
          await resolveCloudMetadata(deps.db, job.cloudName, pairsOf(value, text), { mode: 'upload', clearInvalid: false, maxValueLength: 1024 })
        ).set;
        break;
      case 'eager':
        eager = await resolveEagerSpecs(deps.db, job.cloudName, text(value), deps.parameters, undefined, facts.resourceType);
        break;
      default: {
        const option = (Object.entries(ANALYSIS_PARAMETERS) as Array<[keyof AnalysisOptions, readonly string[]]>).find(([, names]) =>
          names.includes(name),
        );
        if (option) analysis[option[0]] = truthy(value);
      }
    }
  }
  return { ...job, request, analysis, eager, eagerInIngest: false };
}

function pairsOf(value: unknown, text: (value: unknown) => string): Record<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, entry]) => [key, text(entry)]));
  }
  return parseContext(text(value));
}

function addedAnalyses(before: AnalysisOptions, after: AnalysisOptions): AnalysisOptions {
  const added = { ...NO_ANALYSIS };
  for (const option of Object.keys(added) as Array<keyof AnalysisOptions>) added[option] = after[option] === true && !before[option];
  return added;
}

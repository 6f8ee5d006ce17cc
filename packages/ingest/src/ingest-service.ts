import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  commitAssetVersion,
  deleteDerivedOfVersion,
  findAsset,
  startIngest,
  updateAssetMetadata,
  type AssetRecord,
  type CatalogDb,
} from '@rendition/catalog';
import { RejectedJobError, type IngestJobV1, type IngestSource } from '@rendition/jobs';
import {
  convertImage,
  detectMediaType,
  executeImagePlan,
  isConvertTarget,
  MediaError,
  probeImage,
  probeImageHeader,
  verifyImageDecodes,
  demuxerForFormat,
  probeVideo,
  type VideoProbeLimits,
  type DetectedType,
  type DocumentEngine,
  type ImageExecution,
  type ImageInput,
  type ImageLimits,
  type ImageProbe,
} from '@rendition/media';
import { fetchWithRetries, type GuardedFetcher, type RetryPolicy } from '@rendition/net';
import {
  ApiError,
  contentTypeForFormat,
  contentTypeForRaw,
  inapplicableModeration,
  initialModerationEntries,
  isImageOutputFormat,
  overallModerationStatus,
  parseModeration,
  rawPublicIdWithExtension,
  videoTooLargeForSync,
} from '@rendition/protocol';
import { deleteDerivedBlobs, localFileOf, originalKey, type BlobStore } from '@rendition/storage';
import { createLayerFiles, storeDerivative, type LayerFileDependencies } from '@rendition/derive';
import { currentDerivativeHash, eagerFormat, resolveLayerAssets } from '@rendition/derivations';
import type { DerivedRecord, SeenBatch } from '@rendition/catalog';
import { hasExpressions, parseTransformation } from '@rendition/transform';
import { hashFile, inputInMemory, inputOnDisk, withLazyTempDir, writeStreamToFile, type InputFile } from '@rendition/scratch';
import type { ScriptLimits } from '@rendition/scripting';
import { computeResponsiveBreakpoints, storeResponsiveBreakpoints, type ComputedBreakpoints } from './responsive-breakpoints.ts';
import { analyzeUpload } from './upload-analysis.ts';
import { uploadVersionAnalysis, type AnalysisLimits, type VersionAnalysis } from './version-analysis.ts';

export interface IngestDependencies {
  db: CatalogDb;
  store: BlobStore;
  fetcher: GuardedFetcher;
  /** How long loading a remote source may take in all, and when it is tried again (see fetchWithRetries). */
  remoteFetch: RetryPolicy;
  /** Reads `s3://bucket/key` sources from the buckets the operator allowed. */
  openS3Source(bucket: string, key: string): Promise<Readable>;
  limits: { maxRemoteBytes: number; maxUploadBytes: number; maxDimension: number; maxOutputPixels: number; inMemoryOutputPixels: number } & ImageLimits;
  tmpDir: string;
  /** Probes an uploaded PDF: its page count and page 1's size in points (its bounds are the engine's). */
  documents: DocumentEngine;
  /** ffprobe of video and audio uploads: its bounds and time limit, and the synchronous-processing size limit. */
  video: { probeLimits: VideoProbeLimits; timeoutMs: number; maxSyncBytes: number };
  /** Bounds of eval and on_success runs (scripting's defaults when absent). */
  scriptLimits?: Partial<ScriptLimits>;
  /** IMAGE_METADATA_MAX_BYTES and CINEMAGRAPH_MAX_FRAMES (version-analysis.ts's defaults when absent). */
  analysisLimits?: AnalysisLimits;
}

export interface IngestOutcome {
  asset: AssetRecord;
  /** The analyses' wire fields (colors, phash, quality_analysis, …), for the response; absent when none ran. */
  analysis?: Record<string, unknown>;
  /** The job as eval left it (its tags, eager list, analyses); absent when it is the job as queued. */
  job?: IngestJobV1;
  /** overwrite=false met an asset already stored under the public_id. */
  existing: boolean;
  /** The upload replaced the asset stored under the public_id (its version before this one). */
  overwritten?: boolean;
  /** The first eager item, when this ingest derived and recorded it itself (job.eagerInIngest). */
  firstEager?: DerivedRecord;
  /** responsive_breakpoints of a stored upload (their files are gone once ingest returns); absent when none were asked. */
  responsiveBreakpoints?: ComputedBreakpoints[];
  /** The job's batch as the ingest's first statement read it (finishJob's one-statement path). */
  seenBatch?: SeenBatch;
  /**
   * A new asset, stored but not yet recorded: finishJob records it with the job's end (newAsset), or,
   * when that cannot be done, `commit` records it the usual way and answers the outcome to use instead.
   */
  deferred?: { asset: AssetRecord; backup: boolean; commit(): Promise<IngestOutcome> };
}

/**
 * The worker's side of an upload: read the source, learn what it is from its bytes, probe it,
 * store the original under ids we generated and record it in the catalog. Deterministic per
 * job id, so a retry after a crash finds its own committed version instead of adding another.
 */
export async function ingest(
  deps: IngestDependencies,
  job: IngestJobV1,
  options: { markActive?: boolean; deferNewAsset?: boolean } = {},
): Promise<IngestOutcome> {
  const versionId = job.jobId.replaceAll('-', '');
  const { resourceType: requested } = job.request;
  const start = await startIngest(deps.db, {
    ...(options.markActive ? { jobId: job.jobId } : {}),
    versionId,
    cloudName: job.cloudName,
    type: job.request.type,
    publicId: job.request.publicId,
    resourceTypes: requested === 'auto' ? ['image', 'video', 'raw'] : [requested],
    now: new Date(),
    readInlineData: options.markActive === true && job.source.kind === 'inline' && job.source.data === undefined,
  });
  const committed = start.committed;
  if (committed) {
    // An earlier attempt committed and died before it deleted the staged bytes: they are done with.
    if (job.source.kind === 'staged') await deps.store.delete(job.source.key);
    return { asset: committed, existing: false, ...(start.batch ? { seenBatch: start.batch } : {}) };
  }

  // An eval may change the eager list: the ingest then derives none of it itself.
  const planned = job.evalScript === null ? job : { ...job, eagerInIngest: false };
  // A small upload held in memory may need no scratch file, nor a directory for one (InputFile).
  const outcome = await withLazyTempDir(deps.tmpDir, async (dir) => {
    const original = await readSource(deps, planned.source, async () => join(await dir(), 'source'), inlineBytes(job, start.inlineData));
    if (original.bytes === 0) throw new ApiError(400, 'Empty file');
    const detected = await detectMediaType(original.source);
    if (!detected) throw new ApiError(400, 'Empty file');
    const resourceType = checkResourceType(planned.request.resourceType, detected);
    checkModerationApplies(planned, resourceType);
    // Where the original will be stored as it came, it is stored while it is probed and analysed.
    const early = storeAsItCameEarly(deps, planned, { versionId, resourceType, original, detected, found: start.current });
    try {
      const preparedFile = await prepareOriginal(deps, planned, original, detected, resourceType, dir);
      // Stored as it came: the staged object is the original's bytes already.
      const prepared =
        preparedFile.file === original && planned.source.kind === 'staged' ? { ...preparedFile, stagedKey: planned.source.key } : preparedFile;
      const facts = {
        input: prepared.file,
        resourceType,
        format: prepared.format,
        width: prepared.width,
        height: prepared.height,
        pages: prepared.pages,
        ...(prepared.media ? { media: prepared.media } : {}),
      };
      const analyzed = await analyzeUpload(deps, planned, facts);
      const kept = await uploadVersionAnalysis(deps, analyzed.job, facts, analyzed.fields);
      // Computed before anything is stored, so settings the image cannot satisfy refuse the upload.
      const breakpointRequests = analyzed.job.responsiveBreakpoints ?? [];
      const breakpoints =
        breakpointRequests.length === 0
          ? []
          : await computeResponsiveBreakpoints(
              deps.limits,
              breakpointRequests,
              { path: await prepared.file.path(), resourceType, format: prepared.format, width: prepared.width },
              await dir(),
            );
      // The new asset may be recorded with the job's end when nothing else needs its row first.
      const analyzedJob = analyzed.job;
      const defer =
        options.deferNewAsset === true &&
        start.batch !== undefined &&
        breakpoints.length === 0 &&
        !analyzedJob.returnDeleteToken &&
        analyzedJob.onSuccess === null &&
        !(analyzedJob.accessControl && analyzedJob.accessControl.length > 0);
      const stored = await storeAndCommit(deps, analyzedJob, versionId, resourceType, prepared, kept, { found: start.current, defer, early });
      if (breakpoints.length === 0 || stored.existing) return { ...stored, analysis: analyzed.fields, job: analyzed.job };
      await storeResponsiveBreakpoints(deps, stored.asset, breakpoints);
      return { ...stored, analysis: analyzed.fields, job: analyzed.job, responsiveBreakpoints: breakpoints };
    } finally {
      // Refused, failed, or stored otherwise after all: what was stored early is no original.
      if (early) await abandonEarlyOriginal(deps, early);
    }
  });

  if (job.source.kind === 'staged') await deps.store.delete(job.source.key);
  return start.batch ? { ...outcome, seenBatch: start.batch } : outcome;
}

/** A small file's bytes: carried by a job the relay queued from a row written before migration 0031, else read from its outbox row by startIngest. */
function inlineBytes(job: IngestJobV1, fromRow: Buffer | undefined): Buffer | undefined {
  if (job.source.kind !== 'inline') return undefined;
  if (job.source.data !== undefined) return Buffer.from(job.source.data, 'base64');
  // The row is unfinished as long as the job is: only a job ended meanwhile (and not committed) lands here.
  if (fromRow === undefined) throw new RejectedJobError(`The bytes of job ${job.jobId} are not in its outbox row: it has ended`);
  return fromRow;
}

/** The source's bytes: a file in scratch at `pathFor()`, or a small upload's bytes as they came, in memory. */
async function readSource(
  deps: IngestDependencies,
  source: IngestSource,
  pathFor: () => Promise<string>,
  inline: Buffer | undefined,
): Promise<InputFile> {
  switch (source.kind) {
    case 'staged': {
      if (source.bytes !== undefined && source.md5 !== undefined) {
        // Staged by our API, which limited and measured the bytes. Read where the store keeps it (the
        // job deletes the staged object only after its last read), else copied to scratch.
        return inputOnDisk({ path: await localFileOf(deps.store, source.key, pathFor), bytes: source.bytes, md5: source.md5 });
      }
      const path = await pathFor();
      // A chunked upload assembled by the API (MAX_LARGE_UPLOAD_BYTES) names its measured size; its md5 is measured here.
      const limit = Math.max(deps.limits.maxUploadBytes, source.bytes ?? 0);
      return inputOnDisk(await writeStreamToFile(await deps.store.get(source.key), path, limit, () => fileTooLarge(limit)));
    }
    case 'inline':
      // Held in the job's row by the API, which limited and measured the bytes.
      if (inline === undefined) throw new Error('an inline source reached readSource without its bytes (inlineBytes)');
      return inputInMemory(inline, source.md5, pathFor);
    case 'remote': {
      const path = await pathFor();
      // Any failure to load it is a RemoteFetchError, the client's error (client-error.ts); a failure
      // another attempt may not meet is tried again here, within the same time limit.
      const fetched = await fetchWithRetries(deps.fetcher, source.url, deps.remoteFetch, (response) =>
        writeStreamToFile(response.body, path, deps.limits.maxRemoteBytes, () => fileTooLarge(deps.limits.maxRemoteBytes)),
      );
      return inputOnDisk(fetched);
    }
    case 's3': {
      const path = await pathFor();
      const { maxRemoteBytes } = deps.limits;
      return inputOnDisk(
        await writeStreamToFile(await deps.openS3Source(source.bucket, source.key), path, maxRemoteBytes, () => fileTooLarge(maxRemoteBytes)),
      );
    }
  }
}

/** An `auto` upload's type is known only now: a kind that cannot moderate it is the upload's 400. */
function checkModerationApplies(job: IngestJobV1, resourceType: 'image' | 'video' | 'raw'): void {
  if (job.moderation === null) return;
  const inapplicable = inapplicableModeration(parseModeration(job.moderation.text), resourceType);
  if (inapplicable !== undefined) throw new ApiError(400, inapplicable);
}

/** A new version's moderation: the chain's first entry pending, the rest queued (or none at all). */
function moderationOfUpload(job: IngestJobV1): Pick<AssetRecord, 'moderation' | 'moderationStatus' | 'moderationNotificationUrl'> {
  if (job.moderation === null) return { moderation: null, moderationStatus: null, moderationNotificationUrl: null };
  const entries = initialModerationEntries(parseModeration(job.moderation.text));
  return { moderation: entries, moderationStatus: overallModerationStatus(entries), moderationNotificationUrl: job.moderation.notificationUrl };
}

function fileTooLarge(limit: number): ApiError {
  return new ApiError(400, `File size too large. Maximum is ${limit}.`);
}

/** The bytes decide the type; the requested resource_type only decides what is acceptable. */
function checkResourceType(requested: IngestJobV1['request']['resourceType'], detected: DetectedType): 'image' | 'video' | 'raw' {
  if (requested === 'auto') return detected.resourceType;
  if (requested === 'raw') return 'raw';
  // An animated GIF uploaded as a video is a video (Cloudinary converts such uploads the same way).
  if (requested === 'video' && detected.format === 'gif') return 'video';
  if (detected.resourceType !== requested) {
    throw new ApiError(400, requested === 'image' ? 'Invalid image file' : 'Invalid video file');
  }
  return requested;
}

interface PreparedOriginal {
  file: InputFile;
  /** The first eager item, derived from this file before it was stored. */
  firstEager?: FirstEager;
  format: string | null;
  width: number | null;
  height: number | null;
  pages: number | null;
  contentType: string;
  publicId: string;
  /** What ffprobe measured of a video or audio file (wire form), stored with the version. */
  media?: Record<string, unknown>;
  /** The staged object holding exactly `file`'s bytes: the original is stored from it (BlobStore.copy) instead of from `file`. */
  stagedKey?: string;
}

async function prepareOriginal(
  deps: IngestDependencies,
  job: IngestJobV1,
  original: InputFile,
  detected: DetectedType,
  resourceType: 'image' | 'video' | 'raw',
  dir: () => Promise<string>,
): Promise<PreparedOriginal> {
  const { request } = job;
  if (resourceType === 'raw') {
    const extension = rawExtension(job.source, detected);
    if (request.allowedFormats.length > 0 && !request.allowedFormats.includes(extension)) {
      throw new ApiError(400, `Raw file format ${extension || 'unknown'} not allowed`);
    }
    const publicId = request.publicIdGenerated && extension ? rawPublicIdWithExtension(request.publicId, extension) : request.publicId;
    return { file: original, format: null, width: null, height: null, pages: null, contentType: contentTypeForRaw(publicId), publicId };
  }

  if (resourceType === 'video') return prepareVideo(deps, job, original, detected);

  if (detected.format === 'pdf') return prepareDocument(deps, job, original);

  const limits: ImageLimits = { maxInputPixels: deps.limits.maxInputPixels, timeoutSeconds: deps.limits.timeoutSeconds };
  if (job.incoming === null && request.format === null && job.eagerInIngest) {
    const { facts, firstEager } = await probeSharingFirstEager(deps, job, original, detected, limits, dir);
    return {
      file: original,
      ...(firstEager ? { firstEager } : {}),
      format: facts.format,
      width: facts.width,
      height: facts.height,
      pages: facts.pages,
      contentType: contentTypeForFormat(facts.format),
      publicId: request.publicId,
    };
  }
  const probe = pixelAnalysesVerify(job)
    ? await probeLeavingDecodeToAnalysis(original.source, detected, limits)
    : await probeOrKeepAsIs(original.source, detected, limits);
  const target = targetFormat(request.format, request.allowedFormats, probe.format);
  if (job.incoming !== null) {
    if (!isConvertTarget(target) || probe.width === null) throw new ApiError(400, `Cannot apply an incoming transformation to ${probe.format}`);
    const scratch = await dir();
    const transformedPath = join(scratch, `incoming.${target}`);
    const incoming = parseTransformation(job.incoming);
    // Its overlay assets as they are now (a missing one is the upload's 400).
    const layerAssets = await resolveLayerAssets(deps.db, job.cloudName, incoming);
    const transformed = await executeImagePlan(await original.path(), transformedPath, incoming, {
      format: target,
      limits: { ...limits, maxDimension: deps.limits.maxDimension, maxOutputPixels: deps.limits.maxOutputPixels },
      layers: createLayerFiles(layerFileDependencies(deps), scratch, layerAssets),
    });
    return {
      file: inputOnDisk(await hashFile(transformedPath)),
      format: target,
      width: transformed.width,
      height: transformed.height,
      pages: 1,
      contentType: contentTypeForFormat(target),
      publicId: request.publicId,
    };
  }
  if (target === probe.format) {
    return {
      file: original,
      format: probe.format,
      width: probe.width,
      height: probe.height,
      pages: probe.pages,
      contentType: contentTypeForFormat(probe.format),
      publicId: request.publicId,
    };
  }
  if (!isConvertTarget(target) || probe.width === null) {
    throw new ApiError(400, `Cannot convert ${probe.format} to ${target} on upload`);
  }
  const convertedPath = join(await dir(), `converted.${target}`);
  const converted = await convertImage(await original.path(), convertedPath, target, limits);
  return {
    file: inputOnDisk(await hashFile(convertedPath)),
    format: target,
    width: converted.width,
    height: converted.height,
    pages: converted.pages,
    contentType: contentTypeForFormat(target),
    publicId: request.publicId,
  };
}

/**
 * A PDF is an image asset of format pdf, stored exactly as uploaded: `pages` is its page count and
 * width×height page 1's size in points (= pixels at the default 72 dpi of a delivered page). One the
 * engine cannot read (corrupt, encrypted, beyond its page limit) is refused with its MediaError (a 400).
 * Converting it on upload (`format`) and incoming transformations are refused: a page is rendered on
 * delivery, and eager items become derive jobs (the ingest does not derive the first one itself).
 */
async function prepareDocument(deps: IngestDependencies, job: IngestJobV1, original: InputFile): Promise<PreparedOriginal> {
  const { request } = job;
  const facts = await deps.documents.probePdf(await original.path());
  const target = targetFormat(request.format, request.allowedFormats, 'pdf');
  if (job.incoming !== null) throw new ApiError(400, 'Cannot apply an incoming transformation to pdf');
  if (target !== 'pdf') throw new ApiError(400, `Cannot convert pdf to ${target} on upload`);
  return {
    file: original,
    format: 'pdf',
    width: facts.width,
    height: facts.height,
    pages: facts.pages,
    contentType: contentTypeForFormat('pdf'),
    publicId: request.publicId,
  };
}

/**
 * A video or audio file is stored exactly as uploaded, with what ffprobe measured of it (media): the
 * demuxer is the one its bytes were detected as, so ffprobe never follows a playlist or a concat list.
 * Converting on upload and incoming transformations are refused (docs/video.md); so is synchronous
 * eager work on a file above MAX_SYNC_VIDEO_BYTES, with Cloudinary's message, before anything is stored.
 */
async function prepareVideo(deps: IngestDependencies, job: IngestJobV1, original: InputFile, detected: DetectedType): Promise<PreparedOriginal> {
  const { request } = job;
  checkAllowedFormat(request.allowedFormats, detected.format, request.format, 'Video');
  if (job.incoming !== null) throw new ApiError(400, 'Incoming transformations of video are not supported: use an eager transformation');
  if (request.format !== null && request.format !== detected.format) {
    throw new ApiError(400, `Cannot convert ${detected.format} to ${request.format} on upload: use an eager transformation`);
  }
  if (job.eager.length > 0 && !job.eagerAsync && original.bytes > deps.video.maxSyncBytes) throw videoTooLargeForSync();
  const facts = await probeVideo(await original.path(), {
    limits: deps.video.probeLimits,
    demuxer: demuxerForFormat(detected.format),
    timeoutMs: deps.video.timeoutMs,
  });
  const { width, height, ...media } = facts;
  return {
    file: original,
    format: detected.format,
    width: width ?? null,
    height: height ?? null,
    pages: 0,
    contentType: detected.mime,
    publicId: request.publicId,
    media,
  };
}

// Images Cloudinary accepts that this build of libvips cannot decode: stored as they came, without
// dimensions, until the ffmpeg work probes them.
const STORED_UNPROBED_FORMATS = new Set(['heic', 'heif', 'psd', 'bmp', 'ico']);

type ImageFacts = Pick<ImageProbe, 'format' | 'pages'> & { width: number | null; height: number | null };

async function probeOrKeepAsIs(input: ImageInput, detected: DetectedType, limits: ImageLimits): Promise<ImageFacts> {
  try {
    return await probeImage(input, limits);
  } catch (error) {
    return keptAsIs(error, detected);
  }
}

/**
 * Pixel analyses decode the upload strictly (libvips' failOn 'error', every scan of the file): that
 * decode proves a still image readable as the verification decode would, so the ingest reads the
 * header only and leaves the pixels to the analysis (the upload is decoded once, not twice).
 * Animations are still verified frame by frame: the analyses read the first frame only.
 */
const pixelAnalysesVerify = (job: IngestJobV1): boolean =>
  job.incoming === null && (job.analysis.colors || job.analysis.phash || job.analysis.qualityAnalysis || job.analysis.accessibilityAnalysis);

async function probeLeavingDecodeToAnalysis(input: ImageInput, detected: DetectedType, limits: ImageLimits): Promise<ImageFacts> {
  const header = await probeImageHeader(input, limits).catch((error: unknown) => keptAsIs(error, detected));
  if ('animated' in header && header.animated) await verifyImageDecodes(input, header, limits);
  return header;
}

function keptAsIs(error: unknown, detected: DetectedType): ImageFacts {
  if (error instanceof MediaError && error.kind === 'unsupported' && STORED_UNPROBED_FORMATS.has(detected.format)) {
    return { format: detected.format, width: null, height: null, pages: 1 };
  }
  throw error;
}

/**
 * probeOrKeepAsIs for an upload whose first eager item the ingest derives: the header first, then the
 * derivation, whose decode (same strictness as the verification) proves the upload decodes when it
 * read every pixel; otherwise, or when it failed, the verification decode runs as usual. A corrupt
 * upload is refused either way, before anything is stored.
 */
async function probeSharingFirstEager(
  deps: IngestDependencies,
  job: IngestJobV1,
  original: InputFile,
  detected: DetectedType,
  limits: ImageLimits,
  dir: () => Promise<string>,
): Promise<{ facts: ImageFacts; firstEager?: FirstEager }> {
  const header = await probeImageHeader(original.source, limits).catch((error: unknown) => keptAsIs(error, detected));
  checkAllowedFormat(job.request.allowedFormats, header.format, null, 'Image');
  if (!('animated' in header)) return { facts: header };
  const firstEager = await deriveFirstEager(deps, job, original, header.format, dir);
  if (!firstEager?.result.decodedEveryPixel) await verifyImageDecodes(original.source, header, limits);
  return { facts: header, ...(firstEager ? { firstEager } : {}) };
}

interface FirstEager {
  transformation: string;
  transformationHash: string;
  format: string;
  /** What was derived; `encoded` is its file in scratch, or its bytes when small enough to be kept in memory. */
  result: ImageExecution;
}

/**
 * Derives the upload's first eager item from the original (its bytes in memory, or its scratch copy), as the derive job
 * would (same plan, format and limits). On any failure there is none: the item then goes to a derive job
 * like the others, which reports the failure the usual way, and the upload is verified on its own.
 */
async function deriveFirstEager(
  deps: IngestDependencies,
  job: IngestJobV1,
  original: InputFile,
  originalFormat: string,
  dir: () => Promise<string>,
): Promise<FirstEager | undefined> {
  const spec = job.eager[0];
  if (!spec) return undefined;
  // Conditionals and variables read the stored asset (tags, context, metadata): a derive job resolves them.
  if (hasExpressions(spec.transformation)) return undefined;
  const format = eagerFormat(spec, { format: originalFormat });
  if (!isImageOutputFormat(format)) return undefined;
  const plan = parseTransformation(spec.transformation);
  try {
    const output = { inMemoryUpToPixels: deps.limits.inMemoryOutputPixels, file: async () => join(await dir(), `eager-0.${format}`) };
    // Keyed as the derive job keys it: with the overlay assets' current versions (derivations' layer-dependencies.ts).
    const { hash, layerAssets } = await currentDerivativeHash(deps.db, job.cloudName, plan);
    const result = await executeImagePlan(original.source, output, plan, {
      format,
      limits: {
        maxInputPixels: deps.limits.maxInputPixels,
        timeoutSeconds: deps.limits.timeoutSeconds,
        maxDimension: deps.limits.maxDimension,
        maxOutputPixels: deps.limits.maxOutputPixels,
      },
      layers: createLayerFiles(layerFileDependencies(deps), dir, layerAssets),
    });
    return { transformation: spec.transformation, transformationHash: hash, format, result };
  } catch {
    return undefined;
  }
}

/** Where an ingest's layers come from: the overlay assets' originals and `l_fetch:` URLs, loaded as the source is. */
function layerFileDependencies(deps: IngestDependencies): LayerFileDependencies {
  return {
    store: deps.store,
    maxBytes: Math.max(deps.limits.maxUploadBytes, deps.limits.maxRemoteBytes),
    documents: deps.documents,
    remote: { fetcher: deps.fetcher, policy: deps.remoteFetch },
  };
}

/** Stores and records the first eager item of a committed version; on any failure the derive job does it. */
async function recordFirstEager(deps: IngestDependencies, asset: AssetRecord, firstEager: FirstEager): Promise<DerivedRecord | undefined> {
  const identity = {
    assetId: asset.assetId,
    versionId: asset.versionId,
    transformationHash: firstEager.transformationHash,
    format: firstEager.format,
    transformation: firstEager.transformation,
  };
  try {
    return await storeDerivative(deps, identity, firstEager.result.encoded, firstEager.result);
  } catch {
    return undefined;
  }
}

/** `format` converts; `allowed_formats` refuses, unless `format` names an allowed target. */
function targetFormat(format: string | null, allowed: string[], actual: string): string {
  const target = format ?? actual;
  checkAllowedFormat(allowed, actual, format, 'Image');
  return target;
}

function checkAllowedFormat(allowed: string[], actual: string, format: string | null, kind: 'Image' | 'Video'): void {
  if (allowed.length === 0 || allowed.includes(actual)) return;
  if (format !== null && allowed.includes(format)) return;
  throw new ApiError(400, `${kind} file format ${actual} not allowed`);
}

function rawExtension(source: IngestSource, detected: DetectedType): string {
  const fromName = source.filename ? extname(source.filename).slice(1).toLowerCase() : '';
  if (/^[a-z0-9]{1,10}$/.test(fromName)) return fromName;
  return detected.format;
}

/**
 * An original being stored before the upload is verified: under the key it will have, with the
 * content type it will have. storeAndCommit takes it where both turn out as expected; otherwise, and
 * whenever the ingest ends without taking it, abandonEarlyOriginal deletes it.
 */
interface EarlyOriginal {
  key: string;
  contentType: string;
  /** The bytes stored: the upload as it came. */
  file: InputFile;
  /** The store's answer (its failure is seen where it is awaited, never unhandled). */
  stored: Promise<unknown>;
  /** storeAndCommit took it as the original (or it was abandoned): nothing more to do with it. */
  settled: boolean;
}

/**
 * Starts storing the original before its probe and analyses, where nothing they find can change
 * what is stored or where: no incoming transformation, no conversion, not raw (whose generated
 * public_id may gain the file's extension), and no asset that overwrite=false keeps. The store's
 * write (and its fsyncs) then overlaps the decode instead of following it.
 */
function storeAsItCameEarly(
  deps: IngestDependencies,
  job: IngestJobV1,
  upload: { versionId: string; resourceType: 'image' | 'video' | 'raw'; original: InputFile; detected: DetectedType; found: AssetRecord[] | undefined },
): EarlyOriginal | undefined {
  const { request } = job;
  const { resourceType, detected } = upload;
  if (job.incoming !== null || request.format !== null || resourceType === 'raw') return undefined;
  const current = upload.found?.find((asset) => asset.resourceType === resourceType && asset.type === request.type);
  if (current && !request.overwrite) return undefined;
  const key = originalKey(current?.assetId ?? job.newAssetId, upload.versionId);
  const contentType = resourceType === 'video' ? detected.mime : contentTypeForFormat(detected.format);
  const stagedKey = job.source.kind === 'staged' ? job.source.key : undefined;
  const stored = storeOriginal(deps, key, upload.original, stagedKey, contentType);
  stored.catch(() => {});
  return { key, contentType, file: upload.original, stored, settled: false };
}

async function abandonEarlyOriginal(deps: IngestDependencies, early: EarlyOriginal): Promise<void> {
  if (early.settled) return;
  early.settled = true;
  // Deleted once written, so the delete cannot come before the write lands.
  await early.stored.catch(() => {});
  await deps.store.delete(early.key);
}

/** Stores the original's bytes: linked from the staged object that holds exactly them where the store can, else written. */
async function storeOriginal(
  deps: IngestDependencies,
  key: string,
  file: InputFile,
  stagedKey: string | undefined,
  contentType: string,
): Promise<void> {
  if (stagedKey !== undefined && deps.store.copy) await deps.store.copy(stagedKey, key);
  else if (typeof file.source !== 'string') await deps.store.put(key, file.source, { contentType });
  else await deps.store.putFile(key, file.source, { contentType });
}

async function storeAndCommit(
  deps: IngestDependencies,
  job: IngestJobV1,
  versionId: string,
  resourceType: 'image' | 'video' | 'raw',
  prepared: PreparedOriginal,
  kept: VersionAnalysis,
  options: {
    /** What startIngest found under the requested public_id (a retry after a lost race reads again). */
    found?: AssetRecord[] | undefined;
    /** A new asset is left to be recorded with the job's end (IngestOutcome.deferred). */
    defer?: boolean;
    /** The original as stored before the probe, if it was (storeAsItCameEarly). */
    early?: EarlyOriginal | undefined;
  },
  attempt = 1,
): Promise<IngestOutcome> {
  const { request } = job;
  const { found, defer = false, early } = options;
  const identity = { cloudName: job.cloudName, resourceType, type: request.type, publicId: prepared.publicId };
  const current =
    found && prepared.publicId === request.publicId
      ? found.find((asset) => asset.resourceType === resourceType && asset.type === request.type)
      : await findAsset(deps.db, identity);
  if (current && !request.overwrite) return { asset: current, existing: true };

  const assetId = current?.assetId ?? job.newAssetId;
  const storageKey = originalKey(assetId, versionId);
  if (early && !early.settled && early.key === storageKey && early.contentType === prepared.contentType && early.file === prepared.file) {
    early.settled = true;
    await early.stored;
  } else {
    if (early) await abandonEarlyOriginal(deps, early);
    await storeOriginal(deps, storageKey, prepared.file, prepared.stagedKey, prepared.contentType);
  }

  const lastSegment = prepared.publicId.split('/').pop() ?? prepared.publicId;
  const asset: AssetRecord = {
    ...identity,
    assetId,
    version: Math.floor(Date.now() / 1000),
    versionId,
    format: prepared.format,
    width: prepared.width,
    height: prepared.height,
    pages: prepared.pages,
    bytes: prepared.file.bytes,
    etag: prepared.file.md5,
    contentType: prepared.contentType,
    storageKey,
    tags: request.tags,
    context: request.context,
    metadata: request.metadata,
    assetFolder: request.assetFolder,
    displayName: request.displayName ?? lastSegment,
    originalFilename: request.originalFilename,
    accessMode: request.accessMode,
    createdAt: new Date(),
    media: prepared.media ?? null,
    ...moderationOfUpload(job),
    ...kept,
  };

  if (defer && !current && !prepared.firstEager) {
    // Recorded with the job's end, in one statement (runIngestJob); or, if that statement cannot, as below.
    const commit = async (): Promise<IngestOutcome> => {
      const outcome = await commitStored(deps, job, asset, undefined, undefined);
      if (outcome === 'asset-gone') throw new Error(`asset ${prepared.publicId}: no asset was replaced, yet one is gone`);
      return outcome;
    };
    return { asset, existing: false, deferred: { asset, backup: job.backup, commit } };
  }
  const outcome = await commitStored(deps, job, asset, current, prepared.firstEager);
  if (outcome !== 'asset-gone') return outcome;
  // A destroy or rename took the asset between the look-up and the commit: the blob was stored under
  // its id, where the destroy's sweep may delete it. Store again as whatever the identity holds now.
  if (attempt >= 3) throw new Error(`asset ${prepared.publicId} kept changing while it was being overwritten`);
  return storeAndCommit(deps, job, versionId, resourceType, prepared, kept, {}, attempt + 1);
}

/** Records a stored original as the asset's version, and what that replaced; 'asset-gone' (blob deleted) when `current` was taken meanwhile. */
async function commitStored(
  deps: IngestDependencies,
  job: IngestJobV1,
  asset: AssetRecord,
  current: AssetRecord | undefined,
  firstEager: FirstEager | undefined,
): Promise<IngestOutcome | 'asset-gone'> {
  const { storageKey } = asset;
  let result;
  try {
    result = await commitAssetVersion(deps.db, {
      asset,
      overwrite: job.request.overwrite,
      backup: job.backup,
      ...(current ? { replacesAssetId: current.assetId } : {}),
    });
  } catch (error) {
    await deps.store.delete(storageKey);
    throw error;
  }
  switch (result.kind) {
    case 'existing':
      // Lost a race with another upload of the same public_id while overwrite=false.
      if (result.asset.storageKey !== storageKey) await deps.store.delete(storageKey);
      return { asset: result.asset, existing: true };
    case 'asset-gone':
      await deps.store.delete(storageKey);
      return 'asset-gone';
    case 'overwritten': {
      // Derivatives of the replaced version go; its original goes too unless it is a backup.
      const derivedKeys = await deleteDerivedOfVersion(deps.db, result.asset.assetId, result.replacedVersionId);
      if (!result.replacedKept && result.replacedStorageKey !== storageKey) await deps.store.delete(result.replacedStorageKey);
      await deleteDerivedBlobs(deps.store, derivedKeys);
      return withFirstEager(deps, { asset: result.asset, existing: false, overwritten: true }, firstEager, job.accessControl);
    }
    case 'created':
    case 'already-committed':
      return withFirstEager(deps, { asset: result.asset, existing: false }, firstEager, job.accessControl);
  }
}

async function withFirstEager(
  deps: IngestDependencies,
  outcome: IngestOutcome,
  firstEager: FirstEager | undefined,
  accessControl?: IngestJobV1['accessControl'],
): Promise<IngestOutcome> {
  // The upload's access_control, stored as `update` stores it (a retried job writes the same list).
  if (accessControl && accessControl.length > 0)
    outcome = { ...outcome, asset: await updateAssetMetadata(deps.db, outcome.asset.assetId, { accessControl }) };
  if (!firstEager) return outcome;
  const derived = await recordFirstEager(deps, outcome.asset, firstEager);
  return derived ? { ...outcome, firstEager: derived } : outcome;
}

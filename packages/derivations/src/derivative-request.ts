import type { OutcomeWaitDependencies } from '@rendition/batches';
import {
  findDerived,
  findJob,
  findNamedTransformation,
  findStreamingProfileRepresentations,
  recordStandaloneJob,
  recordStandaloneJobUnlessDerived,
  reopenJob,
  type AssetRecord,
  type CatalogDb,
  type DerivedRecord,
  type JobRecord,
} from '@rendition/catalog';
import { type DeriveJobV1, type JobQueues } from '@rendition/jobs';
import { countDerivativeCache } from '@rendition/metrics';
import { deriveDefinitionFor } from './derive-kind.ts';
import {
  ApiError,
  isImageOutputFormat,
  isVideoOutputFormat,
  nameBasedUuid,
  normalizeFormat,
  videoTooLargeForSync,
  type OutputFormat,
} from '@rendition/protocol';
import {
  assertImagePlan,
  canonicalString,
  applyQualityOverride,
  expandNamed,
  hasExpressions,
  outputSettings,
  parseTransformation,
  resolveExpressions,
  streamingProfileOf,
  videoRecipe,
  type SizeLimits,
  type TransformationPlan,
} from '@rendition/transform';
import { videoRecipeLimits, videoSourceOf, type VideoPlanLimits } from './video-source.ts';
import { derivativeHash, projectWithLayers, resolveLayerAssets } from './layer-dependencies.ts';

export interface DerivativeRequest {
  canonical: string;
  hash: string;
  format: OutputFormat;
  /** f_auto chose the format from Accept: caches must vary on it. */
  variesOnAccept: boolean;
  /**
   * The same versioned URL may deliver other bytes later: a condition on tags, context or metadata
   * (which change without a new version), or a layer showing another asset (which may be overwritten).
   */
  dependsOnMoreThanTheAsset: boolean;
}

/**
 * Turns a URL's transformation text into the one canonical derivative it names, validated and
 * size-checked from the catalog's dimensions, so a refused transformation costs no decode.
 */
export async function planDerivative(
  db: CatalogDb,
  asset: AssetRecord,
  input: { transformation: string; urlFormat: string | undefined; accept: string | undefined; limits: SizeLimits; video: VideoPlanLimits },
): Promise<DerivativeRequest> {
  if (asset.resourceType === 'raw') throw new ApiError(400, 'Transformations of raw assets are not supported');
  // Conditionals, variables and expressions are resolved against this asset first (tags, context,
  // metadata, size): the concrete text is what is parsed, projected, canonicalized and hashed.
  const conditional = hasExpressions(input.transformation);
  const text = conditional ? resolveExpressions(input.transformation, asset) : input.transformation;
  const parsed = text === '' ? { components: [] } : parseTransformation(text);
  const expanded = await expandNamed(parsed, (name) => findNamedTransformation(db, asset.cloudName, name));
  // quality_override (Admin API update) replaces q_auto for this asset, named transformations included.
  const plan: TransformationPlan = applyQualityOverride(expanded, asset.qualityOverride);
  // The overlay assets' current versions are part of the derivative's key (layer-dependencies.ts); a
  // missing overlay is the request's 400 before any job.
  const layerAssets = await resolveLayerAssets(db, asset.cloudName, plan);
  const dependsOnMoreThanTheAsset = conditional || layerAssets.length > 0;
  if (asset.resourceType === 'video') {
    return { ...(await planVideoDerivative(db, asset, plan, input, derivativeHash(plan, layerAssets))), dependsOnMoreThanTheAsset };
  }
  assertImagePlan(plan);
  // A PDF's size is in points: the projection renders its page at the plan's dn_ first. Asset layers
  // count with their stored sizes; text and fetch layers are bounded by the executor.
  if (asset.width !== null && asset.height !== null)
    projectWithLayers(plan, { width: asset.width, height: asset.height, format: asset.format }, input.limits, layerAssets);
  const { format, variesOnAccept } = chooseFormat(outputSettings(plan).format, input.urlFormat, input.accept, asset.format);
  return { canonical: canonicalString(plan), hash: derivativeHash(plan, layerAssets), format, variesOnAccept, dependsOnMoreThanTheAsset };
}

/**
 * A video's derivative: the format is the URL's extension (or `f_`), else the original's; the recipe is
 * built now, from the stored probe, so a refused transformation is a 400 before any job runs. A video
 * above MAX_SYNC_VIDEO_BYTES is not transformed synchronously (Cloudinary's 400, and X-Cld-Error).
 */
async function planVideoDerivative(
  db: CatalogDb,
  asset: AssetRecord,
  plan: TransformationPlan,
  input: { urlFormat: string | undefined; limits: SizeLimits; video: VideoPlanLimits },
  hash: string,
): Promise<DerivativeRequest> {
  const planFormat = outputSettings(plan).format;
  const requested =
    planFormat !== null && planFormat !== 'auto' ? planFormat : input.urlFormat !== undefined ? normalizeFormat(input.urlFormat) : asset.format;
  const format = requested !== null && isVideoOutputFormat(requested) ? requested : undefined;
  if (format === undefined) throw new ApiError(400, `Unsupported delivery format ${input.urlFormat ?? asset.format ?? ''} for a video`);
  const profileName = streamingProfileOf(plan);
  const custom = profileName === undefined ? undefined : await findStreamingProfileRepresentations(db, asset.cloudName, profileName);
  videoRecipe(plan, videoSourceOf(asset), format, {
    limits: videoRecipeLimits(input.limits, input.video),
    streamingProfile: () => custom,
  });
  return { canonical: canonicalString(plan), hash, format, variesOnAccept: false, dependsOnMoreThanTheAsset: false };
}

function chooseFormat(
  planFormat: string | null,
  urlFormat: string | undefined,
  accept: string | undefined,
  originalFormat: string | null,
): { format: OutputFormat; variesOnAccept: boolean } {
  if (planFormat === 'auto') {
    const accepts = accept ?? '';
    if (accepts.includes('image/avif')) return { format: 'avif', variesOnAccept: true };
    if (accepts.includes('image/webp')) return { format: 'webp', variesOnAccept: true };
    return { format: fallbackFormat(urlFormat, originalFormat), variesOnAccept: true };
  }
  if (planFormat !== null) {
    if (!isImageOutputFormat(planFormat)) throw new ApiError(400, `Unsupported delivery format ${planFormat} for an image`);
    return { format: planFormat, variesOnAccept: false };
  }
  if (urlFormat !== undefined) {
    const normalized = normalizeFormat(urlFormat);
    if (!isImageOutputFormat(normalized)) throw new ApiError(400, `Unsupported delivery format ${urlFormat}`);
    return { format: normalized, variesOnAccept: false };
  }
  return { format: fallbackFormat(undefined, originalFormat), variesOnAccept: false };
}

function fallbackFormat(urlFormat: string | undefined, originalFormat: string | null): OutputFormat {
  const candidate = urlFormat !== undefined ? normalizeFormat(urlFormat) : (originalFormat ?? 'jpg');
  return isImageOutputFormat(candidate) ? candidate : 'jpg';
}

/**
 * The stored derivative, computed on first request by a derive job whose id is made from what it
 * derives: concurrent first requests anywhere in the cluster join the same job. The job is recorded
 * in the outbox first (so the relay re-drives it if Redis loses it) and its outcome is waited for
 * like any other job's. An image's first hit sends two statements here: the derivative looked up and,
 * missing, its job recorded (with the state of any job that had its id) in one; and once the job's
 * signal came, the derivative read (the job's row only when there is none: its failure). A video's
 * derivative is looked up on its own first: a large video's is served, never made on a request.
 */
export async function obtainDerivative(
  deps: OutcomeWaitDependencies & { queues: JobQueues; waitTimeoutMs: number; maxSyncVideoBytes: number },
  asset: AssetRecord,
  request: DerivativeRequest,
): Promise<DerivedRecord> {
  const key = { assetId: asset.assetId, versionId: asset.versionId, transformationHash: request.hash, format: request.format };
  if (asset.resourceType === 'video') {
    const existing = await findDerived(deps.db, key);
    // rendition_derivative_cache_total: stored already (hit), or a derive job has to make it (miss).
    countDerivativeCache(existing ? 'hit' : 'miss');
    if (existing) return existing;
    // Made eagerly (eager_async), a large video's derivative is served; it is never made on a request.
    if (asset.bytes > deps.maxSyncVideoBytes) throw videoTooLargeForSync();
  }
  const jobId = derivativeJobId(asset.versionId, request.hash, request.format);
  const payload: DeriveJobV1 = {
    v: 1,
    cloudName: asset.cloudName,
    assetId: asset.assetId,
    versionId: asset.versionId,
    transformation: request.canonical,
    format: request.format,
  };
  type Outcome = { derived: DerivedRecord } | { job: JobRecord };
  // After the job's signal (or the wait's safety re-read): the derivative, else the job's row for its
  // failure. The two reads are no one snapshot: a job that completed between them had recorded its
  // derivative before or with its end, so then the derivative is read once more.
  const read = async (): Promise<Outcome | undefined> => {
    const derived = await findDerived(deps.db, key);
    if (derived) return { derived };
    const job = await findJob(deps.db, jobId);
    if (!job || (job.status !== 'completed' && job.status !== 'failed')) return undefined;
    const recordedSince = job.status === 'completed' ? await findDerived(deps.db, key) : undefined;
    return recordedSince ? { derived: recordedSince } : { job };
  };
  // Listening for the job's signal already: record (or join) the job and queue it; an image's stored
  // derivative is found by the same statement. 'refused' when an earlier run refused the input: bad
  // input fails the same way every time, so it is not run again; any other ending without a stored
  // derivative (our own failure, a derivative deleted since) is.
  const recordAndQueue = async (): Promise<{ derived: DerivedRecord } | 'refused' | 'queued'> => {
    const definition = deriveDefinitionFor(asset);
    const job = { id: jobId, queue: definition.queue, kind: definition.kind, payload };
    const earlier =
      asset.resourceType === 'video'
        ? await recordStandaloneJob(deps.db, asset.cloudName, job)
        : await recordStandaloneJobUnlessDerived(deps.db, asset.cloudName, job, key);
    if ('derived' in earlier) {
      countDerivativeCache('hit');
      return earlier;
    }
    if (asset.resourceType !== 'video') countDerivativeCache('miss');
    if (!earlier.inserted && earlier.status === 'failed' && (earlier.error?.status ?? 500) < 500) return 'refused';
    if (!earlier.inserted && (earlier.status === 'completed' || earlier.status === 'failed')) await reopenJob(deps.db, jobId);
    // A job row just inserted was never queued (standalone job rows are never deleted, so no earlier job had
    // its id): it is queued without asking Redis first. A joined or reopened one may be queued already.
    if (earlier.inserted || !(await deps.queues.isQueued(definition.queue, jobId))) await deps.queues.enqueue(definition.kind, payload, jobId);
    return 'queued';
  };
  const start = async (): Promise<Outcome | undefined> => {
    const started = await recordAndQueue().catch((cause: unknown) => {
      throw new ApiError(503, 'Service unavailable: the job queue cannot be reached, try again shortly', { cause, expose: true });
    });
    if (started === 'refused') return read();
    return started === 'queued' ? undefined : started;
  };
  const outcome = await deps.outcomes.waitFor(`job:${jobId}`, read, deps.waitTimeoutMs, start);
  if (outcome && 'derived' in outcome) return outcome.derived;
  if (!outcome) throw new ApiError(500, 'The derivative is still being generated; try again shortly', { expose: true });
  const { job } = outcome;
  if (job.status === 'failed') {
    const status = job.error?.status ?? 500;
    // Our own failures stay ours: the client learns that it failed, not why.
    if (status >= 500) throw new ApiError(500, 'Could not generate the derivative; try again shortly', { expose: true });
    throw new ApiError(400, `Could not generate the derivative: ${job.error?.message ?? 'unknown error'}`);
  }
  throw new ApiError(500, 'The derivative was not recorded', { expose: true });
}

/** A UUID made from what the job derives (its version, canonical hash and format). */
export function derivativeJobId(versionId: string, transformationHash: string, format: string): string {
  return nameBasedUuid(`derive:${versionId}:${transformationHash}:${format}`);
}

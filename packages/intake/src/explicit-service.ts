import { randomBytes } from 'node:crypto';
import { resolveCloudMetadata } from '@rendition/assets';
import { finishJob, recordFinishedWork, waitForBatch } from '@rendition/batches';
import {
  changeModeration,
  createBatchWithJobs,
  findAsset,
  updateAssetMetadata,
  type ApiCredentials,
  type AssetRecord,
  type CatalogDb,
  type OutcomeWaiter,
} from '@rendition/catalog';
import { eagerDeriveJobs, eagerPlaceholder, resolveEagerSpecs } from '@rendition/derivations';
import { newAnalyzeJob, newConvertJob, newModerateJob, QueueUnavailableError, type JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { AddressPolicy } from '@rendition/net';
import {
  ApiError,
  buildAsyncPendingResponse,
  buildUploadResponse,
  inapplicableModeration,
  initialModerationEntries,
  isAutomaticModeration,
  isSynchronousRawConvert,
  overallModerationStatus,
  parseContext,
  parseModeration,
  parseRawConvert,
  withRawConvertEntry,
  parseDeliveryType,
  parseTags,
  anyAnalysis,
  readAnalysisOptions,
  readBoolean,
  readCoordinates,
  readString,
  videoTooLargeForSync,
  type ParameterLimits,
  type RawParams,
  type ModerationStep,
  type ResourceType,
} from '@rendition/protocol';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { resolveResponsiveBreakpoints } from './intake-service.ts';

export interface ExplicitDependencies {
  db: CatalogDb;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  addressPolicy: AddressPolicy;
  publicBaseUrl: string;
  secureBaseUrl: string;
  /** `parameters`: bounds of tags, context, metadata values and eager lists; the output size limits project eager items. */
  limits: {
    syncUploadTimeoutMs: number;
    maxOutputDimension: number;
    maxOutputPixels: number;
    parameters: ParameterLimits;
    /** MAX_SYNC_VIDEO_BYTES: a larger video's eager items must be eager_async. */
    video: { maxSyncBytes: number };
  };
}

/**
 * `explicit`: applies tags, context and eager derivations to an asset that exists. Its eager jobs
 * form a batch like an upload's, so they are as durable and are notified the same way.
 */
export async function applyExplicit(
  deps: ExplicitDependencies,
  input: { cloudName: string; credentials: ApiCredentials; resourceType: ResourceType; params: RawParams },
): Promise<Record<string, unknown>> {
  const { params } = input;
  const publicId = readString(params, 'public_id');
  if (!publicId) throw new ApiError(400, 'Missing required parameter - public_id');
  const type = parseDeliveryType(readString(params, 'type') ?? 'upload');
  const found = await findAsset(deps.db, { cloudName: input.cloudName, resourceType: input.resourceType, type, publicId });
  if (!found) throw new ApiError(404, `Resource not found - ${publicId}`);

  const eagerAsync = readBoolean(params, 'eager_async', false);
  // async=true: answered `pending` with its batch_id at once; the result arrives as a notification.
  const asyncRequest = readBoolean(params, 'async', false);
  const notificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'notification_url'));
  const eagerNotificationUrl = checkedNotificationUrl(deps.addressPolicy, readString(params, 'eager_notification_url'), 'eager_notification_url');
  // The asset's dimensions are known: the eager list is bounded by its length and its projected output pixels.
  const limits = deps.limits.parameters;
  // A video's items are checked by its derive job, which knows the recipe's own limits (docs/video.md).
  const dimensions =
    found.resourceType === 'image' && found.width !== null && found.height !== null
      ? { width: found.width, height: found.height, format: found.format }
      : undefined;
  const projection = dimensions && {
    input: dimensions,
    sizeLimits: { maxDimension: deps.limits.maxOutputDimension, maxPixels: deps.limits.maxOutputPixels },
  };
  const specs = await resolveEagerSpecs(deps.db, input.cloudName, readString(params, 'eager'), limits, projection, found.resourceType);
  if (specs.length > 0 && found.resourceType === 'raw')
    throw new ApiError(400, `Eager transformations of ${found.resourceType} assets are not supported yet`);
  if (specs.length > 0 && found.resourceType === 'video' && !eagerAsync && found.bytes > deps.limits.video.maxSyncBytes) throw videoTooLargeForSync();
  const rawConvert = readString(params, 'raw_convert');
  const conversion = rawConvert === undefined ? null : parseRawConvert(rawConvert);
  // Regions replace the asset's as sent (an empty value clears them); only an upload bounds them by the image.
  const faceCoordinates = readCoordinates(params, 'face_coordinates', limits.coordinatesMaxRegions);
  const customCoordinates = readCoordinates(params, 'custom_coordinates', limits.coordinatesMaxRegions);
  // Analyses of a stored asset need its original decoded again: a worker's analyze job (docs/analysis.md).
  const analysis = readAnalysisOptions(params);
  const analyses = anyAnalysis(analysis) && found.resourceType !== 'raw';
  // Breakpoints of a stored original are computed by the same analyze job, and answered with the call.
  const breakpoints = await resolveResponsiveBreakpoints(deps.db, input.cloudName, readString(params, 'responsive_breakpoints'), {
    resourceType: found.resourceType,
    asset: { format: found.format, width: found.width },
    ...(projection ? { projection } : {}),
  });
  const analyzes = analyses || breakpoints.length > 0;
  // `moderation` starts a new chain on the asset (Cloudinary re-moderates with explicit): its automatic
  // first entry runs as a moderate job of this call's batch.
  const moderationText = readString(params, 'moderation');
  const steps = moderationText === undefined ? undefined : parseModeration(moderationText);
  const inapplicable = steps && inapplicableModeration(steps, found.resourceType);
  if (inapplicable !== undefined) throw new ApiError(400, inapplicable);
  const moderates = steps !== undefined && isAutomaticModeration(steps[0]!.kind);
  // Eager work, conversions, analyses and moderation need the job queue: without it the request is refused (503) before anything changes.
  if (specs.length > 0 || conversion || analyzes || moderates) deps.queues.assertAvailable();

  // Structured metadata merges: the fields given change, an empty value clears one.
  const metadata =
    params.metadata === undefined
      ? undefined
      : await resolveCloudMetadata(deps.db, input.cloudName, parseContext(readString(params, 'metadata') ?? ''), {
          mode: 'update',
          clearInvalid: readBoolean(params, 'clear_invalid', false),
          maxValueLength: limits.metadataMaxValueLength,
        });
  const updated =
    params.tags !== undefined ||
    params.context !== undefined ||
    metadata !== undefined ||
    faceCoordinates !== undefined ||
    customCoordinates !== undefined
      ? await updateAssetMetadata(deps.db, found.assetId, {
          ...(params.tags !== undefined ? { tags: parseTags(params, 'tags', limits) } : {}),
          ...(params.context !== undefined ? { context: parseContext(readString(params, 'context') ?? '', limits) } : {}),
          ...(metadata !== undefined ? { metadata } : {}),
          ...(faceCoordinates !== undefined ? { faceCoordinates } : {}),
          ...(customCoordinates !== undefined ? { customCoordinates } : {}),
        })
      : found;
  const asset = steps === undefined ? updated : await restartModeration(deps, updated, steps, notificationUrl);
  // The conversion's entry is pending until its job ends (its place in `info` kept beside other results).
  const info = conversion ? { info: withRawConvertEntry(asset.info, conversion, { status: 'pending' }) } : {};
  const response = buildUploadResponse(
    { ...asset, ...info },
    {
      apiKey: input.credentials.apiKey,
      apiSecret: input.credentials.apiSecret,
      publicBaseUrl: deps.publicBaseUrl,
      secureBaseUrl: deps.secureBaseUrl,
      cloudName: input.cloudName,
    },
  );
  if (asset.moderation) response.moderation = asset.moderation;
  // Rendition detects no faces: the regions are those given to this asset.
  if (readBoolean(params, 'faces', false)) response.faces = asset.faceCoordinates ?? [];
  const pending = (batchId: string) =>
    buildAsyncPendingResponse({ publicId: asset.publicId, type: asset.type, resourceType: asset.resourceType, batchId });
  if (specs.length === 0 && !conversion && !analyzes && !moderates) {
    if (!asyncRequest) return response;
    return pending(
      await recordFinishedWork(deps, {
        cloudName: input.cloudName,
        apiKey: input.credentials.apiKey,
        kind: 'explicit',
        result: response,
        notificationUrl,
      }),
    );
  }

  const batchId = randomBytes(32).toString('hex');
  const jobs = [
    ...eagerDeriveJobs(asset, specs, batchId),
    ...(conversion ? [newConvertJob({ batchId, cloudName: input.cloudName, apiKey: input.credentials.apiKey, asset, conversion })] : []),
    ...(analyzes
      ? [
          newAnalyzeJob({
            batchId,
            cloudName: input.cloudName,
            asset,
            analysis,
            responsiveBreakpoints: breakpoints.length > 0 ? { apiKey: input.credentials.apiKey, settings: breakpoints } : null,
          }),
        ]
      : []),
    ...(moderates
      ? [newModerateJob({ batchId, cloudName: input.cloudName, apiKey: input.credentials.apiKey, asset, moderation: moderationText! })]
      : []),
  ];
  await createBatchWithJobs(
    deps.db,
    {
      batchId,
      cloudName: input.cloudName,
      apiKey: input.credentials.apiKey,
      kind: 'explicit',
      notificationUrls: notificationUrl ? [notificationUrl] : [],
      // Its completion notifies the eager list; without eager items, the result (with the conversion's info).
      eagerAsync: specs.length > 0,
      eagerNotificationUrls: eagerNotificationUrl ? [eagerNotificationUrl] : [],
      result: response,
    },
    jobs,
  );
  // Recorded first; if Redis refuses now, the relay queues them later.
  const queued = await Promise.allSettled(jobs.map((job) => deps.queues.enqueue(job.kind as never, job.payload as never, job.id)));
  if (asyncRequest) return pending(batchId);
  // The answer waits for synchronous eager items and a synchronous conversion (extract_text).
  // Analyses (and breakpoints) are answered synchronously, as Cloudinary's are.
  const waits = (specs.length > 0 && !eagerAsync) || (conversion !== null && isSynchronousRawConvert(conversion)) || analyzes || moderates;
  if (!waits) {
    if (specs.length === 0) return response;
    const bases = { publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl };
    return { ...response, eager: specs.map((spec) => eagerPlaceholder(asset, spec, batchId, bases)) };
  }
  const refused = queued.find((result) => result.status === 'rejected');
  if (refused) {
    // A synchronous call would wait for jobs that may not run before Redis is back: as a synchronous
    // upload does, its batch fails now with the 503 it answers (a job a worker still runs just stores its derivative).
    const error = refused.reason instanceof QueueUnavailableError ? refused.reason : new QueueUnavailableError({ cause: refused.reason });
    for (const job of jobs) {
      await finishJob(deps, { jobId: job.id, outcome: { kind: 'failed', error: { status: error.status, message: error.message } } });
    }
    throw error;
  }
  return waitForBatch(deps, input.cloudName, batchId, deps.limits.syncUploadTimeoutMs);
}

/** A new moderation chain on the asset's current version (its first entry pending, the rest queued). */
async function restartModeration(
  deps: ExplicitDependencies,
  asset: AssetRecord,
  steps: ModerationStep[],
  notificationUrl: string | undefined,
): Promise<AssetRecord> {
  const entries = initialModerationEntries(steps);
  const change = await changeModeration(deps.db, { assetId: asset.assetId, versionId: asset.versionId }, () => ({
    entries,
    status: overallModerationStatus(entries),
    notificationUrl: notificationUrl ?? null,
  }));
  if (!change) throw new ApiError(409, `Resource ${asset.publicId} changed while it was being moderated; try again`);
  return change.asset;
}

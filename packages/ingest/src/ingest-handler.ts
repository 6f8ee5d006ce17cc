import { issueDeleteToken, resolveCloudMetadata } from '@rendition/assets';
import { finishJob, type BatchJobDependencies } from '@rendition/batches';
import { findApiKey, updateAssetMetadata } from '@rendition/catalog';
import { eagerDeriveJobs, eagerItem, eagerPlaceholder, type UrlBases } from '@rendition/derivations';
import { newConvertJob, newModerateJob, RejectedJobError, type IngestJobV1, type JobHandler } from '@rendition/jobs';
import {
  ApiError,
  buildUploadResponse,
  isSynchronousRawConvert,
  nextAutomaticEntry,
  withRawConvertEntry,
  type ModerationEntry,
} from '@rendition/protocol';
import { runOnSuccessScript, ScriptError } from '@rendition/scripting';
import { toClientError } from './client-error.ts';
import { ingest, type IngestDependencies, type IngestOutcome } from './ingest-service.ts';
import { responsiveBreakpointsField } from './responsive-breakpoints.ts';

export type IngestJobDependencies = IngestDependencies & BatchJobDependencies & UrlBases;

/** What an ingest job records as its result: the exact body of the upload response. */
export interface IngestJobResult {
  response: Record<string, unknown>;
}

/** The `ingest` job. Bad input ends it after its client-facing error is recorded; anything else is retried. */
export function createIngestHandler(deps: IngestJobDependencies): JobHandler<'ingest'> {
  return {
    // The job is marked active by the ingest's first statement (startIngest).
    handle: (payload) => runIngestJob(deps, payload, { markActive: true, deferNewAsset: true }),
    onExhausted: (payload, error) => recordExhaustedIngestJob(deps, payload, error),
  };
}

/**
 * The whole ingest job: store the upload, build the response Cloudinary would give (signed with
 * the requesting key) and finish the job within its batch, which queues the notifications.
 */
export async function runIngestJob(
  deps: IngestJobDependencies,
  queued: IngestJobV1,
  options: { markActive?: boolean; deferNewAsset?: boolean } = {},
): Promise<IngestJobResult> {
  let outcome;
  let job = queued;
  try {
    outcome = await ingest(deps, queued, options);
    // Eval may have changed the upload's tags, eager list and analyses: the rest follows the job it left.
    job = outcome.job ?? queued;
  } catch (error) {
    const sourceDescription = job.source.kind === 'remote' ? job.source.url : 'file';
    const clientError = toClientError(error, { sourceDescription });
    if (!clientError) throw error;
    // Cleaned up before the outcome is recorded: a synchronous request answers as soon as it is.
    if (job.source.kind === 'staged') await deps.store.delete(job.source.key);
    await finishJob(deps, { jobId: job.jobId, outcome: { kind: 'failed', error: { status: clientError.status, message: clientError.message } } });
    throw new RejectedJobError(clientError.message, { status: clientError.status, cause: error });
  }
  return completeIngestJob(deps, job, outcome);
}

/** The response of a stored upload and the job's end with it (with its new asset, when that is still to be recorded). */
async function completeIngestJob(deps: IngestJobDependencies, job: IngestJobV1, outcome: IngestOutcome): Promise<IngestJobResult> {
  const credentials = await findApiKey(deps.db, job.apiKey);
  if (!credentials) {
    // The key was deleted since intake: nothing may sign the response, and the batch must still end.
    if (outcome.deferred) await outcome.deferred.commit();
    const message = `Unknown API key ${job.apiKey}`;
    await finishJob(deps, { jobId: job.jobId, outcome: { kind: 'failed', error: { status: 401, message } } });
    throw new RejectedJobError(message, { status: 401 });
  }
  // raw_convert runs as a job of this batch once the original is stored; until then its info is pending.
  const conversion = job.rawConvert !== null && !outcome.existing ? job.rawConvert : null;
  const pendingInfo = conversion ? { info: withRawConvertEntry(outcome.asset.info, conversion, { status: 'pending' }) } : {};
  const response = buildUploadResponse(
    { ...outcome.asset, ...pendingInfo },
    {
      apiKey: credentials.apiKey,
      apiSecret: credentials.apiSecret,
      publicBaseUrl: deps.publicBaseUrl,
      secureBaseUrl: deps.secureBaseUrl,
      cloudName: job.cloudName,
      existing: outcome.existing,
      ...(outcome.overwritten ? { overwritten: true } : {}),
    },
  );
  Object.assign(response, outcome.analysis ?? {});
  // Rendition detects no faces: the regions are those the upload (or an earlier call) gave.
  if (job.faces) response.faces = outcome.asset.faceCoordinates ?? [];
  if (outcome.responsiveBreakpoints) {
    response.responsive_breakpoints = responsiveBreakpointsField(outcome.asset, outcome.responsiveBreakpoints, {
      apiSecret: credentials.apiSecret,
      publicBaseUrl: deps.publicBaseUrl,
      secureBaseUrl: deps.secureBaseUrl,
      cloudName: job.cloudName,
    });
  }
  // The chain as it starts; an automatic first entry is decided by the batch's moderate job.
  if (job.accessControl && !outcome.existing && outcome.asset.accessControl) response.access_control = outcome.asset.accessControl;
  const moderation = job.moderation !== null && !outcome.existing ? outcome.asset.moderation : null;
  if (moderation) response.moderation = moderation;
  // An upload that found the asset already there (overwrite=false) created nothing it may delete.
  if (job.returnDeleteToken && !outcome.existing) {
    response.delete_token = await issueDeleteToken(deps.db, {
      cloudName: job.cloudName,
      assetId: outcome.asset.assetId,
      apiSecret: credentials.apiSecret,
      jobId: job.jobId,
    });
  }
  const eager = outcome.asset.resourceType !== 'raw' && !outcome.existing ? job.eager : [];
  const first = eager[0];
  const firstItem = first && outcome.firstEager ? eagerItem(outcome.asset, first, outcome.firstEager, deps) : undefined;
  const followUps = [
    ...eagerDeriveJobs(outcome.asset, eager, job.batchId, { skipFirst: firstItem !== undefined }),
    ...(conversion ? [newConvertJob({ batchId: job.batchId, cloudName: job.cloudName, apiKey: job.apiKey, asset: outcome.asset, conversion })] : []),
    ...(moderation && job.moderation && nextAutomaticEntry(moderation as ModerationEntry[]) !== undefined
      ? [newModerateJob({ batchId: job.batchId, cloudName: job.cloudName, apiKey: job.apiKey, asset: outcome.asset, moderation: job.moderation.text })]
      : []),
  ];
  if (job.eagerAsync && eager.length > 0) {
    response.eager = eager.map((spec) => eagerPlaceholder(outcome.asset, spec, job.batchId, deps));
  }
  if (job.onSuccess !== null && !outcome.existing) {
    response.hook_execution = await runOnSuccess(deps, job.onSuccess, outcome.asset, response);
  }
  // Notified now, before the batch ends: an eager_async upload, and one whose conversion is asynchronous (aspose).
  const notifyNow = (job.eagerAsync && eager.length > 0) || (conversion !== null && !isSynchronousRawConvert(conversion));
  const result: IngestJobResult = { response };
  const finished = await finishJob(deps, {
    jobId: job.jobId,
    outcome: { kind: 'completed', result: { ...result } },
    resultChange: { kind: 'upload-stored', response, keepEager: !job.eagerAsync, ...(firstItem ? { firstEagerItem: firstItem } : {}) },
    followUps,
    ...(notifyNow ? { notifyUploadNow: response } : {}),
    ...(outcome.seenBatch ? { seenBatch: outcome.seenBatch } : {}),
    ...(outcome.deferred ? { newAsset: { asset: outcome.deferred.asset, backup: outcome.deferred.backup } } : {}),
  });
  if (outcome.deferred && finished.assetRecorded === false) {
    // That one statement wrote nothing (the public_id was taken meanwhile, or the batch changed): the
    // asset is recorded the usual way, and the job ends after it with the response that outcome makes.
    const recorded = await outcome.deferred.commit();
    const { deferred: _recorded, ...rest } = outcome;
    return completeIngestJob(deps, job, { ...rest, ...recorded });
  }
  return result;
}

/**
 * `on_success` (wave 2 §6.2): runs once the asset is stored, with the response as `e.upload_info`;
 * `current_asset.update({tags, context, metadata})` replaces them (the response keeps the values it
 * was built with, as Cloudinary's does). Its outcome is the response's `hook_execution`; a failing
 * script never fails the upload.
 */
async function runOnSuccess(
  deps: IngestJobDependencies,
  script: string,
  asset: { assetId: string; cloudName: string },
  response: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  try {
    const { update } = await runOnSuccessScript(script, { uploadInfo: response, status: 'success' }, deps.scriptLimits);
    if (update) {
      const metadata =
        update.metadata === undefined
          ? undefined
          : await resolveCloudMetadata(deps.db, asset.cloudName, stringValues(update.metadata), {
              mode: 'update',
              clearInvalid: false,
              maxValueLength: 1024,
            });
      await updateAssetMetadata(deps.db, asset.assetId, {
        ...(update.tags !== undefined ? { tags: update.tags } : {}),
        ...(update.context !== undefined ? { context: update.context } : {}),
        ...(metadata !== undefined ? { metadata } : {}),
      });
    }
    return { status: 'success' };
  } catch (error) {
    if (error instanceof ScriptError || error instanceof ApiError) return { status: 'failure', error: error.message };
    throw error;
  }
}

const stringValues = (values: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [key, Array.isArray(value) ? JSON.stringify(value) : String(value)]));

/** After the last attempt of a job that kept failing for an internal reason. */
export async function recordExhaustedIngestJob(deps: IngestJobDependencies, job: IngestJobV1, error: Error): Promise<void> {
  if (job.source.kind === 'staged') await deps.store.delete(job.source.key);
  await finishJob(deps, {
    jobId: job.jobId,
    outcome: { kind: 'failed', error: { status: 500, message: `Internal error while processing the upload: ${error.message}` } },
  });
}

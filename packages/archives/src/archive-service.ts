import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { finishJob, waitForJob } from '@rendition/batches';
import {
  cloudNotificationUrls,
  createBatchWithJobs,
  type ApiCredentials,
  type AssetRecord,
  type CatalogDb,
  type OutcomeWaiter,
} from '@rendition/catalog';
import { archiveJob, QueueUnavailableError, type ArchiveJobV1, type JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import type { AddressPolicy } from '@rendition/net';
import { ApiError, buildAsyncPendingResponse, randomPublicId, type ParameterLimits, type RawParams } from '@rendition/protocol';
import { BlobNotFoundError, stagingKey, type BlobStore } from '@rendition/storage';
import { checkedNotificationUrl } from '@rendition/webhooks';
import { archiveLimits, type ArchiveLimits } from './archive-limits.ts';
import { parseArchiveRequest, type ArchiveRequest } from './archive-request.ts';
import { filesOf, resolveArchiveTransformations } from './archive-transformations.ts';
import { selectArchiveAssets } from './asset-selection.ts';
import { ARCHIVE_CONTENT_TYPES } from './archive-writer.ts';

export interface ArchiveServiceDependencies {
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  addressPolicy: AddressPolicy;
  limits: {
    parameters: ParameterLimits;
    /** The archive bounds; DEFAULT_ARCHIVE_LIMITS for what is absent. */
    archive?: Partial<ArchiveLimits>;
    /** MAX_OUTPUT_DIMENSION and MAX_OUTPUT_PIXELS: the projected size of each image's derivatives. */
    maxOutputDimension?: number;
    maxOutputPixels?: number;
    /** MAX_SYNC_VIDEO_BYTES: a larger video is not transformed for an archive. */
    video?: { maxSyncBytes: number };
  };
}

/** What generate_archive answers: JSON (create), or the archive itself (download). */
export type ArchiveOutcome =
  | { kind: 'json'; body: Record<string, unknown> }
  | {
      kind: 'file';
      body: Readable;
      bytes: number;
      /** The archive's name for Content-Disposition. */
      filename: string;
      contentType: string;
      /** Deletes the staged archive: call once the answer is over, however it ended. */
      discard(): Promise<void>;
    };

// The configuration's defaults (packages/config), for callers that do not pass them.
const DEFAULT_MAX_OUTPUT_DIMENSION = 10_000;
const DEFAULT_MAX_OUTPUT_PIXELS = 50_000_000;
const DEFAULT_MAX_SYNC_VIDEO_BYTES = 104_857_600;

/**
 * generate_archive, after authentication: the request is typed, its assets selected and its
 * transformations checked against them (every refusal a 4xx before anything is recorded), then one
 * archive job is recorded in a batch of its own and queued. A download waits for the job and answers
 * the staged archive; a create waits for the stored raw asset, or with `async` answers at once and
 * notifies when it is done.
 */
export async function generateArchive(
  deps: ArchiveServiceDependencies,
  input: { cloudName: string; credentials: ApiCredentials; pathResourceType: string; params: RawParams; nowSeconds: number },
): Promise<ArchiveOutcome> {
  const limits = archiveLimits(deps.limits.archive);
  const request = parseArchiveRequest(input.params, input.pathResourceType, {
    tags: deps.limits.parameters,
    maxResources: limits.maxResources,
    maxSelectors: limits.maxSelectors,
  });
  if (request.mode === 'download' && request.expiresAt !== undefined && request.expiresAt < input.nowSeconds) {
    throw new ApiError(401, `This download link expired at ${new Date(request.expiresAt * 1000).toISOString()}`);
  }
  const notificationUrl = request.mode === 'create' ? checkedNotificationUrl(deps.addressPolicy, request.notificationUrl) : undefined;
  const assets = await selectArchiveAssets(deps.db, input.cloudName, request, limits.maxResources);
  const maxSyncVideoBytes = deps.limits.video?.maxSyncBytes ?? DEFAULT_MAX_SYNC_VIDEO_BYTES;
  const specs = await resolveArchiveTransformations(
    deps.db,
    input.cloudName,
    { text: request.transformations, resourceTypes: request.resourceTypes, assets },
    {
      parameters: deps.limits.parameters,
      size: {
        maxDimension: deps.limits.maxOutputDimension ?? DEFAULT_MAX_OUTPUT_DIMENSION,
        maxPixels: deps.limits.maxOutputPixels ?? DEFAULT_MAX_OUTPUT_PIXELS,
      },
      maxSyncVideoBytes,
    },
  );
  checkSize(assets, specs.length, limits);
  // Everything below needs the queue: without Redis the request is refused before anything is recorded.
  deps.queues.assertAvailable();

  const jobId = randomUUID();
  const batchId = randomBytes(32).toString('hex');
  const publicId = request.targetPublicId ?? `${randomPublicId()}.${request.targetFormat}`;
  const uploadId = randomUUID();
  const payload: ArchiveJobV1 = {
    v: 1,
    jobId,
    batchId,
    cloudName: input.cloudName,
    apiKey: input.credentials.apiKey,
    request: {
      targetFormat: request.targetFormat,
      assets: assets.map((asset) => ({ assetId: asset.assetId, versionId: asset.versionId, publicId: asset.publicId })),
      transformations: specs.map((spec) => ({ requested: spec.requested, transformation: spec.transformation, format: spec.format })),
      naming: request.naming,
      allowMissing: request.allowMissing,
      keepDerived: request.keepDerived,
      limits: { maxFiles: limits.maxFiles, maxBytes: limits.maxBytes, deriveWaitMs: limits.deriveWaitMs, maxSyncVideoBytes },
      target:
        request.mode === 'create'
          ? { kind: 'asset', publicId, tags: request.targetTags, assetFolder: request.targetAssetFolder, newAssetId: randomBytes(16).toString('hex') }
          : { kind: 'download', uploadId },
    },
  };
  const notificationUrls =
    request.mode === 'create' ? [...(notificationUrl ? [notificationUrl] : []), ...(await cloudNotificationUrls(deps.db, input.cloudName))] : [];
  await createBatchWithJobs(deps.db, { batchId, cloudName: input.cloudName, apiKey: input.credentials.apiKey, kind: 'archive', notificationUrls }, [
    { id: jobId, queue: archiveJob.queue, kind: archiveJob.kind, payload },
  ]);
  const answersNow = request.mode === 'create' && request.async;
  try {
    await deps.queues.enqueue('archive', payload, jobId);
  } catch (cause) {
    // An async archive is safe in the outbox: the relay queues it once Redis is back.
    if (!answersNow) {
      const error = cause instanceof QueueUnavailableError ? cause : new QueueUnavailableError({ cause });
      await finishJob(deps, { jobId, outcome: { kind: 'failed', error: { status: error.status, message: error.message } } });
      throw error;
    }
  }
  if (answersNow) return { kind: 'json', body: buildAsyncPendingResponse({ publicId, type: 'upload', resourceType: 'raw', batchId }) };

  const result = await waitForArchive(deps, jobId, batchId, limits.waitTimeoutMs);
  if (request.mode === 'create') return { kind: 'json', body: result };
  return openDownload(deps, request, { key: stagingKey(uploadId), bytes: Number(result.bytes), filename: publicId.split('/').pop() ?? publicId });
}

/** The counts known before the job: files, and the originals' bytes when they go in as they are. */
function checkSize(assets: readonly Pick<AssetRecord, 'resourceType' | 'bytes'>[], transformationCount: number, limits: ArchiveLimits): void {
  const files = assets.reduce((sum, asset) => sum + filesOf(asset, transformationCount), 0);
  if (files > limits.maxFiles) {
    throw new ApiError(400, `Too many files: an archive holds at most ${limits.maxFiles} files, this one would hold ${files}`);
  }
  // Derivatives' sizes are known only once they are made: the job checks those.
  const originals = assets.reduce((sum, asset) => sum + (asset.resourceType === 'raw' || transformationCount === 0 ? asset.bytes : 0), 0);
  if (originals > limits.maxBytes) {
    throw new ApiError(400, `Archive too large: its files hold ${originals} bytes, at most ${limits.maxBytes} are allowed`);
  }
}

async function waitForArchive(
  deps: Pick<ArchiveServiceDependencies, 'db' | 'outcomes'>,
  jobId: string,
  batchId: string,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const record = await waitForJob(deps, jobId, timeoutMs);
  if (!record) {
    throw new ApiError(500, `The archive is still being built after ${timeoutMs} ms (batch ${batchId}); try again later`, { expose: true });
  }
  if (record.status === 'failed' || !record.result) {
    const status = record.error?.status ?? 500;
    // Our own failures stay ours: the client learns that it failed, not why.
    if (status >= 500) throw new ApiError(500, `Could not build the archive (batch ${batchId}); try again shortly`, { expose: true });
    throw new ApiError(status, record.error?.message ?? 'Could not build the archive');
  }
  return record.result;
}

async function openDownload(
  deps: Pick<ArchiveServiceDependencies, 'store' | 'logger'>,
  request: ArchiveRequest,
  archive: { key: string; bytes: number; filename: string },
): Promise<ArchiveOutcome> {
  let discarded: Promise<void> | undefined;
  const discard = () =>
    (discarded ??= deps.store.delete(archive.key).catch((error: unknown) => {
      // The workers' staging sweep removes it later.
      deps.logger.warn({ err: error, key: archive.key }, 'could not delete a downloaded archive');
    }));
  let body: Readable;
  try {
    body = await deps.store.get(archive.key);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw new ApiError(500, 'The archive was built but is gone; try again', { cause: error, expose: true });
    throw error;
  }
  return { kind: 'file', body, bytes: archive.bytes, filename: archive.filename, contentType: ARCHIVE_CONTENT_TYPES[request.targetFormat], discard };
}

import { issueDeleteToken } from '@rendition/assets';
import { findApiKey } from '@rendition/catalog';
import { randomUUID } from 'node:crypto';
import { finishBatchJob, uploadNotifications, type BatchJobDependencies } from '@rendition/batches';
import { eagerFormat, eagerItem, eagerPlaceholder, withEagerItem } from '@rendition/derivations';
import type { DeriveJobV1, IngestJobV1 } from '@rendition/jobs';
import { ApiError, buildUploadResponse } from '@rendition/protocol';
import { toAssetView } from './asset-view.ts';
import { toClientError } from './ingest-errors.ts';
import { ingest, type IngestDependencies } from './ingest-service.ts';

export interface IngestJobDependencies extends IngestDependencies, BatchJobDependencies {
  publicBaseUrl: string;
  secureBaseUrl: string;
}

/** What an ingest job returns through BullMQ: the exact body of the upload response. */
export interface IngestJobResult {
  response: Record<string, unknown>;
}

/** Thrown for bad input: the job must end now, its client-facing error already recorded. */
export class RejectedUploadError extends Error {
  readonly status: number;
  constructor(error: ApiError) {
    super(error.message, { cause: error });
    this.name = 'RejectedUploadError';
    this.status = error.status;
  }
}

/**
 * The whole ingest job: store the upload, build the response Cloudinary would give (signed with
 * the requesting key) and finish the job within its batch, which queues the notifications.
 */
export async function runIngestJob(deps: IngestJobDependencies, job: IngestJobV1): Promise<IngestJobResult> {
  let outcome;
  try {
    outcome = await ingest(deps, job);
  } catch (error) {
    const sourceDescription = job.source.kind === 'remote' ? job.source.url : 'file';
    const clientError = toClientError(error, { sourceDescription });
    if (!clientError) throw error;
    await finishBatchJob(deps, { jobId: job.jobId, outcome: { kind: 'failed', error: { status: clientError.status, message: clientError.message } } });
    if (job.source.kind === 'staged') await deps.store.delete(job.source.key);
    throw new RejectedUploadError(clientError);
  }
  const credentials = await findApiKey(deps.db, job.apiKey);
  if (!credentials) throw new RejectedUploadError(new ApiError(401, `Unknown API key ${job.apiKey}`));
  const response = buildUploadResponse(toAssetView(outcome.asset), {
    apiKey: credentials.apiKey,
    apiSecret: credentials.apiSecret,
    publicBaseUrl: deps.publicBaseUrl,
    secureBaseUrl: deps.secureBaseUrl,
    cloudName: job.cloudName,
    existing: outcome.existing,
  });
  // An upload that found the asset already there (overwrite=false) created nothing it may delete.
  if (job.returnDeleteToken && !outcome.existing) {
    response.delete_token = await issueDeleteToken(deps.db, { cloudName: job.cloudName, assetId: outcome.asset.assetId, apiSecret: credentials.apiSecret, jobId: job.jobId });
  }
  const eager = outcome.asset.resourceType === 'image' && !outcome.existing ? job.eager : [];
  const bases = { publicBaseUrl: deps.publicBaseUrl, secureBaseUrl: deps.secureBaseUrl };
  const first = eager[0];
  const firstItem = first && outcome.firstEager ? eagerItem(outcome.asset, first, outcome.firstEager, bases) : null;
  const followUps = eager.flatMap((spec, index) => {
    if (index === 0 && firstItem) return [];
    const id = randomUUID();
    const payload: DeriveJobV1 = {
      v: 1,
      cloudName: job.cloudName,
      assetId: outcome.asset.assetId,
      versionId: outcome.asset.versionId,
      transformation: spec.transformation,
      format: eagerFormat(spec, outcome.asset),
      eager: { jobId: id, batchId: job.batchId, index, requested: spec.requested },
    };
    return [{ id, queue: 'derive', kind: 'derive', payload }];
  });
  if (job.eagerAsync && eager.length > 0) {
    response.eager = eager.map((spec) => eagerPlaceholder(outcome.asset, spec, job.batchId, bases));
  }
  const result: IngestJobResult = { response };
  await finishBatchJob(deps, {
    jobId: job.jobId,
    outcome: { kind: 'completed', result: { ...result } },
    updateBatchResult: (current) => {
      const result = { ...response, ...(current?.eager && !job.eagerAsync ? { eager: current.eager } : {}) };
      return firstItem ? withEagerItem(result, 0, firstItem) : result;
    },
    followUps,
    ...(job.eagerAsync && eager.length > 0 ? { deliveries: (batch) => uploadNotifications(batch, response) } : {}),
  });
  return result;
}

/** After the last attempt of a job that kept failing for an internal reason. */
export async function recordExhaustedIngestJob(deps: IngestJobDependencies, job: IngestJobV1, error: Error): Promise<void> {
  await finishBatchJob(deps, {
    jobId: job.jobId,
    outcome: { kind: 'failed', error: { status: 500, message: `Internal error while processing the upload: ${error.message}` } },
  });
  if (job.source.kind === 'staged') await deps.store.delete(job.source.key);
}

import { waitForJob, type OutcomeWaitDependencies } from '@rendition/batches';
import {
  findDerived,
  findJob,
  findNamedTransformation,
  recordStandaloneJob,
  reopenJob,
  type AssetRecord,
  type CatalogDb,
  type DerivedRecord,
} from '@rendition/catalog';
import { deriveJob, type DeriveJobV1, type JobQueues } from '@rendition/jobs';
import { ApiError, isOutputFormat, nameBasedUuid, normalizeFormat, type OutputFormat } from '@rendition/protocol';
import {
  assertImagePlan,
  canonicalString,
  expandNamed,
  outputSettings,
  parseTransformation,
  planHash,
  projectAssetPlan,
  type SizeLimits,
  type TransformationPlan,
} from '@rendition/transform';

export interface DerivativeRequest {
  canonical: string;
  hash: string;
  format: OutputFormat;
  /** f_auto chose the format from Accept: caches must vary on it. */
  variesOnAccept: boolean;
}

/**
 * Turns a URL's transformation text into the one canonical derivative it names, validated and
 * size-checked from the catalog's dimensions, so a refused transformation costs no decode.
 */
export async function planDerivative(
  db: CatalogDb,
  asset: AssetRecord,
  input: { transformation: string; urlFormat: string | undefined; accept: string | undefined; limits: SizeLimits },
): Promise<DerivativeRequest> {
  if (asset.resourceType !== 'image') throw new ApiError(400, `Transformations of ${asset.resourceType} assets are not supported yet`);
  const parsed = input.transformation === '' ? { components: [] } : parseTransformation(input.transformation);
  const plan: TransformationPlan = await expandNamed(parsed, (name) => findNamedTransformation(db, asset.cloudName, name));
  assertImagePlan(plan);
  // A PDF's size is in points: the projection renders its page at the plan's dn_ first.
  if (asset.width !== null && asset.height !== null)
    projectAssetPlan(plan, { width: asset.width, height: asset.height, format: asset.format }, input.limits);
  const { format, variesOnAccept } = chooseFormat(outputSettings(plan).format, input.urlFormat, input.accept, asset.format);
  return { canonical: canonicalString(plan), hash: planHash(plan), format, variesOnAccept };
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
  if (planFormat !== null) return { format: planFormat as OutputFormat, variesOnAccept: false };
  if (urlFormat !== undefined) {
    const normalized = normalizeFormat(urlFormat);
    if (!isOutputFormat(normalized)) throw new ApiError(400, `Unsupported delivery format ${urlFormat}`);
    return { format: normalized, variesOnAccept: false };
  }
  return { format: fallbackFormat(undefined, originalFormat), variesOnAccept: false };
}

function fallbackFormat(urlFormat: string | undefined, originalFormat: string | null): OutputFormat {
  const candidate = urlFormat !== undefined ? normalizeFormat(urlFormat) : (originalFormat ?? 'jpg');
  return isOutputFormat(candidate) ? candidate : 'jpg';
}

/**
 * The stored derivative, computed on first request by a derive job whose id is made from what it
 * derives: concurrent first requests anywhere in the cluster join the same job. The job is recorded
 * in the outbox first (so the relay re-drives it if Redis loses it) and its outcome is waited for
 * like any other job's.
 */
export async function obtainDerivative(
  deps: OutcomeWaitDependencies & { queues: JobQueues; waitTimeoutMs: number },
  asset: AssetRecord,
  request: DerivativeRequest,
): Promise<DerivedRecord> {
  const key = { assetId: asset.assetId, versionId: asset.versionId, transformationHash: request.hash, format: request.format };
  const existing = await findDerived(deps.db, key);
  if (existing) return existing;
  const jobId = derivativeJobId(asset.versionId, request.hash, request.format);
  const payload: DeriveJobV1 = {
    v: 1,
    cloudName: asset.cloudName,
    assetId: asset.assetId,
    versionId: asset.versionId,
    transformation: request.canonical,
    format: request.format,
  };
  try {
    await recordStandaloneJob(deps.db, asset.cloudName, { id: jobId, queue: deriveJob.queue, kind: deriveJob.kind, payload });
    const earlier = await findJob(deps.db, jobId);
    // Bad input fails the same way every time; any other ending without a stored derivative (our own
    // failure, a derivative deleted since) runs the job again.
    const refused = earlier?.status === 'failed' && (earlier.error?.status ?? 500) < 500;
    if (!refused) {
      if (earlier?.status === 'completed' || earlier?.status === 'failed') await reopenJob(deps.db, jobId);
      if (!(await deps.queues.isQueued(deriveJob.queue, jobId))) await deps.queues.enqueue('derive', payload, jobId);
    }
  } catch (cause) {
    throw new ApiError(503, 'Service unavailable: the job queue cannot be reached, try again shortly', { cause, expose: true });
  }
  const outcome = await waitForJob(deps, jobId, deps.waitTimeoutMs);
  const stored = await findDerived(deps.db, key);
  if (stored) return stored;
  if (!outcome) throw new ApiError(500, 'The derivative is still being generated; try again shortly', { expose: true });
  if (outcome.status === 'failed') {
    const status = outcome.error?.status ?? 500;
    // Our own failures stay ours: the client learns that it failed, not why.
    if (status >= 500) throw new ApiError(500, 'Could not generate the derivative; try again shortly', { expose: true });
    throw new ApiError(400, `Could not generate the derivative: ${outcome.error?.message ?? 'unknown error'}`);
  }
  throw new ApiError(500, 'The derivative was not recorded', { expose: true });
}

/** A UUID made from what the job derives (its version, canonical hash and format). */
export function derivativeJobId(versionId: string, transformationHash: string, format: string): string {
  return nameBasedUuid(`derive:${versionId}:${transformationHash}:${format}`);
}

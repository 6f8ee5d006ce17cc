import { join } from 'node:path';
import { findAssetByVersionId, findDerived, recordDerived, type CatalogDb, type DerivedRecord } from '@rendition/catalog';
import type { DeriveJobV1 } from '@rendition/jobs';
import { executeImagePlan, type ImageExecution, type ImageLimits } from '@rendition/media';
import { ApiError, contentTypeForFormat } from '@rendition/protocol';
import { derivedKey, type BlobStore } from '@rendition/storage';
import { parseTransformation, planHash } from '@rendition/transform';
import { hashFile, withTempDir } from '@rendition/scratch';

export interface DeriveDependencies {
  db: CatalogDb;
  store: BlobStore;
  tmpDir: string;
  limits: ImageLimits & { maxDimension: number; maxOutputPixels: number; maxSourceBytes: number };
}

/**
 * Computes one derivative and records it. Keyed by (asset version, canonical transformation,
 * format): a second run finds the first one's row and returns it, and the blob key is the same,
 * so retries and concurrent runs never produce two different files.
 */
export async function deriveImage(deps: DeriveDependencies, job: DeriveJobV1): Promise<DerivedRecord> {
  const plan = parseTransformation(job.transformation);
  const key = { assetId: job.assetId, versionId: job.versionId, transformationHash: planHash(plan), format: job.format };
  const existing = await findDerived(deps.db, key);
  if (existing) return existing;

  const asset = await findAssetByVersionId(deps.db, job.versionId);
  if (!asset || asset.assetId !== job.assetId || asset.versionId !== job.versionId) {
    throw new ApiError(404, 'Resource not found - the asset version no longer exists');
  }
  if (asset.resourceType !== 'image') throw new ApiError(400, `Transformations of ${asset.resourceType} assets are not supported yet`);

  return withTempDir(deps.tmpDir, async (dir) => {
    if (asset.bytes > deps.limits.maxSourceBytes) throw new ApiError(400, 'Original too large to transform');
    const inputPath = join(dir, 'original');
    await deps.store.getFile(asset.storageKey, inputPath);
    const outputPath = join(dir, `derived.${job.format}`);
    const result = await executeImagePlan(inputPath, outputPath, plan, { format: job.format, limits: deps.limits });
    return storeDerivative(deps, { ...key, transformation: job.transformation }, outputPath, result);
  });
}

export interface DerivativeIdentity {
  assetId: string;
  versionId: string;
  transformationHash: string;
  format: string;
  /** Canonical. */
  transformation: string;
}

/**
 * Stores a derivative computed into a local file and records it, idempotently: the blob key is a
 * function of the identity, and a second record of the same identity keeps the first row. Shared by
 * the derive job and by an ingest that derives an upload's first eager item itself.
 */
export async function storeDerivative(
  deps: Pick<DeriveDependencies, 'db' | 'store'>,
  identity: DerivativeIdentity,
  outputPath: string,
  result: Pick<ImageExecution, 'width' | 'height'>,
): Promise<DerivedRecord> {
  const output = await hashFile(outputPath);
  const storageKey = derivedKey(identity.assetId, identity.versionId, identity.transformationHash, identity.format);
  const contentType = contentTypeForFormat(identity.format);
  await deps.store.putFile(storageKey, outputPath, { contentType });
  try {
    return await recordDerived(deps.db, {
      ...identity,
      storageKey,
      contentType,
      bytes: output.bytes,
      width: result.width,
      height: result.height,
      etag: output.md5,
    });
  } catch (error) {
    // The asset was destroyed while this ran (foreign_key_violation): its blob would be an orphan.
    if ((error as { code?: string }).code !== '23503') throw error;
    await deps.store.delete(storageKey);
    throw new ApiError(404, 'Resource not found - the asset was deleted', { cause: error });
  }
}

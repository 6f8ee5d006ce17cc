import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { findAssetByVersionId, findDerived, recordDerived, type CatalogDb, type DerivedRecord } from '@rendition/catalog';
import type { DeriveJobV1 } from '@rendition/jobs';
import { executeImagePlan, type ImageLimits } from '@rendition/media';
import { ApiError, contentTypeForFormat } from '@rendition/protocol';
import { derivedKey, type BlobStore } from '@rendition/storage';
import { parseTransformation, planHash } from '@rendition/transform';
import { hashFile, withTempDir, writeStreamToFile } from '@rendition/scratch';

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
    const input = await writeStreamToFile(await deps.store.get(asset.storageKey), join(dir, 'original'), deps.limits.maxSourceBytes, () =>
      new ApiError(400, 'Original too large to transform'),
    );
    const outputPath = join(dir, `derived.${job.format}`);
    const result = await executeImagePlan(input.path, outputPath, plan, { format: job.format, limits: deps.limits });
    const output = await hashFile(outputPath);
    const storageKey = derivedKey(job.assetId, job.versionId, key.transformationHash, job.format);
    const contentType = contentTypeForFormat(job.format);
    await deps.store.put(storageKey, createReadStream(outputPath), { contentType });
    try {
      return await recordDerived(deps.db, {
        ...key,
        transformation: job.transformation,
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
  });
}

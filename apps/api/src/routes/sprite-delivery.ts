import { findDerived, type AssetRecord, type DerivedRecord } from '@rendition/catalog';
import { planDerivative } from '@rendition/derivations';
import { ApiError } from '@rendition/protocol';
import type { DeliveryDependencies } from './delivery-route.ts';

/** A sprite's CSS or JSON: an asset of type `sprite` stored without an image format (`<tag>.css`, `<tag>.json`). */
export function isSpriteTextFile(asset: AssetRecord): boolean {
  return asset.type === 'sprite' && asset.format === null;
}

/**
 * `/image/sprite/<transformation>/v<version>/<tag>.css` (or `.json`): the file the sprite job stored for
 * that transformation, found by the key delivery gives the sprite image's URL (planDerivative's hash).
 * A stylesheet is never computed from a URL: any other transformation is a 404.
 */
export async function findSpriteTextFile(
  deps: Pick<DeliveryDependencies, 'db' | 'limits'>,
  asset: AssetRecord,
  transformation: string,
  publicIdWithExt: string,
): Promise<DerivedRecord> {
  const planned = await planDerivative(deps.db, asset, {
    transformation,
    urlFormat: undefined,
    accept: undefined,
    limits: { maxDimension: deps.limits.maxOutputDimension, maxPixels: deps.limits.maxOutputPixels },
    video: deps.limits.video,
  });
  const format = asset.publicId.slice(asset.publicId.lastIndexOf('.') + 1);
  const stored = await findDerived(deps.db, { assetId: asset.assetId, versionId: asset.versionId, transformationHash: planned.hash, format });
  if (!stored) throw new ApiError(404, `Resource not found - ${publicIdWithExt}`);
  return stored;
}

import type { AssetRecord, CatalogDb } from '@rendition/catalog';
import { currentDerivativeHash, eagerFormat, resolveEagerSpecs, type DerivativeRequest, type EagerSpec } from '@rendition/derivations';
import { ApiError, videoTooLargeForSync, type ParameterLimits, type ResourceType } from '@rendition/protocol';
import { parseTransformation, projectAssetPlan, type SizeLimits } from '@rendition/transform';

/**
 * `transformations` (eager syntax) resolved at the API: named transformations expanded, every item
 * valid, and each image's output projected from its stored size, so that a transformation that
 * cannot be made is the request's 400, before any job. A video larger than MAX_SYNC_VIDEO_BYTES is
 * refused as a first delivery would be (the archive derives on demand).
 */
export async function resolveArchiveTransformations(
  db: CatalogDb,
  cloudName: string,
  input: { text: string | undefined; resourceTypes: readonly ResourceType[]; assets: readonly AssetRecord[] },
  limits: { parameters: ParameterLimits; size: SizeLimits; maxSyncVideoBytes: number },
): Promise<EagerSpec[]> {
  if (input.text === undefined) return [];
  const only = input.resourceTypes.length === 1 ? input.resourceTypes[0]! : 'auto';
  if (only === 'raw') throw new ApiError(400, 'Transformations of raw assets are not supported');
  const specs = await resolveEagerSpecs(db, cloudName, input.text, limits.parameters, undefined, only);
  for (const asset of input.assets) {
    if (asset.resourceType === 'video' && asset.bytes > limits.maxSyncVideoBytes) throw videoTooLargeForSync();
    if (asset.resourceType !== 'image' || asset.width === null || asset.height === null) continue;
    for (const spec of specs) {
      projectAssetPlan(planOf(spec.transformation), { width: asset.width, height: asset.height, format: asset.format }, limits.size);
    }
  }
  return specs;
}

/** The files an asset contributes: one per transformation, or its original (raw assets are never transformed). */
export function filesOf(asset: Pick<AssetRecord, 'resourceType'>, transformationCount: number): number {
  return asset.resourceType === 'raw' || transformationCount === 0 ? 1 : transformationCount;
}

/**
 * The stored derivative an item names for one asset: the identity the delivery route and eager jobs give
 * it too (with the current versions of its overlay assets; a missing one is a 400).
 */
export async function derivativeRequestFor(
  db: CatalogDb,
  asset: AssetRecord,
  spec: Pick<EagerSpec, 'requested' | 'transformation' | 'format'>,
): Promise<DerivativeRequest> {
  const { hash } = await currentDerivativeHash(db, asset.cloudName, planOf(spec.transformation));
  return { canonical: spec.transformation, hash, format: eagerFormat(spec, asset), variesOnAccept: false, dependsOnMoreThanTheAsset: false };
}

function planOf(canonical: string) {
  return canonical === '' ? { components: [] } : parseTransformation(canonical);
}

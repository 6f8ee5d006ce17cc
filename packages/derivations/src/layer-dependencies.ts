import { createHash } from 'node:crypto';
import { findAsset, type AssetRecord, type CatalogDb } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import {
  assertWithinSizeLimits,
  canonicalString,
  isDocumentFormat,
  layerReferences,
  planHash,
  planInputSize,
  projectPlan,
  type AssetLayerSource,
  type LayerSource,
  type PlanGeometry,
  type Size,
  type SizeLimits,
  type TransformationPlan,
} from '@rendition/transform';

/**
 * What a derivative depends on besides its own asset version: the other assets its layers show
 * (`l_<public_id>`, `u_<public_id>`, nested layers included). Their current versions are part of the
 * derivative's identity, so overwriting an overlay asset makes every URL that shows it name a new
 * derivative (made on its first request) instead of serving the one composed with the old overlay.
 *
 * Fetched layers (`l_fetch:`) are identified by their URL only, which the canonical string already
 * holds: a fetched overlay is fetched once per derivative, and a change at its origin is not seen until
 * the derivative is deleted (Admin API `delete_derived_resources`, or an overwrite of the base asset).
 * Text layers depend on nothing but their text and style.
 */
export interface LayerAsset {
  source: AssetLayerSource;
  /** The asset's current version, as the catalog holds it. */
  asset: AssetRecord;
}

/** The identity in the catalog of an asset layer of `cloudName`: always an image. */
export function layerAssetIdentity(cloudName: string, source: AssetLayerSource) {
  return { cloudName, resourceType: 'image', type: source.deliveryType, publicId: source.publicId };
}

/** A layer that names no (deliverable) image asset: the request's 400, before any job runs. */
export function layerAssetNotFound(source: AssetLayerSource): ApiError {
  const name = source.deliveryType === 'upload' ? source.publicId : `${source.deliveryType}:${source.publicId}`;
  return new ApiError(400, `Overlay image not found - ${name}`);
}

/**
 * The current assets of a plan's asset layers, in plan order, each once. A layer whose asset does not
 * exist, or whose current version moderation rejected (delivery treats such an image as missing), is
 * refused with layerAssetNotFound.
 */
export async function resolveLayerAssets(db: CatalogDb, cloudName: string, plan: TransformationPlan): Promise<LayerAsset[]> {
  const { assets } = layerReferences(plan);
  return Promise.all(
    assets.map(async (source) => {
      const asset = await findAsset(db, layerAssetIdentity(cloudName, source));
      if (!asset || asset.moderationStatus === 'rejected') throw layerAssetNotFound(source);
      return { source, asset };
    }),
  );
}

/**
 * The derivative's key in the catalog and in storage (16 hex characters): planHash(plan) when no layer
 * shows another asset, so every derivative without asset layers keeps the key it always had; otherwise
 * SHA-1 over the canonical string and the sorted version ids of the layers' assets. The delivery route
 * (planDerivative), the derive job (startDerivation), the ingest's first eager item and archives all
 * compute it here.
 */
export function derivativeHash(plan: TransformationPlan, layerAssets: readonly Pick<LayerAsset, 'asset'>[]): string {
  if (layerAssets.length === 0) return planHash(plan);
  const versions = [...new Set(layerAssets.map(({ asset }) => asset.versionId))].sort();
  return createHash('sha1')
    .update(`${canonicalString(plan)}|${versions.join(',')}`)
    .digest('hex')
    .slice(0, 16);
}

/** resolveLayerAssets then derivativeHash: the key of `plan`'s derivative as the overlay assets are now. */
export async function currentDerivativeHash(
  db: CatalogDb,
  cloudName: string,
  plan: TransformationPlan,
): Promise<{ hash: string; layerAssets: LayerAsset[] }> {
  const layerAssets = await resolveLayerAssets(db, cloudName, plan);
  return { hash: derivativeHash(plan, layerAssets), layerAssets };
}

/**
 * The stored size of an asset layer's image, for the plan's projection (`projectPlan`'s layer sizes):
 * what the catalog knows, without reading the file. Undefined when it is not known (unprobed formats),
 * and for text and fetch layers: the executor bounds those when it has them.
 */
export function layerAssetSize(layerAssets: readonly LayerAsset[], source: LayerSource): { width: number; height: number } | undefined {
  if (source.kind !== 'asset') return undefined;
  const found = layerAssets.find((layer) => layer.source.publicId === source.publicId && layer.source.deliveryType === source.deliveryType);
  if (!found || found.asset.width === null || found.asset.height === null) return undefined;
  return { width: found.asset.width, height: found.asset.height };
}

/**
 * projectAssetPlan with the overlay assets' stored sizes (`layerSize`), so an asset layer that would
 * grow the output beyond the limits is refused when the URL is planned, before any job. Text and fetch
 * layers, and assets stored without dimensions, have no size yet: the projection leaves them out and the
 * executor projects again with every layer's real size before it decodes anything. (Stored sizes are
 * the encoded ones, before EXIF orientation, as for the base asset.)
 */
export function projectWithLayers(
  plan: TransformationPlan,
  source: Size & { format: string | null },
  limits: SizeLimits,
  layerAssets: readonly LayerAsset[],
): PlanGeometry {
  const geometry = projectPlan(plan, planInputSize(plan, source), limits, { layerSize: (layer) => layerAssetSize(layerAssets, layer) });
  // As projectAssetPlan: a document's output is bounded even when no step changes the size.
  if (isDocumentFormat(source.format)) assertWithinSizeLimits(geometry.output, limits);
  return geometry;
}

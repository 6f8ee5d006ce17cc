import { join } from 'node:path';
import { findAssetByVersionId, type AssetRecord } from '@rendition/catalog';
import type { LayerAsset } from '@rendition/derivations';
import type { MultiJobV1 } from '@rendition/jobs';
import { executeImagePlan } from '@rendition/media';
import { ApiError } from '@rendition/protocol';
import { documentDensity, isDocumentFormat, outputSettings, parseTransformation, type TransformationPlan } from '@rendition/transform';
import { localFileOf } from '@rendition/storage';
import { layerFileDependencies, type DeriveDependencies } from '../derive-image.ts';
import { createLayerFiles } from '../layer-files.ts';

/** One image of a composition, after the transformation: a PNG in the job's scratch directory. */
export interface SourceFrame {
  asset: AssetRecord;
  path: string;
  width: number;
  height: number;
}

/** The composition's transformation (canonical, checked at intake); empty: the images as they are. */
export function compositionPlan(transformation: string): TransformationPlan {
  return transformation === '' ? { components: [] } : parseTransformation(transformation);
}

/**
 * Each source image read again from storage and transformed into a lossless PNG frame, one at a time,
 * in order. An image destroyed since intake is left out (as if it had lost its tag); none left is the
 * 404 an unknown tag gets. A PDF contributes its page `pg_` (default 1) rendered at `dn_` (72 dpi by
 * default), as a derivative of it would. `layerAssets`: the plan's overlay assets, resolved when the
 * composition's derivative key was computed (derivations' currentDerivativeHash).
 */
export async function renderSourceFrames(
  deps: DeriveDependencies,
  sources: MultiJobV1['sources'],
  plan: TransformationPlan,
  dir: string,
  publicId: string,
  layerAssets: readonly LayerAsset[] = [],
): Promise<SourceFrame[]> {
  const frames: SourceFrame[] = [];
  const layers = createLayerFiles(layerFileDependencies(deps), dir, layerAssets);
  for (const [index, source] of sources.entries()) {
    const asset = await findAssetByVersionId(deps.db, source.versionId);
    if (!asset || asset.assetId !== source.assetId || asset.resourceType !== 'image') continue;
    if (asset.bytes > deps.limits.maxSourceBytes) throw new ApiError(400, `Image ${asset.publicId} is too large to transform`);
    const original = await localFileOf(deps.store, asset.storageKey, () => Promise.resolve(join(dir, `source-${index}`)));
    const document = isDocumentFormat(asset.format);
    const input = document ? await renderPage(deps, original, plan, join(dir, `page-${index}.png`)) : original;
    const path = join(dir, `frame-${index}.png`);
    const written = await executeImagePlan(input, path, document ? withoutPageSelection(plan) : plan, { format: 'png', limits: deps.limits, layers });
    frames.push({ asset, path, width: written.width, height: written.height });
  }
  if (frames.length === 0) throw new ApiError(404, `No images found for ${publicId}`);
  return frames;
}

async function renderPage(deps: DeriveDependencies, path: string, plan: TransformationPlan, output: string): Promise<string> {
  await deps.documents.renderPdfPage(path, output, { page: outputSettings(plan).page ?? 1, density: documentDensity(plan) });
  return output;
}

/** The rendered page is one PNG at its own size: `pg_` and `dn_` have done their work. */
function withoutPageSelection(plan: TransformationPlan): TransformationPlan {
  return {
    components: plan.components.map((component) => {
      const rest = { ...component };
      delete rest.page;
      delete rest.density;
      return rest;
    }),
  };
}

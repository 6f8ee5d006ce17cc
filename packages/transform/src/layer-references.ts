import type { AssetLayerSource, FetchLayerSource, TransformationPlan } from './plan.ts';

/**
 * The other assets and remote URLs a plan's layers show (layers nested in layers included), in plan
 * order, each once: what a derivative depends on besides its own asset.
 */
export function layerReferences(plan: TransformationPlan): { assets: AssetLayerSource[]; fetches: FetchLayerSource[] } {
  // TODO(layers helper): walk plan.components[].layer (and layer.components recursively).
  void plan;
  return { assets: [], fetches: [] };
}

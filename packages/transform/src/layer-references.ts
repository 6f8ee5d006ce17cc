import type { AssetLayerSource, Component, FetchLayerSource, TransformationPlan } from './plan.ts';

/**
 * The other assets and remote URLs a plan's layers show (layers nested in layers included), in plan
 * order, each once: what a derivative depends on besides its own asset. An asset is one asset whatever
 * format the layer asks for (`l_logo` and `l_logo.png` both show the asset `logo`); the first spelling is
 * kept.
 */
export function layerReferences(plan: TransformationPlan): { assets: AssetLayerSource[]; fetches: FetchLayerSource[] } {
  const assets = new Map<string, AssetLayerSource>();
  const fetches = new Map<string, FetchLayerSource>();
  const walk = (components: readonly Component[]): void => {
    for (const { layer } of components) {
      if (layer === undefined) continue;
      const { source } = layer;
      if (source.kind === 'asset') {
        const key = `${source.resourceType}/${source.deliveryType}/${source.publicId}`;
        if (!assets.has(key)) assets.set(key, source);
      } else if (source.kind === 'fetch' && !fetches.has(source.url)) {
        fetches.set(source.url, source);
      }
      walk(layer.components);
    }
  };
  walk(plan.components);
  return { assets: [...assets.values()], fetches: [...fetches.values()] };
}

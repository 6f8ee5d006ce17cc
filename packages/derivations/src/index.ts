export { planDerivative, obtainDerivative, derivativeJobId } from './derivative-request.ts';
export type { DerivativeRequest } from './derivative-request.ts';
export {
  resolveEagerSpecs,
  resolveIncomingTransformation,
  resolveJobTransformation,
  eagerFormat,
  eagerItem,
  eagerPlaceholder,
  eagerDeriveJobs,
} from './eager.ts';
export type { EagerSpec, UrlBases } from './eager.ts';
export { videoRecipeLimits, videoSourceOf } from './video-source.ts';
export type { VideoPlanLimits } from './video-source.ts';
export { deriveDefinitionFor } from './derive-kind.ts';
export {
  currentDerivativeHash,
  derivativeHash,
  layerAssetIdentity,
  layerAssetNotFound,
  layerAssetSize,
  projectWithLayers,
  resolveLayerAssets,
} from './layer-dependencies.ts';
export type { LayerAsset } from './layer-dependencies.ts';

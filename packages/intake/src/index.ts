export { stageFile, sourceFromFileParameter, acceptUpload } from './intake-service.ts';
export type { IntakeDependencies, StagedFile } from './intake-service.ts';
export { resolveUploadNaming } from './upload-naming.ts';
export { toAssetView } from './asset-view.ts';
export { applyExplicit } from './explicit-service.ts';
export type { ExplicitDependencies } from './explicit-service.ts';
export {
  createPreset,
  describePreset,
  effectiveUploadParams,
  listPresets,
  removePreset,
  updatePreset,
  unsignedParameterNotAllowed,
  UNSIGNED_ALLOWED_PARAMS,
} from './upload-presets.ts';
export type { EffectiveUpload } from './upload-presets.ts';

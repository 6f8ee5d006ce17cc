export {
  DEFAULT_MAX_RESULTS,
  derivedId,
  describeResource,
  isByIdsRequest,
  listResources,
  listResourcesByIds,
  listResourcesByTag,
} from './resource-reads.ts';
export type { AdminCaller, AdminReadDependencies } from './resource-reads.ts';
export { createPreset, describePreset, listPresets, removePreset, updatePreset } from './upload-presets.ts';
export {
  createNamedTransformation,
  updateNamedTransformation,
  removeNamedTransformation,
  describeNamedTransformation,
  listNamed,
} from './named-transformations.ts';

export {
  DEFAULT_MAX_RESULTS,
  derivedId,
  describeResource,
  describeResourceByAssetId,
  isByIdsRequest,
  isModerationPlaceholder,
  listResources,
  listResourcesByAssetFolder,
  listResourcesByAssetIds,
  listResourcesByContext,
  listResourcesByIds,
  listResourcesByTag,
  resourceItemShape,
  resourceListItem,
} from './resource-reads.ts';
export type { AdminCaller, AdminReadDependencies } from './resource-reads.ts';
export { fieldsParameter } from './listing-params.ts';
export { MAX_BULK_CHANGES, publishResources, updateResourcesAccessMode } from './access-mode.ts';
export type { AdminPublishDependencies } from './access-mode.ts';
export { createPreset, describePreset, listPresets, removePreset, updatePreset } from './upload-presets.ts';
export { createUploadMapping, readUploadMappings, removeUploadMapping, updateUploadMappingCommand } from './upload-mappings.ts';
export {
  createNamedTransformation,
  updateTransformation,
  removeTransformation,
  describeTransformation,
  listTransformationsPage,
  type DeleteDerivatives,
} from './named-transformations.ts';
export {
  createStreamingProfile,
  describeStreamingProfile,
  listAllStreamingProfiles,
  MAX_STREAMING_PROFILE_REPRESENTATIONS,
  removeStreamingProfile,
  representationView,
  STREAMING_PROFILE_NAME_PATTERN,
  updateStreamingProfile,
} from './streaming-profiles.ts';
export { decideModeration, listResourcesByModeration } from './moderation.ts';
export type { AdminModerationDependencies } from './moderation.ts';
export { updateResource } from './update-resource.ts';
export type { AdminUpdateDependencies } from './update-resource.ts';
export { createFolder, listFolders, moveFolder, removeFolder } from './folders.ts';
export { cloudConfig, listResourceTypes, listTags, ping, usageReport } from './cloud-info.ts';
export type { UsageLimits } from './cloud-info.ts';
export { searchFolders, searchResources } from './search.ts';
export { DEFAULT_SEARCH_RESULTS, MAX_AGGREGATE_RANGES, MAX_SORT_KEYS } from './search-request.ts';

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

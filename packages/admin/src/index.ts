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

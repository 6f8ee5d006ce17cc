export {
  DEFAULT_MAX_RESULTS,
  derivedId,
  describeResource,
  isByIdsRequest,
  listResources,
  listResourcesByIds,
  listResourcesByTag,
  MAX_PUBLIC_IDS,
} from './resource-reads.ts';
export type { AdminCaller, AdminReadDependencies } from './resource-reads.ts';

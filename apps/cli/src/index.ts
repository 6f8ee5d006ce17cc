export { startCluster } from './cluster.ts';
export type { RunningCluster, Role } from './cluster.ts';
export { ensureCloudCredentials, cloudinaryUrl } from './bootstrap-cloud.ts';

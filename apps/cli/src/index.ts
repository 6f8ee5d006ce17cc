export { startCluster } from './cluster.ts';
export type { RunningCluster, Role } from './cluster.ts';
export { ensureCloudCredentials, cloudinaryUrl } from './bootstrap-cloud.ts';
export { createServices, prepareDatabase } from './services.ts';
export type { Services } from './services.ts';

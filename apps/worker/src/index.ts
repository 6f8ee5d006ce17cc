export { startWorkerPool, assertHandled } from './worker-pool.ts';
export type { WorkerPool } from './worker-pool.ts';
export { createJobHandlers, ingestDependencies, deriveDependencies } from './job-handlers.ts';
export type { WorkerServices } from './job-handlers.ts';

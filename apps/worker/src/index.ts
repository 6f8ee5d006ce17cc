export { startWorkerPool, assertHandled } from './worker-pool.ts';
export type { WorkerPool } from './worker-pool.ts';
export { createJobHandlers, ingestDependencies, deriveDependencies, scratchDir } from './job-handlers.ts';
export type { WorkerServices } from './job-handlers.ts';
export { startLeftoverSweeper } from './leftover-sweeper.ts';
export type { LeftoverSweeper } from './leftover-sweeper.ts';
export { sweepAbandonedLargeUploads } from './large-upload-sweep.ts';

export { createIngestProcessor, recordExhaustedIngest } from './ingest-processor.ts';
export { createNotifyProcessor } from './notify-processor.ts';
export { startWorkerPool } from './worker-pool.ts';
export type { WorkerPool, QueueHandler } from './worker-pool.ts';
export { createDeriveProcessor } from './derive-processor.ts';

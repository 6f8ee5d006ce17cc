export { ingest } from './ingest-service.ts';
export type { IngestDependencies, IngestOutcome } from './ingest-service.ts';
export { createIngestHandler, runIngestJob, recordExhaustedIngestJob } from './ingest-handler.ts';
export type { IngestJobDependencies, IngestJobResult } from './ingest-handler.ts';
export { toClientError } from './client-error.ts';
export { sweepStagedUploads } from './staging-sweep.ts';
export type { StagingSweepResult } from './staging-sweep.ts';
export { createAnalyzeHandler } from './analyze-handler.ts';
export type { AnalyzeHandlerDependencies } from './analyze-handler.ts';

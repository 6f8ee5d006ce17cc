export { ingest } from './ingest-service.ts';
export type { IngestDependencies, IngestOutcome } from './ingest-service.ts';
export { createIngestHandler, runIngestJob, recordExhaustedIngestJob } from './ingest-job.ts';
export type { IngestJobDependencies, IngestJobResult } from './ingest-job.ts';
export { toClientError } from './client-error.ts';

export { ingest } from './ingest-service.ts';
export type { IngestDependencies, IngestOutcome } from './ingest-service.ts';
export { stageFile, sourceFromFileParameter, submitUpload } from './intake-service.ts';
export type { IntakeDependencies, StagedFile } from './intake-service.ts';
export { serializeOutcome, deserializeOutcome } from './ingest-outcome.ts';
export type { SerializedOutcome } from './ingest-outcome.ts';
export { toClientError } from './ingest-errors.ts';
export { resolveUploadNaming } from './upload-naming.ts';
export { toAssetView } from './asset-view.ts';

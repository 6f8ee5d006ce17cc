export { ingest } from './ingest-service.ts';
export type { IngestDependencies, IngestOutcome } from './ingest-service.ts';
export { runIngestJob, recordExhaustedIngestJob, RejectedUploadError } from './ingest-job.ts';
export type { IngestJobDependencies, IngestJobResult } from './ingest-job.ts';
export { stageFile, sourceFromFileParameter, acceptUpload } from './intake-service.ts';
export type { IntakeDependencies, StagedFile } from './intake-service.ts';
export { toClientError } from './ingest-errors.ts';
export { resolveUploadNaming } from './upload-naming.ts';
export { toAssetView } from './asset-view.ts';
export { applyExplicit } from './explicit-service.ts';
export type { ExplicitDependencies } from './explicit-service.ts';
export {
  createPreset,
  describePreset,
  effectiveUploadParams,
  listPresets,
  removePreset,
  updatePreset,
  unsignedParameterNotAllowed,
  UNSIGNED_ALLOWED_PARAMS,
} from './upload-presets.ts';
export type { EffectiveUpload } from './upload-presets.ts';

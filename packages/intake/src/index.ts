export { stageFile, sourceFromFileParameter, acceptUpload } from './intake-service.ts';
export type { IntakeDependencies, StagedFile } from './intake-service.ts';
export { resolveUploadNaming } from './upload-naming.ts';
export { applyExplicit } from './explicit-service.ts';
export type { ExplicitDependencies } from './explicit-service.ts';
export { effectiveUploadParams } from './preset-params.ts';
export type { EffectiveUpload } from './preset-params.ts';
export { receiveChunk, MIN_PART_BYTES, SMALL_PART_MESSAGE } from './large-upload-service.ts';
export type { ChunkOutcome, ChunkPosition, LargeUploadDependencies } from './large-upload-service.ts';

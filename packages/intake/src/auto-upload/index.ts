export { createAutoUploader } from './auto-uploader.ts';
export type { AutoUploader, AutoUploadSettings } from './auto-uploader.ts';
export { autoUploadTarget, mappingFolderCandidates } from './mapped-source.ts';
export type { AutoUploadTarget } from './mapped-source.ts';
export { createFailureMemory } from './failure-memory.ts';
export type { FailureMemory } from './failure-memory.ts';
export { createSingleFlight } from './single-flight.ts';

export { createArchiveHandler } from './archive-handler.ts';
export type { ArchiveHandlerDependencies } from './archive-handler.ts';
export { generateArchive } from './archive-service.ts';
export type { ArchiveOutcome, ArchiveServiceDependencies } from './archive-service.ts';
export { parseArchiveRequest, parseArchiveScope } from './archive-request.ts';
export type { ArchiveFormat, ArchiveMode, ArchiveRequest, ArchiveRequestLimits, QualifiedPublicId } from './archive-request.ts';
export { nameEntries, transformationLabel } from './entry-naming.ts';
export type { ArchiveNaming, EntrySource } from './entry-naming.ts';
export { writeArchive, ARCHIVE_CONTENT_TYPES } from './archive-writer.ts';
export type { ArchiveEntry } from './archive-writer.ts';
export {
  archiveLimits,
  DEFAULT_ARCHIVE_DERIVE_WAIT_MS,
  DEFAULT_ARCHIVE_LIMITS,
  DEFAULT_ARCHIVE_MAX_BYTES,
  DEFAULT_ARCHIVE_MAX_FILES,
  DEFAULT_ARCHIVE_MAX_RESOURCES,
  DEFAULT_ARCHIVE_MAX_SELECTORS,
  DEFAULT_ARCHIVE_WAIT_TIMEOUT_MS,
} from './archive-limits.ts';
export type { ArchiveLimits } from './archive-limits.ts';

export { createArchiveHandler } from './archive-handler.ts';
export type { ArchiveHandlerDependencies } from './archive-handler.ts';

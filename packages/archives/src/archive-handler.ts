import type { BatchJobDependencies } from '@rendition/batches';
import type { JobHandler } from '@rendition/jobs';
import type { BlobStore } from '@rendition/storage';

export type ArchiveHandlerDependencies = BatchJobDependencies & {
  store: BlobStore;
  tmpDir: string;
  publicBaseUrl: string;
  secureBaseUrl: string;
};

/** The `archive` job (docs/archives.md). */
export function createArchiveHandler(_deps: ArchiveHandlerDependencies): JobHandler<'archive'> {
  return {
    async handle() {
      throw new Error('archive jobs are not implemented yet');
    },
  };
}

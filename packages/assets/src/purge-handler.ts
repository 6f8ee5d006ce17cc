import type { BatchJobDependencies } from '@rendition/batches';
import type { JobHandler } from '@rendition/jobs';
import type { BlobStore } from '@rendition/storage';

export type PurgeHandlerDependencies = BatchJobDependencies & { store: BlobStore };

/** The `purge` job: deletes the blobs of deleted assets (docs/asset-management.md, "Deletes"). */
export function createPurgeHandler(_deps: PurgeHandlerDependencies): JobHandler<'purge'> {
  return {
    async handle() {
      throw new Error('not implemented yet');
    },
  };
}

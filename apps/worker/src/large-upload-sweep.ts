import { sweepOneLargeUpload, type CatalogDb } from '@rendition/catalog';
import { largeUploadKey, type BlobStore } from '@rendition/storage';

/** Most abandoned uploads swept per pass; the rest wait for the next one. */
const SWEEP_BATCH = 1_000;

/**
 * Chunked uploads that received no part for `ttlMs` (LARGE_UPLOAD_TTL_MS): their assembly is aborted
 * in the store (S3 AbortMultipartUpload, part files removed), then their catalog rows are deleted.
 * A session a request holds right now is skipped (its row is locked).
 */
export async function sweepAbandonedLargeUploads(
  deps: { db: CatalogDb; store: BlobStore },
  options: { ttlMs: number; now?: number },
): Promise<{ removed: string[] }> {
  const olderThan = new Date((options.now ?? Date.now()) - options.ttlMs);
  const removed: string[] = [];
  for (let i = 0; i < SWEEP_BATCH; i++) {
    const swept = await sweepOneLargeUpload(deps.db, olderThan, (session) =>
      deps.store.abortParts(largeUploadKey(session.sessionId), session.driverState),
    );
    if (!swept) break;
    removed.push(`${swept.cloudName}/${swept.uploadId}`);
  }
  return { removed };
}

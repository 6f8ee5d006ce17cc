import { findBatch, type CatalogDb } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';

/**
 * Waits for a whole batch (an upload with synchronous eager derivations, an explicit call): its
 * jobs finish on several workers, and the batch row in PostgreSQL is where they meet.
 */
export async function waitForBatchResult(db: CatalogDb, cloudName: string, batchId: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const batch = await findBatch(db, cloudName, batchId);
    if (batch?.status === 'complete' && batch.result) return batch.result;
    if (batch?.status === 'failed') throw new ApiError(batch.error?.status ?? 500, batch.error?.message ?? 'Processing failed', { expose: true });
    if (Date.now() > deadline) {
      throw new ApiError(500, `Eager transformations are still processing (batch ${batchId}); they will complete in the background`, { expose: true });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

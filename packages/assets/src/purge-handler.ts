import { finishJob, type BatchJobDependencies } from '@rendition/batches';
import { catalogReferencesOf, findJob, markJobActive } from '@rendition/catalog';
import type { JobHandler, PurgeJobV1 } from '@rendition/jobs';
import { assetPrefix, deleteDerivedBlobs, type BlobStore } from '@rendition/storage';

export type PurgeHandlerDependencies = BatchJobDependencies & { store: BlobStore };

/**
 * The `purge` job: deletes the blobs of deleted assets (docs/asset-management.md, "Deletes"). It runs
 * well after its delete committed, so it asks the catalog first and spares what it names again: a
 * derivative made anew by a delivery since (same key), an asset restored since (its prefix is not
 * swept, the restore's new original may be there before its row). Deleting is idempotent, so a
 * retried or relayed job simply runs again; a job already finished does nothing.
 */
export function createPurgeHandler(deps: PurgeHandlerDependencies): JobHandler<'purge'> {
  return {
    async handle(payload) {
      const earlier = await findJob(deps.db, payload.jobId);
      if (earlier?.status === 'completed' || earlier?.status === 'failed') return earlier.result;
      await markJobActive(deps.db, payload.jobId);
      const result = await purge(deps.db, deps.store, payload);
      await finishJob(deps, { jobId: payload.jobId, outcome: { kind: 'completed', result } });
      return result;
    },
    async onExhausted(payload, error) {
      // What stays is garbage (blobs under assets/<id>/ that no row names), never a row without its blob.
      deps.logger.error({ err: error, job_id: payload.jobId }, 'purge job gave up; its blobs stay in storage');
      await finishJob(deps, {
        jobId: payload.jobId,
        outcome: { kind: 'failed', error: { status: 500, message: `Internal error while purging: ${error.message}` } },
      });
    },
  };
}

async function purge(db: PurgeHandlerDependencies['db'], store: BlobStore, payload: PurgeJobV1): Promise<{ deleted: number; swept: number }> {
  const references = await catalogReferencesOf(db, [...new Set(payload.assets.map((asset) => asset.assetId))]);
  const keys = payload.assets.flatMap((asset) => asset.keys).filter((key) => !references.storageKeys.has(key));
  const sweeps = payload.assets.filter((asset) => asset.sweep && !references.knownAssetIds.has(asset.assetId)).map((asset) => asset.assetId);
  // Every key is attempted before a failure is reported (the retry then finds only what is left).
  const results = await Promise.allSettled([deleteDerivedBlobs(store, keys), ...sweeps.map((assetId) => sweep(store, assetId))]);
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return { deleted: keys.length, swept: sweeps.length };
}

/** Everything left under the prefix of an asset the catalog no longer knows (a derivative set's members among them). */
async function sweep(store: BlobStore, assetId: string): Promise<void> {
  const keys: string[] = [];
  for await (const blob of store.list(assetPrefix(assetId))) keys.push(blob.key);
  await Promise.all(keys.map((key) => store.delete(key)));
}

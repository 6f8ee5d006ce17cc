import { findDerived, type AssetRecord, type CatalogDb, type DerivedKey, type OutcomeWaiter } from '@rendition/catalog';
import { obtainDerivative } from '@rendition/derivations';
import type { ArchiveJobV1, JobQueues } from '@rendition/jobs';
import { derivativeRequestFor } from './archive-transformations.ts';
import type { EntrySource } from './entry-naming.ts';

/** One stored blob that becomes an entry of the archive. */
export interface ArchiveFile {
  source: EntrySource;
  storageKey: string;
  size: number;
  mtime: Date;
}

export interface ArchiveFilesDependencies {
  db: CatalogDb;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
}

/** Derive jobs waited for at once: enough to keep a few derive workers busy, few enough to leave the queue to others. */
const DERIVE_CONCURRENCY = 4;

/**
 * The blobs of an archive, in the order of its assets: each asset's original, or its derivative for
 * each transformation (raw assets are never transformed). A derivative that does not exist yet is
 * made by a derive job, exactly as a first delivery makes it (derivations' obtainDerivative), and its
 * key is added to `made` so the caller can forget it again (keep_derived=false).
 */
export async function collectArchiveFiles(
  deps: ArchiveFilesDependencies,
  request: ArchiveJobV1['request'],
  assets: readonly AssetRecord[],
  made: DerivedKey[],
): Promise<ArchiveFile[]> {
  const work: Array<() => Promise<ArchiveFile>> = [];
  for (const asset of assets) {
    if (asset.resourceType === 'raw' || request.transformations.length === 0) {
      work.push(async () => ({
        source: sourceOf(asset, asset.resourceType === 'raw' ? null : asset.format),
        storageKey: asset.storageKey,
        size: asset.bytes,
        mtime: asset.createdAt,
      }));
      continue;
    }
    for (const spec of request.transformations) {
      work.push(async () => {
        const derivative = await derivativeRequestFor(deps.db, asset, spec);
        const key: DerivedKey = { assetId: asset.assetId, versionId: asset.versionId, transformationHash: derivative.hash, format: derivative.format };
        let derived = await findDerived(deps.db, key);
        if (!derived) {
          derived = await obtainDerivative(
            { ...deps, waitTimeoutMs: request.limits.deriveWaitMs, maxSyncVideoBytes: request.limits.maxSyncVideoBytes },
            asset,
            derivative,
          );
          made.push(key);
        }
        return {
          source: { ...sourceOf(asset, derived.format), transformation: spec.transformation },
          storageKey: derived.storageKey,
          size: derived.bytes,
          mtime: derived.createdAt,
        };
      });
    }
  }
  return runLimited(work, DERIVE_CONCURRENCY);
}

function sourceOf(asset: AssetRecord, format: string | null): EntrySource {
  return { publicId: asset.publicId, resourceType: asset.resourceType, format, originalFilename: asset.originalFilename };
}

/** Runs the tasks at most `limit` at a time; results in the tasks' order; the first failure fails the whole (the rest still settle). */
async function runLimited<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async () => {
    while (failure === undefined && next < tasks.length) {
      const index = next++;
      try {
        results[index] = await tasks[index]!();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  if (failure) throw failure.error;
  return results;
}

import { findUnfinishedJobs, type CatalogDb } from '@rendition/catalog';
import type { BlobStore } from '@rendition/storage';

/** Unfinished jobs read per sweep; with more than this, staged uploads are left for a later sweep. */
const UNFINISHED_JOBS_LIMIT = 10_000;
const STAGING_PREFIX = 'staging/';

export interface StagingSweepResult {
  removed: string[];
  /** Staged uploads left in place: young enough, or still needed by an unfinished ingest job. */
  kept: number;
  /** True when too many jobs were unfinished to tell which staged uploads they need: nothing was removed. */
  deferred: boolean;
}

/**
 * Deletes staged uploads that no job will read: older than `maxAgeMs` and named by no unfinished ingest
 * job. The ingest job deletes its staged bytes on every ending (stored, refused, exhausted, or found
 * committed by a later attempt); what remains is what a crash left: an API process that died between
 * staging and recording the upload, or a staged object whose delete failed. An upload waiting in the
 * queue keeps its bytes however long it waits; the age only covers the moments between staging and
 * recording, so it must exceed the longest upload request.
 */
export async function sweepStagedUploads(
  deps: { db: CatalogDb; store: BlobStore },
  options: { maxAgeMs: number; now?: number },
): Promise<StagingSweepResult> {
  const now = options.now ?? Date.now();
  const stale: string[] = [];
  let kept = 0;
  for await (const blob of deps.store.list(STAGING_PREFIX)) {
    if (blob.lastModified !== undefined && now - blob.lastModified.getTime() > options.maxAgeMs) stale.push(blob.key);
    else kept++;
  }
  if (stale.length === 0) return { removed: [], kept, deferred: false };

  // Read after the listing: a job recorded since then names a key staged after it, which is not stale.
  const unfinished = await findUnfinishedJobs(deps.db, new Date(now + 60_000), UNFINISHED_JOBS_LIMIT);
  if (unfinished.length >= UNFINISHED_JOBS_LIMIT) return { removed: [], kept: kept + stale.length, deferred: true };
  const needed = new Set(unfinished.filter((row) => row.kind === 'ingest').map((row) => stagedKeyOf(row.payload)));

  const removed: string[] = [];
  for (const key of stale) {
    if (needed.has(key)) {
      kept++;
      continue;
    }
    await deps.store.delete(key);
    removed.push(key);
  }
  return { removed, kept, deferred: false };
}

function stagedKeyOf(payload: unknown): string | undefined {
  const source = (payload as { source?: { kind?: unknown; key?: unknown } } | null)?.source;
  return source?.kind === 'staged' && typeof source.key === 'string' ? source.key : undefined;
}

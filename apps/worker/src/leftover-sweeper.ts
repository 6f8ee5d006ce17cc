import type { CatalogDb } from '@rendition/catalog';
import { sweepStagedUploads } from '@rendition/ingest';
import { startPeriodicTask } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { sweepScratchDirs } from '@rendition/scratch';
import type { BlobStore } from '@rendition/storage';
import { sweepAbandonedLargeUploads } from './large-upload-sweep.ts';

export interface LeftoverSweeper {
  /** One pass over staged uploads, scratch directories and abandoned chunked uploads; never throws (a failure is logged). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What a killed process leaves behind, removed at start-up and every `intervalMs`: staged uploads no
 * unfinished job needs (older than `stagingAgeMs`), and scratch directories of processes that are gone
 * (or older than `scratchAgeMs`) under `scratchDir`. Every worker runs one; their passes are idempotent.
 */
export function startLeftoverSweeper(options: {
  db: CatalogDb;
  store: BlobStore;
  logger: Logger;
  scratchDir: string;
  stagingAgeMs: number;
  scratchAgeMs: number;
  intervalMs: number;
  /** LARGE_UPLOAD_TTL_MS: chunked uploads with no part for this long are aborted and forgotten (24 h when absent). */
  largeUploadTtlMs?: number;
}): LeftoverSweeper {
  const { logger } = options;
  const runOnce = async () => {
    const [staging, scratch, large] = await Promise.allSettled([
      sweepStagedUploads(options, { maxAgeMs: options.stagingAgeMs }),
      sweepScratchDirs(options.scratchDir, { maxAgeMs: options.scratchAgeMs }),
      sweepAbandonedLargeUploads(options, { ttlMs: options.largeUploadTtlMs ?? 86_400_000 }),
    ]);
    if (large.status === 'rejected') logger.warn({ err: large.reason }, 'sweeping abandoned chunked uploads failed; will retry');
    else if (large.value.removed.length > 0) logger.info({ removed: large.value.removed }, 'removed abandoned chunked uploads');
    if (staging.status === 'rejected') logger.warn({ err: staging.reason }, 'sweeping staged uploads failed; will retry');
    else if (staging.value.removed.length > 0) logger.info({ removed: staging.value.removed.length }, 'removed leftover staged uploads');
    else if (staging.value.deferred) logger.warn('too many unfinished jobs to sweep staged uploads now');
    if (scratch.status === 'rejected') logger.warn({ err: scratch.reason }, 'sweeping scratch directories failed; will retry');
    else if (scratch.value.removed.length > 0) logger.info({ removed: scratch.value.removed }, 'removed leftover scratch directories');
  };

  // runOnce reports each sweep's failure itself (allSettled), so onError only sees the unexpected.
  const task = startPeriodicTask(runOnce, {
    intervalMs: options.intervalMs,
    onError: (error) => logger.warn({ err: error }, 'leftover sweep failed; will retry'),
  });
  return { runOnce, stop: task.stop };
}

import { join } from 'node:path';
import { finishJob, type BatchJobDependencies, type RawConvertEntry } from '@rendition/batches';
import { findAssetByVersionId, markJobActive, recordRawConvertInfo } from '@rendition/catalog';
import type { UrlBases } from '@rendition/derivations';
import type { IngestDependencies } from '@rendition/ingest';
import type { ConvertJobV1, JobHandler } from '@rendition/jobs';
import { isMediaError } from '@rendition/media';
import { isApiError } from '@rendition/protocol';
import { withTempDir } from '@rendition/scratch';
import { ConversionRefused, runConversion, type ConversionContext } from './conversions.ts';
import { storeCreatedAsset } from './created-asset.ts';

export type ConvertHandlerDependencies = IngestDependencies & BatchJobDependencies & UrlBases & ConversionContext;

/**
 * The `convert` job (raw_convert). A conversion that fails for what the document is (not a PDF,
 * unreadable, encrypted, too large, too slow) completes with `status: "failed"` and the reason in the
 * asset's info and the batch's result: the upload itself stays a success. Our own faults (storage,
 * database) are retried; after the last attempt the entry is `failed` too.
 */
export function createConvertHandler(deps: ConvertHandlerDependencies): JobHandler<'convert'> {
  return {
    async handle(payload) {
      await markJobActive(deps.db, payload.jobId);
      const entry = await convert(deps, payload);
      await record(deps, payload, entry);
      return { status: entry.status };
    },
    async onExhausted(payload, error) {
      await record(deps, payload, { status: 'failed', error: { message: `Internal error while converting: ${error.message}` } });
    },
  };
}

async function convert(deps: ConvertHandlerDependencies, job: ConvertJobV1): Promise<RawConvertEntry> {
  const asset = await findAssetByVersionId(deps.db, job.versionId);
  if (!asset) return { status: 'failed', error: { message: 'The asset version no longer exists' } };
  try {
    const created = await withTempDir(deps.tmpDir, async (dir) => {
      const original = join(dir, 'original');
      await deps.store.getFile(asset.storageKey, original);
      const output = await runConversion(deps, job, asset, original, dir);
      return storeCreatedAsset(deps, job, { ...output, assetFolder: asset.assetFolder, type: 'upload' });
    });
    return { status: 'complete', data: created.descriptor };
  } catch (error) {
    const reason = refusalReason(error);
    if (reason === undefined) throw error;
    return { status: 'failed', error: { message: reason } };
  }
}

/** The client-facing reason of a conversion that cannot succeed however often it is tried; undefined for our own faults. */
function refusalReason(error: unknown): string | undefined {
  if (error instanceof ConversionRefused) return error.message;
  if (isMediaError(error)) return error.message;
  if (isApiError(error) && error.status < 500) return error.message;
  return undefined;
}

/** The entry goes into the asset's info (Admin `resource`) and the batch's result (the answer, the notifications). */
async function record(deps: ConvertHandlerDependencies, job: ConvertJobV1, entry: RawConvertEntry): Promise<void> {
  await recordRawConvertInfo(deps.db, { assetId: job.assetId, versionId: job.versionId, conversion: job.conversion, entry });
  await finishJob(deps, {
    jobId: job.jobId,
    outcome: { kind: 'completed', result: { conversion: job.conversion, ...entry } },
    resultChange: { kind: 'raw-convert', conversion: job.conversion, entry },
  });
}

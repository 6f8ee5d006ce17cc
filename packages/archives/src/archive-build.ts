import {
  findApiKey,
  findAssetsByAssetIds,
  forgetDerived,
  recordJobProgress,
  type AssetRecord,
  type CatalogDb,
  type DerivedKey,
  type OutcomeWaiter,
} from '@rendition/catalog';
import type { BatchResultChange } from '@rendition/batches';
import { RejectedJobError, type ArchiveJobV1, type JobContext, type JobQueues } from '@rendition/jobs';
import type { Logger } from '@rendition/logging';
import { quoteValue } from '@rendition/protocol';
import { measureStream } from '@rendition/scratch';
import { deleteDerivedBlobs, stagingKey, type BlobStore } from '@rendition/storage';
import { collectArchiveFiles, type ArchiveFile } from './archive-files.ts';
import { buildArchiveResponse } from './archive-response.ts';
import { ARCHIVE_CONTENT_TYPES, writeArchive, type ArchiveEntry } from './archive-writer.ts';
import { isCompressible } from './compressible.ts';
import { commitArchiveAsset, placeArchiveAsset, type ArchiveAssetTarget } from './created-archive.ts';
import { nameEntries } from './entry-naming.ts';

export interface ArchiveBuildDependencies {
  db: CatalogDb;
  store: BlobStore;
  queues: JobQueues;
  outcomes: OutcomeWaiter;
  logger: Logger;
  publicBaseUrl: string;
  secureBaseUrl: string;
}

/** What the finished job records: its result (the create answer, or where the download lies) and its batch's. */
export interface BuiltArchive {
  result: Record<string, unknown>;
  resultChange?: BatchResultChange;
}

/**
 * The archive job's work: the selected assets read again (one destroyed since is left out with
 * allow_missing, else the archive fails with its 404), their files collected (derivatives made as
 * needed), named, streamed one after the other into the archive and the archive streamed to storage,
 * measured on the way. A created archive then becomes a raw asset.
 */
export async function buildArchive(deps: ArchiveBuildDependencies, payload: ArchiveJobV1, context: Pick<JobContext, 'signal'>): Promise<BuiltArchive> {
  const { request } = payload;
  const assets = await presentAssets(deps.db, payload);
  const made: DerivedKey[] = [];
  try {
    const files = await collectArchiveFiles(deps, request, assets, made);
    const entries = archiveEntries(deps.store, files, request);
    if (entries.length > request.limits.maxFiles) {
      throw new RejectedJobError(`Too many files: an archive holds at most ${request.limits.maxFiles} files, this one would hold ${entries.length}`);
    }
    const total = entries.reduce((sum, entry) => sum + entry.size, 0);
    if (total > request.limits.maxBytes) {
      throw new RejectedJobError(`Archive too large: its files hold ${total} bytes, at most ${request.limits.maxBytes} are allowed`);
    }
    const counts = { resources: assets.length, files: entries.length };
    const { target } = request;
    if (target.kind === 'download') {
      const { bytes } = await storeArchive(deps, payload, entries, stagingKey(target.uploadId), context);
      return { result: { bytes, resource_count: counts.resources, file_count: counts.files } };
    }
    const assetTarget: ArchiveAssetTarget = {
      cloudName: payload.cloudName,
      publicId: target.publicId,
      tags: target.tags,
      assetFolder: target.assetFolder,
      newAssetId: target.newAssetId,
      versionId: payload.jobId.replaceAll('-', ''),
    };
    const place = await placeArchiveAsset(deps.db, assetTarget);
    const stored = await storeArchive(deps, payload, entries, place.storageKey, context);
    const asset = await commitArchiveAsset(deps, assetTarget, place, stored);
    const response = await respond(deps, payload, asset, counts);
    return { result: response, resultChange: { kind: 'upload-stored', response, keepEager: false } };
  } finally {
    if (!request.keepDerived) await forgetMade(deps, made);
  }
}

async function presentAssets(db: CatalogDb, payload: ArchiveJobV1): Promise<AssetRecord[]> {
  const wanted = payload.request.assets;
  const found = await findAssetsByAssetIds(
    db,
    payload.cloudName,
    wanted.map((asset) => asset.assetId),
  );
  const present = new Set(found.map((asset) => asset.assetId));
  const gone = wanted.filter((asset) => !present.has(asset.assetId));
  if (gone.length > 0 && !payload.request.allowMissing) {
    throw new RejectedJobError(`Resource not found - ${gone.map((asset) => quoteValue(asset.publicId)).join(', ')}`, { status: 404 });
  }
  if (found.length === 0) throw new RejectedJobError('No resources found for the archive', { status: 404 });
  return found;
}

function archiveEntries(store: BlobStore, files: readonly ArchiveFile[], request: ArchiveJobV1['request']): ArchiveEntry[] {
  const names = nameEntries(
    files.map((file) => file.source),
    request.naming,
    request.transformations.length,
  );
  return files.map((file, index) => {
    const name = names[index]!;
    return { name, size: file.size, mtime: file.mtime, compress: isCompressible(file.source.format, name), open: () => store.get(file.storageKey) };
  });
}

/** Streams the archive into `key`; fails (and stores nothing) past maxBytes, or when the worker shuts down. */
async function storeArchive(
  deps: Pick<ArchiveBuildDependencies, 'db' | 'store'>,
  payload: ArchiveJobV1,
  entries: readonly ArchiveEntry[],
  key: string,
  context: Pick<JobContext, 'signal'>,
): Promise<{ bytes: number; md5: string }> {
  const { maxBytes } = payload.request.limits;
  let reported = 0;
  const archive = writeArchive(payload.request.targetFormat, entries, {
    onEntry(index) {
      const percent = Math.floor((index * 100) / entries.length);
      if (percent < reported + 5) return;
      reported = percent;
      void recordJobProgress(deps.db, payload.jobId, percent).catch(() => {});
    },
  });
  const measured = measureStream(archive, {
    maxBytes,
    onTooLarge: () => new RejectedJobError(`Archive too large: more than ${maxBytes} bytes`),
  });
  const abort = () => archive.destroy(new Error('the worker is shutting down'));
  context.signal.addEventListener('abort', abort, { once: true });
  try {
    await deps.store.put(key, measured.stream, { contentType: ARCHIVE_CONTENT_TYPES[payload.request.targetFormat] });
  } finally {
    context.signal.removeEventListener('abort', abort);
  }
  return measured.result();
}

async function respond(
  deps: Pick<ArchiveBuildDependencies, 'db' | 'publicBaseUrl' | 'secureBaseUrl'>,
  payload: ArchiveJobV1,
  asset: AssetRecord,
  counts: { resources: number; files: number },
): Promise<Record<string, unknown>> {
  const credentials = await findApiKey(deps.db, payload.apiKey);
  // The key was revoked since the request: the archive is stored, but no answer can be signed with it.
  if (!credentials) throw new RejectedJobError(`Unknown API key ${payload.apiKey}`, { status: 401 });
  return buildArchiveResponse(asset, counts, {
    apiSecret: credentials.apiSecret,
    cloudName: payload.cloudName,
    publicBaseUrl: deps.publicBaseUrl,
    secureBaseUrl: deps.secureBaseUrl,
  });
}

/** keep_derived=false: the derivatives this archive made are forgotten again (those that existed before stay). */
async function forgetMade(deps: Pick<ArchiveBuildDependencies, 'db' | 'store' | 'logger'>, made: readonly DerivedKey[]): Promise<void> {
  try {
    const keys: string[] = [];
    for (const key of made) {
      const storageKey = await forgetDerived(deps.db, key);
      if (storageKey !== undefined) keys.push(storageKey);
    }
    await deleteDerivedBlobs(deps.store, keys);
  } catch (error) {
    deps.logger.warn({ err: error }, 'could not delete the derivatives an archive made; they stay stored');
  }
}

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { LayerAsset } from '@rendition/derivations';
import type { DocumentEngine, LayerInputs } from '@rendition/media';
import { fetchWithRetries, RemoteFetchError, type GuardedFetcher, type RetryPolicy } from '@rendition/net';
import { ApiError } from '@rendition/protocol';
import { writeStreamToFile } from '@rendition/scratch';
import { localFileOf, type BlobStore } from '@rendition/storage';
import { isDocumentFormat, type AssetLayerSource, type FetchLayerSource } from '@rendition/transform';

export interface LayerFileDependencies {
  store: Pick<BlobStore, 'getFile' | 'localFile'>;
  /** The largest overlay file read (an asset's stored original, or a fetched body). */
  maxBytes: number;
  /**
   * How `l_fetch:` layers are loaded: the SSRF-guarded fetcher upload-by-URL uses (its address policy,
   * time and size bounds) and its retry policy. Absent, a fetch layer is refused.
   */
  remote?: { fetcher: Pick<GuardedFetcher, 'fetch'>; policy: RetryPolicy };
  /** Renders page 1 of a PDF overlay asset (at 72 dpi: its stored size). Absent, a PDF overlay is refused. */
  documents?: Pick<DocumentEngine, 'renderPdfPage'>;
}

/** Fetch failures that another try later cannot change (given the same configuration): the client's 400. */
const PERMANENT_FETCH_FAILURES = new Set<RemoteFetchError['code']>(['bad_url', 'refused_address', 'too_many_redirects', 'too_large']);

/**
 * The executor's LayerInputs for one derivation: the files of the plan's asset and fetch layers, in
 * `dir` (the job's scratch directory, or a function making it). Asset layers are the assets resolved
 * when the derivative's key was computed (derivations' resolveLayerAssets), so the pixels composed are
 * those of the versions the key names; their stored originals are downloaded. Fetch layers are loaded
 * through the SSRF guard. Each source is read once however often the plan shows it.
 */
export function createLayerFiles(deps: LayerFileDependencies, dir: string | (() => Promise<string>), layerAssets: readonly LayerAsset[]): LayerInputs {
  const files = new Map<string, Promise<string>>();
  // A lazy scratch directory is made only when the plan has a layer to load.
  const pathIn = async () => join(typeof dir === 'string' ? dir : await dir(), `layer-${randomUUID()}`);
  return {
    fileFor(source) {
      const key = source.kind === 'asset' ? `asset:${source.deliveryType}:${source.publicId}` : `fetch:${source.url}`;
      let file = files.get(key);
      if (file === undefined) {
        file = pathIn().then((path) => (source.kind === 'asset' ? assetFile(deps, source, layerAssets, path) : fetchedFile(deps, source, path)));
        files.set(key, file);
      }
      return file;
    },
  };
}

async function assetFile(deps: LayerFileDependencies, source: AssetLayerSource, layerAssets: readonly LayerAsset[], path: string): Promise<string> {
  const found = layerAssets.find((layer) => layer.source.publicId === source.publicId && layer.source.deliveryType === source.deliveryType);
  // The caller resolves every asset layer of the plan first (its versions are in the derivative's key).
  if (!found) throw new Error(`Layer asset ${source.deliveryType}:${source.publicId} was not resolved before the plan ran`);
  const { asset } = found;
  if (asset.bytes > deps.maxBytes) throw new ApiError(400, `Overlay image ${source.publicId} is too large to transform`);
  // The blob of a version overwritten since the key was computed may be gone: our failure, retried
  // (the retry computes the key again from the new version).
  const file = await localFileOf(deps.store, asset.storageKey, () => Promise.resolve(path));
  if (!isDocumentFormat(asset.format)) return file;
  if (!deps.documents) throw new ApiError(400, `Overlay image ${source.publicId} is a document, which cannot be used as a layer here`);
  // Beside the scratch path, never beside `file`, which may be the store's own.
  const page = `${path}.png`;
  await deps.documents.renderPdfPage(file, page, { page: 1, density: 72 });
  return page;
}

async function fetchedFile(deps: LayerFileDependencies, source: FetchLayerSource, path: string): Promise<string> {
  if (!deps.remote) throw new ApiError(400, 'Fetch layers are not supported here');
  const { fetcher, policy } = deps.remote;
  try {
    await fetchWithRetries(fetcher, source.url, policy, (response) =>
      writeStreamToFile(response.body, path, deps.maxBytes, () => new ApiError(400, `Fetch layer too large: at most ${deps.maxBytes} bytes`)),
    );
    return path;
  } catch (error) {
    if (!(error instanceof RemoteFetchError)) throw error;
    // A refused address or URL is the client's 400, every time. An origin that failed or timed out may
    // answer later: the job fails without retrying (fetchWithRetries already did), and is not recorded
    // as a refusal, so the next request for the derivative tries again.
    if (PERMANENT_FETCH_FAILURES.has(error.code)) throw new ApiError(400, `Error in loading fetch layer - ${error.message}`, { cause: error });
    throw new ApiError(502, `Error in loading fetch layer - ${error.message}`, { cause: error, expose: true });
  }
}

import { join } from 'node:path';
import { findDerivationStart, recordDerived, type AssetRecord, type CatalogDb, type DerivedRecord } from '@rendition/catalog';
import { currentDerivativeHash, resolveJobTransformation, type LayerAsset } from '@rendition/derivations';
import type { DeriveJobV1 } from '@rendition/jobs';
import { executeImagePlan, MediaError, type DocumentEngine, type ImageLimits } from '@rendition/media';
import type { GuardedFetcher, RetryPolicy } from '@rendition/net';
import { ApiError, contentTypeForFormat, isImageOutputFormat } from '@rendition/protocol';
import { derivedKey, localFileOf, type BlobStore } from '@rendition/storage';
import {
  assertWithinSizeLimits,
  documentDensity,
  isDocumentFormat,
  outputSettings,
  parseTransformation,
  projectAssetPlan,
  projectPlan,
  type SizeLimits,
  type TransformationPlan,
} from '@rendition/transform';
import { hashBytes, hashFile, withLazyTempDir } from '@rendition/scratch';
import { createLayerFiles, type LayerFileDependencies } from './layer-files.ts';

export interface DeriveDependencies {
  db: CatalogDb;
  store: BlobStore;
  tmpDir: string;
  /** inMemoryOutputPixels: a derivative this small is encoded into memory and stored from there (media's ImageOutput). */
  limits: ImageLimits & { maxDimension: number; maxOutputPixels: number; maxSourceBytes: number; inMemoryOutputPixels: number };
  /** Renders the page of a PDF asset that a derivative is made from (`pg_`, at `dn_`). */
  documents: DocumentEngine;
  /** Loads `l_fetch:` layers: the SSRF-guarded fetcher of upload-by-URL and its retry policy. Absent, fetch layers are refused. */
  remoteFetch?: { fetcher: Pick<GuardedFetcher, 'fetch'>; policy: RetryPolicy };
}

/**
 * Computes one derivative and records it. Keyed by (asset version, canonical transformation,
 * format): a second run finds the first one's row and returns it, and the blob key is the same,
 * so retries and concurrent runs never produce two different files.
 */
export async function deriveImage(deps: DeriveDependencies, job: DeriveJobV1, record: DerivedRecorder = recordDerived): Promise<DerivedRecord> {
  const start = await startDerivation(deps, job, 'image');
  if (start.kind === 'existing') return start.derived;
  const { plan, key, asset, layerAssets } = start;
  const format = job.format;
  if (!isImageOutputFormat(format)) throw new ApiError(400, `Unsupported delivery format ${format} for an image`);

  // A scratch directory only for what needs one: a copied original, a rendered page, layer files, a large output.
  return withLazyTempDir(deps.tmpDir, async (dir) => {
    if (asset.bytes > deps.limits.maxSourceBytes) throw new ApiError(400, 'Original too large to transform');
    const inputPath = await localFileOf(deps.store, asset.storageKey, async () => join(await dir(), 'original'));
    const source = isDocumentFormat(asset.format) ? await renderDocumentPage(deps, asset, plan, inputPath, await dir()) : { path: inputPath, plan };
    const layers = createLayerFiles(layerFileDependencies(deps), dir, layerAssets);
    const output = { inMemoryUpToPixels: deps.limits.inMemoryOutputPixels, file: async () => join(await dir(), `derived.${job.format}`) };
    const result = await executeImagePlan(source.path, output, source.plan, { format, limits: deps.limits, layers });
    return storeDerivative(deps, { ...key, transformation: job.transformation }, result.encoded, result, record);
  });
}

/** Where a derive job's layers come from (layer-files.ts): the overlay assets' originals, fetched URLs. */
export function layerFileDependencies(deps: DeriveDependencies): LayerFileDependencies {
  return {
    store: deps.store,
    maxBytes: deps.limits.maxSourceBytes,
    documents: deps.documents,
    ...(deps.remoteFetch ? { remote: deps.remoteFetch } : {}),
  };
}

/**
 * What both executors do first: the plan and the derivative's key; then, in one statement, the stored
 * derivative when an earlier run made it, else the asset version it is made from (404 once gone; 400 if
 * the executor is not its).
 * The key's hash is computed again from the overlay assets as they are now (derivations'
 * layer-dependencies.ts), exactly as the delivery route computed it; the assets it names are the ones
 * the layers then show (a missing overlay is the job's 400).
 */
export async function startDerivation(
  deps: Pick<DeriveDependencies, 'db'>,
  job: DeriveJobV1,
  resourceType: 'image' | 'video',
): Promise<
  | { kind: 'existing'; derived: DerivedRecord }
  | { kind: 'new'; plan: TransformationPlan; key: Omit<DerivativeIdentity, 'transformation'>; asset: AssetRecord; layerAssets: LayerAsset[] }
> {
  // An eager item with conditionals or variables arrives as requested: resolved against its asset first.
  const plan = parseTransformation(await resolveJobTransformation(deps.db, job));
  const { hash, layerAssets } = await currentDerivativeHash(deps.db, job.cloudName, plan);
  const key = { assetId: job.assetId, versionId: job.versionId, transformationHash: hash, format: job.format };
  const start = await findDerivationStart(deps.db, key);
  if (start.kind === 'existing') return start;
  const asset = start.kind === 'source' ? start.asset : undefined;
  if (!asset || asset.assetId !== job.assetId || asset.versionId !== job.versionId) {
    throw new ApiError(404, 'Resource not found - the asset version no longer exists');
  }
  if (asset.resourceType !== resourceType) {
    throw new ApiError(400, `A ${asset.resourceType} asset is not derived by the ${resourceType} executor`);
  }
  return { kind: 'new', plan, key, asset, layerAssets };
}

/**
 * A derivative of a document (PDF) is made from one page rendered to a PNG in the job's scratch
 * directory: page `pg_` (default 1) at `dn_` dpi (default 72, one pixel per point). The plan is
 * projected on page 1's stored size first, so an oversized request is refused before anything is
 * rendered; the renderer bounds the page's pixels (maxRenderPixels), and the plan then runs, without
 * its page selection, on the rendered page like on any image.
 */
async function renderDocumentPage(
  deps: DeriveDependencies,
  asset: AssetRecord,
  plan: TransformationPlan,
  path: string,
  dir: string,
): Promise<{ path: string; plan: TransformationPlan }> {
  const page = outputSettings(plan).page ?? 1;
  const limits: SizeLimits = { maxDimension: deps.limits.maxDimension, maxPixels: deps.limits.maxOutputPixels };
  // PDFs stored before they were probed have no width/height (and pages 1): the renderer decides for them.
  if (asset.width !== null && asset.height !== null) {
    if (asset.pages !== null && page > asset.pages) {
      throw new MediaError('unsupported', `Invalid page ${page}: the document has ${asset.pages === 1 ? '1 page' : `${asset.pages} pages`}`);
    }
    projectAssetPlan(plan, { width: asset.width, height: asset.height, format: asset.format }, limits);
  }
  const pagePath = join(dir, 'page.png');
  const rendered = await deps.documents.renderPdfPage(path, pagePath, { page, density: documentDensity(plan) });
  const pagePlan = withoutPageSelection(plan);
  // The page actually rendered (a later page may differ in size from page 1): its output is bounded too.
  assertWithinSizeLimits(projectPlan(pagePlan, rendered, limits).output, limits);
  return { path: pagePath, plan: pagePlan };
}

/** The plan without `pg_` and `dn_`: they chose and rendered the page; the PNG has one page at its own size. */
function withoutPageSelection(plan: TransformationPlan): TransformationPlan {
  return {
    components: plan.components.map((component) => {
      const rest = { ...component };
      delete rest.page;
      delete rest.density;
      return rest;
    }),
  };
}

/**
 * How a stored derivative's row is recorded: recordDerived, or, for a first delivery's job, in the
 * statement that also ends that job (derive-handler.ts).
 */
export type DerivedRecorder = (db: CatalogDb, derived: Omit<DerivedRecord, 'createdAt'>) => Promise<DerivedRecord>;

export interface DerivativeIdentity {
  assetId: string;
  versionId: string;
  transformationHash: string;
  format: string;
  /** Canonical. */
  transformation: string;
}

/**
 * Stores a derivative computed into a local file or into memory and records it, idempotently: the blob
 * key is a function of the identity, and a second record of the same identity keeps the first row.
 * Shared by the derive job and by an ingest that derives an upload's first eager item itself.
 */
export async function storeDerivative(
  deps: Pick<DeriveDependencies, 'db' | 'store'>,
  identity: DerivativeIdentity,
  encoded: string | Buffer,
  result: { width: number | null; height: number | null },
  record: DerivedRecorder = recordDerived,
): Promise<DerivedRecord> {
  const output = typeof encoded === 'string' ? await hashFile(encoded) : hashBytes(encoded);
  const storageKey = derivedKey(identity.assetId, identity.versionId, identity.transformationHash, identity.format);
  const contentType = contentTypeForFormat(identity.format);
  if (typeof encoded === 'string') await deps.store.putFile(storageKey, encoded, { contentType });
  else await deps.store.put(storageKey, encoded, { contentType });
  try {
    return await record(deps.db, {
      ...identity,
      storageKey,
      contentType,
      bytes: output.bytes,
      width: result.width,
      height: result.height,
      etag: output.md5,
    });
  } catch (error) {
    // The asset was destroyed while this ran (foreign_key_violation): its blob would be an orphan.
    if ((error as { code?: string }).code !== '23503') throw error;
    await deps.store.delete(storageKey);
    throw new ApiError(404, 'Resource not found - the asset was deleted', { cause: error });
  }
}

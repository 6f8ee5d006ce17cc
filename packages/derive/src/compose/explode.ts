import { join } from 'node:path';
import { findAssetByVersionId, findNamedTransformation, type AssetRecord } from '@rendition/catalog';
import { eagerDeriveJobs, type EagerSpec } from '@rendition/derivations';
import type { ExplodeJobV1 } from '@rendition/jobs';
import { ApiError } from '@rendition/protocol';
import { withTempDir } from '@rendition/scratch';
import { localFileOf } from '@rendition/storage';
import { assertImagePlan, canonicalString, expandNamed, isDocumentFormat, parseTransformation } from '@rendition/transform';
import type { DeriveHandlerDependencies } from '../derive-handler.ts';
import type { CompositionOutcome } from './composition-job.ts';

/**
 * Most pages one explode derives (500, Cloudinary's limit for asynchronous multi-image work). Intake
 * refuses a larger asset whose page count the catalog knows; this bounds a PDF stored before it was probed.
 */
export const MAX_EXPLODE_PAGES = 500;

/** Every `pg_all` parameter of the transformation, in any component, becomes `pg_<page>`. */
export function withPage(transformation: string, page: number): string {
  return transformation
    .split('/')
    .map((component) =>
      component
        .split(',')
        .map((parameter) => (parameter === 'pg_all' ? `pg_${page}` : parameter))
        .join(','),
    )
    .join('/');
}

/**
 * `explode`: one derivative per page or frame, `pg_<n>` in place of `pg_all`, each a derive job of
 * this batch (follow-ups, run in parallel like an explicit call's eager list). The batch's result is
 * the asset with the `eager` list those jobs fill; it is notified as an eager batch is.
 */
export async function runExplode(deps: DeriveHandlerDependencies, job: ExplodeJobV1): Promise<CompositionOutcome> {
  const asset = await findAssetByVersionId(deps.db, job.versionId);
  if (!asset || asset.assetId !== job.assetId) throw new ApiError(404, 'Resource not found - the asset version no longer exists');
  if (asset.resourceType !== 'image') throw new ApiError(400, `Explode is supported for images only, not ${asset.resourceType}`);
  const pages = await pageCount(deps, asset);
  if (pages > MAX_EXPLODE_PAGES) throw new ApiError(400, `Too many pages to explode: ${pages} (at most ${MAX_EXPLODE_PAGES})`);
  const specs: EagerSpec[] = [];
  for (let page = 1; page <= pages; page += 1) {
    const requested = withPage(job.transformation, page);
    const plan = await expandNamed(parseTransformation(requested), (name) => findNamedTransformation(deps.db, asset.cloudName, name));
    assertImagePlan(plan);
    specs.push({ requested, transformation: canonicalString(plan), format: job.format });
  }
  return {
    result: {
      asset_id: asset.assetId,
      public_id: asset.publicId,
      version: asset.version,
      resource_type: asset.resourceType,
      type: asset.type,
      format: asset.format,
      pages,
      batch_id: job.batchId,
    },
    followUps: eagerDeriveJobs(asset, specs, job.batchId),
  };
}

/** The catalog's count; a PDF stored before PDFs were probed has none worth trusting, and is probed now. */
async function pageCount(deps: DeriveHandlerDependencies, asset: AssetRecord): Promise<number> {
  if (!isDocumentFormat(asset.format) || asset.width !== null) return asset.pages ?? 1;
  return withTempDir(deps.tmpDir, async (dir) => {
    const path = await localFileOf(deps.store, asset.storageKey, () => Promise.resolve(join(dir, 'original.pdf')));
    return (await deps.documents.probePdf(path)).pages;
  });
}

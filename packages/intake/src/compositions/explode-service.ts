import { findAsset } from '@rendition/catalog';
import { explodeJob, type ExplodeJobV1 } from '@rendition/jobs';
import {
  ApiError,
  IMAGE_OUTPUT_FORMATS,
  isImageOutputFormat,
  normalizeFormat,
  parseDeliveryType,
  quoteValue,
  readString,
  type ImageOutputFormat,
} from '@rendition/protocol';
import { newCompositionIds, submitComposition, type CompositionDependencies } from './composition-batch.ts';
import { resolveCompositionTransformation } from './composition-transformation.ts';
import type { CompositionCall } from './tagged-composition-service.ts';

/** Most pages one explode derives (the worker bounds a PDF whose count the catalog does not know the same way). */
export const MAX_EXPLODE_PAGES = 500;

/** Whether a transformation text has a `pg_all` parameter, in any of its components. */
export function hasAllPages(transformation: string): boolean {
  return transformation.split('/').some((component) => component.split(',').includes('pg_all'));
}

/**
 * `explode` (`POST /image/explode`): one derivative per page or frame of a multi-page image (a PDF, an
 * animated GIF), `pg_<n>` in place of the transformation's `pg_all`. Always asynchronous, as
 * Cloudinary's: `{status: 'processing', batch_id}` now, the derivatives' eager list as the batch's
 * notification; docs/compositions.md.
 */
export async function explodeAsset(deps: CompositionDependencies, call: CompositionCall): Promise<Record<string, unknown>> {
  if (call.resourceType !== 'image') throw new ApiError(400, `Explode is supported for images only, not ${call.resourceType}`);
  const publicId = readString(call.params, 'public_id');
  if (publicId === undefined) throw new ApiError(400, 'Missing required parameter - public_id');
  const text = readString(call.params, 'transformation') ?? '';
  if (!hasAllPages(text)) throw new ApiError(400, 'Explode requires a transformation with pg_all');
  // Validated with one page in place of pg_all: what every page's item will be, but for its number.
  const { format: transformationFormat } = await resolveCompositionTransformation(
    deps.db,
    call.cloudName,
    text.replace(/(^|[,/])pg_all(?=$|[,/])/g, '$1pg_1'),
  );
  const type = parseDeliveryType(readString(call.params, 'type') ?? 'upload');
  const asset = await findAsset(deps.db, { cloudName: call.cloudName, resourceType: 'image', type, publicId });
  if (!asset) throw new ApiError(404, `Resource not found - ${publicId}`);
  if (asset.pages !== null && asset.pages > MAX_EXPLODE_PAGES)
    throw new ApiError(400, `Too many pages to explode: ${asset.pages} (at most ${MAX_EXPLODE_PAGES})`);
  const format = explodeFormat(readString(call.params, 'format') ?? transformationFormat, asset.format);
  const ids = newCompositionIds();
  const payload: ExplodeJobV1 = {
    v: 1,
    jobId: ids.jobId,
    batchId: ids.batchId,
    cloudName: call.cloudName,
    assetId: asset.assetId,
    versionId: asset.versionId,
    transformation: text,
    format,
  };
  return submitComposition(deps, {
    cloudName: call.cloudName,
    apiKey: call.credentials.apiKey,
    kind: 'explode',
    ids,
    job: { queue: explodeJob.queue, kind: explodeJob.kind, payload },
    notificationUrl: readString(call.params, 'notification_url'),
    pending: { status: 'processing', batch_id: ids.batchId },
    eagerAsync: true,
  });
}

/** The pages' format: `format` (or the transformation's `f_`), else the original's when it is an image format, else png (a PDF's pages). */
function explodeFormat(requested: string | null, original: string | null): ImageOutputFormat {
  if (requested !== null) {
    const format = normalizeFormat(requested);
    if (!isImageOutputFormat(format))
      throw new ApiError(400, `Invalid format ${quoteValue(requested)} for explode: expected ${IMAGE_OUTPUT_FORMATS.join(', ')}`);
    return format;
  }
  return original !== null && isImageOutputFormat(original) ? original : 'png';
}

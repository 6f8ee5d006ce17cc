import { randomUUID } from 'node:crypto';
import type { EagerResultItem } from '@rendition/batches';
import { findAssetByVersionId, findNamedTransformation, type AssetRecord, type CatalogDb, type DerivedRecord, type NewJob } from '@rendition/catalog';
import { type DeriveJobV1 } from '@rendition/jobs';
import { deriveDefinitionFor } from './derive-kind.ts';
import { projectWithLayers, resolveLayerAssets } from './layer-dependencies.ts';
import {
  ApiError,
  buildDeliveryUrl,
  isImageOutputFormat,
  isOutputFormat,
  isVideoOutputFormat,
  normalizeFormat,
  type OutputFormat,
  type ParameterLimits,
} from '@rendition/protocol';
import {
  assertImagePlan,
  canonicalString,
  expandNamed,
  hasExpressions,
  outputSettings,
  parseEagerListWithExpressions,
  parseTransformation,
  resolveExpressions,
  type Size,
  type SizeLimits,
} from '@rendition/transform';

/** One eager item, validated at intake: what to derive and how to echo it. */
export interface EagerSpec {
  /** As the client wrote it, `/ext` included: the response's `transformation`. */
  requested: string;
  /** Canonical, named transformations expanded: the derivative's identity. */
  transformation: string;
  /** The item's `/ext` or `f_`, else null (the original's format is used). */
  format: string | null;
}

/** The bounds of one request's eager list (see ParameterLimits). */
export type EagerLimits = Pick<ParameterLimits, 'eagerMaxItems' | 'eagerMaxOutputPixels'>;

/** What an eager list will be derived from: `image` items are checked as image plans; `video` and `auto` (not known yet) are not. */
export type EagerTarget = 'image' | 'video' | 'raw' | 'auto';

/** The asset an eager list will be derived from, when its dimensions are known (explicit), and the per-step size limits. */
export interface EagerProjection {
  /** The asset's size, and its format: a PDF's size is in points, rendered at the item's dn_. */
  input: Size & { format?: string | null };
  sizeLimits: SizeLimits;
}

/**
 * Parses `eager` at intake so a bad item is a 400 before anything is stored. With `limits`, a list
 * longer than `eagerMaxItems` is refused before any item is expanded. With `projection` (the
 * asset's dimensions are known), every item's output size is projected (a step beyond the size
 * limits is refused, as the derive job would), the sum of the items' output pixels may not exceed
 * `eagerMaxOutputPixels`, and an image item's overlay assets must exist. At upload the dimensions are
 * not known yet: only the count is bounded there (a missing overlay fails that item's derive job).
 */
export async function resolveEagerSpecs(
  db: CatalogDb,
  cloudName: string,
  text: string | undefined,
  limits?: EagerLimits,
  projection?: EagerProjection,
  target: EagerTarget = 'image',
): Promise<EagerSpec[]> {
  if (text === undefined || text.trim() === '') return [];
  const items = parseEagerListWithExpressions(text);
  if (limits && items.length > limits.eagerMaxItems) {
    throw new ApiError(400, `Too many eager transformations: at most ${limits.eagerMaxItems} are allowed per request, got ${items.length}`);
  }
  const specs: EagerSpec[] = [];
  let outputPixels = 0;
  for (const item of items) {
    if (item.expressions !== undefined) {
      // Conditionals, variables or expressions: what they make depends on the asset, so intake only
      // checked them (validateExpressions) and the derive job resolves them (resolveJobTransformation).
      specs.push({
        requested: item.requested,
        transformation: item.expressions,
        format: expressionItemFormat(item.formatSuffix ?? item.format, target),
      });
      continue;
    }
    const plan = await expandNamed(item.plan, (name) => findNamedTransformation(db, cloudName, name));
    if (target === 'image' || target === 'raw') assertImagePlan(plan);
    if (projection) {
      // The asset exists (explicit): its overlay assets must too, as for a delivery (a 400 before any
      // job), and they count with their stored sizes.
      const layerAssets = target === 'image' ? await resolveLayerAssets(db, cloudName, plan) : [];
      const { format = null, ...size } = projection.input;
      const output = projectWithLayers(plan, { ...size, format }, projection.sizeLimits, layerAssets).output;
      outputPixels += output.width * output.height;
    }
    const planFormat = outputSettings(plan).format;
    const raw = item.formatSuffix ?? (planFormat === 'auto' ? null : planFormat);
    const format = raw === null ? null : normalizeFormat(raw);
    const deliverable = target === 'image' || target === 'raw' ? isImageOutputFormat : target === 'video' ? isVideoOutputFormat : isOutputFormat;
    if (format !== null && !deliverable(format)) throw new ApiError(400, `Invalid eager format ${raw}`);
    specs.push({ requested: item.requested, transformation: canonicalString(plan), format });
  }
  if (limits && outputPixels > limits.eagerMaxOutputPixels) {
    throw new ApiError(
      400,
      `Eager transformations too large: the ${specs.length} items would produce ${outputPixels} pixels in total, at most ${limits.eagerMaxOutputPixels} are allowed per request`,
    );
  }
  return specs;
}

/** The format of an eager item with expressions (its `/ext`, else its unconditional `f_`), checked as the others' are. */
function expressionItemFormat(raw: string | null, target: EagerTarget): string | null {
  const format = raw === null ? null : normalizeFormat(raw);
  const deliverable = target === 'image' || target === 'raw' ? isImageOutputFormat : target === 'video' ? isVideoOutputFormat : isOutputFormat;
  if (format !== null && !deliverable(format)) throw new ApiError(400, `Invalid eager format ${raw}`);
  return format;
}

/**
 * The transformation a derive job runs: the job's own (canonical) text, except for an eager item with
 * conditionals, variables or expressions, which intake could only validate. That one is resolved here,
 * against the asset version it derives from, exactly as planDerivative resolves a URL (named
 * transformations expanded, canonical), so an eager derivative and the URL's share one key.
 */
export async function resolveJobTransformation(db: CatalogDb, job: Pick<DeriveJobV1, 'cloudName' | 'versionId' | 'transformation'>): Promise<string> {
  if (!hasExpressions(job.transformation)) return job.transformation;
  const asset = await findAssetByVersionId(db, job.versionId);
  if (!asset || asset.cloudName !== job.cloudName) throw new ApiError(404, 'Resource not found - the asset version no longer exists');
  const resolved = resolveExpressions(job.transformation, asset);
  if (resolved === '') return '';
  const plan = await expandNamed(parseTransformation(resolved), (name) => findNamedTransformation(db, job.cloudName, name));
  if (asset.resourceType === 'image') assertImagePlan(plan);
  return canonicalString(plan);
}

/** The incoming `transformation` of an upload, validated at intake: canonical, named ones expanded. */
export async function resolveIncomingTransformation(db: CatalogDb, cloudName: string, text: string | undefined): Promise<string | null> {
  if (text === undefined || text.trim() === '') return null;
  const plan = await expandNamed(parseTransformation(text), (name) => findNamedTransformation(db, cloudName, name));
  assertImagePlan(plan);
  return canonicalString(plan);
}

/**
 * The derive format of an eager item on a stored asset: the item's, else the original's when it can be
 * written, else jpg for an image and mp4 for a video (mp3 for audio).
 */
export function eagerFormat(
  spec: EagerSpec,
  asset: Pick<AssetRecord, 'format'> & { resourceType?: AssetRecord['resourceType']; width?: number | null },
): OutputFormat {
  if (asset.resourceType === 'video') {
    const candidate = spec.format ?? asset.format ?? 'mp4';
    if (isVideoOutputFormat(candidate)) return candidate;
    return asset.width === null ? 'mp3' : 'mp4';
  }
  const candidate = spec.format ?? asset.format ?? 'jpg';
  return isImageOutputFormat(candidate) ? candidate : 'jpg';
}

export interface UrlBases {
  publicBaseUrl: string;
  secureBaseUrl: string;
}

function eagerUrls(asset: AssetRecord, transformation: string, format: string, bases: UrlBases) {
  const parts = {
    cloudName: asset.cloudName,
    resourceType: asset.resourceType,
    type: asset.type,
    transformation,
    version: asset.version,
    publicId: asset.publicId,
    format,
  };
  return {
    url: buildDeliveryUrl({ ...parts, baseUrl: bases.publicBaseUrl }),
    secure_url: buildDeliveryUrl({ ...parts, baseUrl: bases.secureBaseUrl }),
  };
}

/** Cloudinary's eager item for a derivative of `asset`. */
export function eagerItem(
  asset: AssetRecord,
  spec: Pick<EagerSpec, 'requested' | 'transformation'>,
  derived: Pick<DerivedRecord, 'width' | 'height' | 'bytes' | 'format'>,
  bases: UrlBases,
): EagerResultItem {
  return {
    transformation: spec.requested,
    width: derived.width,
    height: derived.height,
    bytes: derived.bytes,
    format: derived.format,
    ...eagerUrls(asset, spec.transformation, derived.format, bases),
  };
}

/** What an eager_async response shows for an item still being derived. */
export function eagerPlaceholder(asset: AssetRecord, spec: EagerSpec, batchId: string, bases: UrlBases): EagerResultItem {
  return {
    status: 'processing',
    batch_id: batchId,
    transformation: spec.requested,
    ...eagerUrls(asset, spec.transformation, eagerFormat(spec, asset), bases),
  };
}

/**
 * The derive jobs of a batch's eager list (an upload's follow-ups, an explicit call's jobs): one per
 * item, each knowing its place in the list. `skipFirst` when the ingest derived item 0 itself.
 */
export function eagerDeriveJobs(
  asset: Pick<AssetRecord, 'cloudName' | 'assetId' | 'versionId' | 'format' | 'resourceType' | 'width'>,
  specs: readonly EagerSpec[],
  batchId: string,
  options: { skipFirst?: boolean } = {},
): Array<NewJob & { payload: DeriveJobV1 }> {
  return specs.flatMap((spec, index) => {
    if (index === 0 && options.skipFirst) return [];
    const id = randomUUID();
    const payload: DeriveJobV1 = {
      v: 1,
      cloudName: asset.cloudName,
      assetId: asset.assetId,
      versionId: asset.versionId,
      transformation: spec.transformation,
      format: eagerFormat(spec, asset),
      eager: { jobId: id, batchId, index, requested: spec.requested },
    };
    const definition = deriveDefinitionFor(asset);
    return [{ id, queue: definition.queue, kind: definition.kind, payload }];
  });
}

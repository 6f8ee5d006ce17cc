import { findAssetByVersionId, findNamedTransformation, type AssetRecord, type CatalogDb, type DerivedRecord } from '@rendition/catalog';
import type { DeriveJobV1 } from '@rendition/jobs';
import { ApiError, buildDeliveryUrl } from '@rendition/protocol';
import { assertImagePlan, canonicalString, expandNamed, outputSettings, parseEagerList, parseTransformation } from '@rendition/transform';

/** One eager item, validated at intake: what to derive and how to echo it. */
export interface EagerSpec {
  /** As the client wrote it, `/ext` included: the response's `transformation`. */
  requested: string;
  /** Canonical, named transformations expanded: the derivative's identity. */
  transformation: string;
  /** The item's `/ext` or `f_`, else null (the original's format is used). */
  format: string | null;
}

const EAGER_FORMATS = new Set(['jpg', 'png', 'webp', 'avif', 'gif']);

/** Parses `eager` at intake so a bad item is a 400 before anything is stored. */
export async function resolveEagerSpecs(db: CatalogDb, cloudName: string, text: string | undefined): Promise<EagerSpec[]> {
  if (text === undefined || text.trim() === '') return [];
  const specs: EagerSpec[] = [];
  for (const item of parseEagerList(text)) {
    const plan = await expandNamed(item.plan, (name) => findNamedTransformation(db, cloudName, name));
    assertImagePlan(plan);
    const planFormat = outputSettings(plan).format;
    const format = normalizeFormat(item.formatSuffix ?? (planFormat === 'auto' ? null : planFormat));
    if (format !== null && !EAGER_FORMATS.has(format)) throw new ApiError(400, `Invalid eager format ${format}`);
    specs.push({ requested: item.requested, transformation: canonicalString(plan), format });
  }
  return specs;
}

/** The incoming `transformation` of an upload, validated at intake: canonical, named ones expanded. */
export async function resolveIncomingTransformation(db: CatalogDb, cloudName: string, text: string | undefined): Promise<string | null> {
  if (text === undefined || text.trim() === '') return null;
  const plan = await expandNamed(parseTransformation(decodeURIComponent(text)), (name) => findNamedTransformation(db, cloudName, name));
  assertImagePlan(plan);
  return canonicalString(plan);
}

function normalizeFormat(format: string | null | undefined): string | null {
  if (format === undefined || format === null) return null;
  const lower = format.toLowerCase();
  return lower === 'jpeg' ? 'jpg' : lower;
}

/** The derive format of an eager item on a stored asset. */
export function eagerFormat(spec: EagerSpec, asset: Pick<AssetRecord, 'format'>): 'jpg' | 'png' | 'webp' | 'avif' | 'gif' {
  const candidate = spec.format ?? asset.format ?? 'jpg';
  return (EAGER_FORMATS.has(candidate) ? candidate : 'jpg') as 'jpg' | 'png' | 'webp' | 'avif' | 'gif';
}

export interface UrlBases {
  publicBaseUrl: string;
  secureBaseUrl: string;
}

function eagerUrls(asset: AssetRecord, transformation: string, format: string, bases: UrlBases) {
  const parts = {
    cloudName: asset.cloudName,
    resourceType: 'image' as const,
    type: asset.type as 'upload' | 'private' | 'authenticated',
    transformation,
    version: asset.version,
    publicId: asset.publicId,
    format,
  };
  return { url: buildDeliveryUrl({ ...parts, baseUrl: bases.publicBaseUrl }), secure_url: buildDeliveryUrl({ ...parts, baseUrl: bases.secureBaseUrl }) };
}

/** Cloudinary's eager item of a derive job: `{transformation, width, height, bytes, format, url, secure_url}`. */
export async function eagerResultItem(db: CatalogDb, job: DeriveJobV1, derived: DerivedRecord, bases: UrlBases): Promise<Record<string, unknown>> {
  const asset = await findAssetByVersionId(db, job.versionId);
  if (!asset) throw new ApiError(404, 'Resource not found - the asset version no longer exists');
  return eagerItem(asset, { requested: job.eager?.requested ?? job.transformation, transformation: job.transformation }, derived, bases);
}

/** Cloudinary's eager item for a derivative of `asset`. */
export function eagerItem(
  asset: AssetRecord,
  spec: Pick<EagerSpec, 'requested' | 'transformation'>,
  derived: Pick<DerivedRecord, 'width' | 'height' | 'bytes' | 'format'>,
  bases: UrlBases,
): Record<string, unknown> {
  return {
    transformation: spec.requested,
    width: derived.width,
    height: derived.height,
    bytes: derived.bytes,
    format: derived.format,
    ...eagerUrls(asset, spec.transformation, derived.format, bases),
  };
}

/** A batch result with eager item `index` in place (the others kept as they are). */
export function withEagerItem(current: Record<string, unknown> | null, index: number, item: Record<string, unknown>): Record<string, unknown> {
  const eager = Array.isArray(current?.eager) ? [...(current.eager as unknown[])] : [];
  eager[index] = item;
  return { ...current, eager };
}

/** What an eager_async response shows for an item still being derived. */
export function eagerPlaceholder(asset: AssetRecord, spec: EagerSpec, batchId: string, bases: UrlBases): Record<string, unknown> {
  return { status: 'processing', batch_id: batchId, transformation: spec.requested, ...eagerUrls(asset, spec.transformation, eagerFormat(spec, asset), bases) };
}

import type { AssetRecord, CatalogDb } from '@rendition/catalog';
import { storeDerivative } from '@rendition/derive';
import type { IngestJobV1 } from '@rendition/jobs';
import { computeBreakpoints, type ImageExecutionLimits } from '@rendition/media';
import { ApiError, assetUrls, isImageOutputFormat, normalizeFormat, type ImageOutputFormat, type ResponseOptions } from '@rendition/protocol';
import type { BlobStore } from '@rendition/storage';
import { canonicalString, isDocumentFormat, outputSettings, parseTransformation, planHash, type TransformationPlan } from '@rendition/transform';

// responsive_breakpoints (issue 18; docs/transformations.md, "Responsive breakpoints"): the upload's
// ingest and an explicit call's analyze job compute them from the original, before an upload stores it,
// so a failure refuses the upload; the images a settings object asks to keep become derivatives.

export type BreakpointRequest = NonNullable<IngestJobV1['responsiveBreakpoints']>[number];

/** One breakpoint image: its derivative identity and what was written to the scratch directory. */
export interface ComputedBreakpoint {
  /** Canonical: `<settings transformation>/c_scale,w_<width>`. */
  transformation: string;
  transformationHash: string;
  /** In the caller's scratch directory: gone once it is removed. */
  path: string;
  width: number;
  height: number;
  bytes: number;
}

/** One settings object's breakpoints, widest first. */
export interface ComputedBreakpoints {
  request: BreakpointRequest;
  format: string;
  images: ComputedBreakpoint[];
}

/** The original they are computed from: the prepared upload, or the stored version (explicit). */
export interface BreakpointSource {
  path: string;
  resourceType: 'image' | 'video' | 'raw';
  format: string | null;
  width: number | null;
}

/**
 * Every settings object's breakpoints, in order, written under `dir`. A source that is not a raster
 * image is refused with a 400 (an `auto` upload's type is known only here); so is whatever the image
 * executor refuses (a transformation beyond the size limits: a MediaError, the caller's 400).
 */
export async function computeResponsiveBreakpoints(
  limits: ImageExecutionLimits,
  requests: readonly BreakpointRequest[],
  source: BreakpointSource,
  dir: string,
): Promise<ComputedBreakpoints[]> {
  if (requests.length === 0) return [];
  checkSource(source);
  const computed: ComputedBreakpoints[] = [];
  for (const [index, request] of requests.entries()) {
    const base: TransformationPlan = request.transformation === null ? { components: [] } : parseTransformation(request.transformation);
    const format = breakpointFormat(request, base, source.format);
    const images = await computeBreakpoints(source.path, {
      base,
      format,
      minWidth: request.minWidth,
      maxWidth: request.maxWidth,
      bytesStep: request.bytesStep,
      maxImages: request.maxImages,
      limits,
      dir,
      name: `breakpoints-${index}`,
    });
    computed.push({
      request,
      format,
      images: images.map(({ plan, path, execution }) => ({
        transformation: canonicalString(plan),
        transformationHash: planHash(plan),
        path,
        width: execution.width,
        height: execution.height,
        bytes: execution.bytes,
      })),
    });
  }
  return computed;
}

function checkSource(source: BreakpointSource): void {
  if (source.resourceType !== 'image') throw new ApiError(400, `Responsive breakpoints are supported for images only, not ${source.resourceType}`);
  // [GUESS] A document's pages, and originals stored without dimensions, are not scaled here.
  if (isDocumentFormat(source.format) || source.width === null) {
    throw new ApiError(400, `Responsive breakpoints are not supported for ${source.format ?? 'this'} files`);
  }
}

/**
 * The images' format: the transformation's own `f_` (delivery honours it whatever the extension), else
 * the settings' format (or `/ext`), else the asset's when it can be written, else jpg, as an eager item's.
 */
function breakpointFormat(request: BreakpointRequest, base: TransformationPlan, assetFormat: string | null): ImageOutputFormat {
  const planFormat = outputSettings(base).format;
  const fixed = planFormat === null || planFormat === 'auto' ? null : normalizeFormat(planFormat);
  if (fixed !== null && isImageOutputFormat(fixed)) return fixed;
  const format = request.format ?? assetFormat ?? 'jpg';
  return isImageOutputFormat(format) ? format : 'jpg';
}

/**
 * Keeps the images of the settings that asked for it (create_derived) as derivatives of `asset`, so
 * their URLs are served from storage. A failure leaves that image to be derived on its first request,
 * which produces the same file: the answer stays true either way.
 */
export async function storeResponsiveBreakpoints(
  deps: { db: CatalogDb; store: BlobStore },
  asset: Pick<AssetRecord, 'assetId' | 'versionId'>,
  computed: readonly ComputedBreakpoints[],
): Promise<void> {
  for (const entry of computed) {
    if (!entry.request.createDerived) continue;
    for (const image of entry.images) {
      const identity = {
        assetId: asset.assetId,
        versionId: asset.versionId,
        transformationHash: image.transformationHash,
        format: entry.format,
        transformation: image.transformation,
      };
      try {
        await storeDerivative(deps, identity, image.path, image);
      } catch {
        // Derived on first request instead (see above).
      }
    }
  }
}

/** The answer's `responsive_breakpoints`: one entry per settings object, its images widest first. */
export function responsiveBreakpointsField(
  asset: Pick<AssetRecord, 'publicId' | 'resourceType' | 'type' | 'version'>,
  computed: readonly ComputedBreakpoints[],
  options: Pick<ResponseOptions, 'apiSecret' | 'publicBaseUrl' | 'secureBaseUrl' | 'cloudName'>,
): Array<Record<string, unknown>> {
  return computed.map((entry) => ({
    breakpoints: entry.images.map((image) => ({
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      ...assetUrls({ ...asset, format: entry.format }, options, image.transformation),
    })),
    ...(entry.request.requested !== null ? { transformation: entry.request.requested } : {}),
  }));
}

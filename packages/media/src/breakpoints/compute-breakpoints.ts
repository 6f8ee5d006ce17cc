import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '@rendition/protocol';
import { parseTransformation, projectPlan, type TransformationPlan } from '@rendition/transform';
import { displayedSize } from '../displayed-size.ts';
import { executeImagePlan, type ImageExecution, type ImageExecutionLimits } from '../image-executor.ts';
import { readImageHeader } from '../image-header.ts';
import { imageSource } from '../image-source.ts';
import type { ImageTarget } from '../image-targets.ts';
import { MediaError } from '../media-error.ts';
import { breakpointCount, chooseWidths, probeWidths, type WidthSample } from './breakpoint-widths.ts';

export interface BreakpointRequestOptions {
  /** The settings' transformation (named ones expanded), applied before the scaling; empty for none. */
  base: TransformationPlan;
  format: ImageTarget;
  minWidth: number;
  maxWidth: number;
  bytesStep: number;
  maxImages: number;
  limits: ImageExecutionLimits;
  /** Where the images are written; the caller's scratch directory, which it removes. */
  dir: string;
  /** Prefix of the files written, distinct per settings object. */
  name: string;
}

/** One breakpoint image, encoded exactly as delivering its plan would encode it. */
export interface BreakpointImage {
  /** The base plan and `c_scale,w_<width>`: the derivative's identity and its URL's transformation. */
  plan: TransformationPlan;
  path: string;
  execution: ImageExecution;
}

/**
 * The breakpoint images of one settings object, widest first (see breakpoint-widths.ts). The width range
 * is capped by the transformed image's width, projected without decoding. The two ends are encoded
 * first; their sizes give the number of images, up to two probes in between refine the curve, and the
 * chosen widths are then encoded (or taken from a probe): each image is the very file a request of its
 * URL would produce, so its reported bytes are the bytes delivered. Probes not chosen are removed.
 */
export async function computeBreakpoints(inputPath: string, options: BreakpointRequestOptions): Promise<BreakpointImage[]> {
  const header = await readImageHeader(await imageSource(inputPath), options.limits);
  const maxWidth = Math.min(options.maxWidth, transformedWidth(options.base, displayedSize(header), options.limits));
  const minWidth = Math.min(options.minWidth, maxWidth);
  const bounds = { minWidth, maxWidth, bytesStep: options.bytesStep, maxImages: options.maxImages };
  const encoded = new Map<number, BreakpointImage>();
  const encode = async (width: number): Promise<WidthSample> => {
    const plan = scaledPlan(options.base, width);
    const path = join(options.dir, `${options.name}-w${width}.${options.format}`);
    const execution = await executeImagePlan(inputPath, path, plan, { format: options.format, limits: options.limits });
    encoded.set(width, { plan, path, execution });
    return { width, bytes: execution.bytes };
  };

  const largest = await encode(maxWidth);
  const smallest = options.maxImages === 1 || minWidth === maxWidth ? largest : await encode(minWidth);
  const count = breakpointCount(largest, smallest, bounds);
  const samples = [largest, smallest];
  for (const width of probeWidths(largest, smallest, count)) samples.push(await encode(width));
  const widths = chooseWidths(samples, largest, smallest, count);
  const images: BreakpointImage[] = [];
  for (const width of widths) {
    if (!encoded.has(width)) await encode(width);
    images.push(encoded.get(width)!);
  }
  const chosen = new Set(widths);
  await Promise.all([...encoded].filter(([width]) => !chosen.has(width)).map(([, image]) => rm(image.path, { force: true })));
  return images;
}

/** The base plan followed by Cloudinary's breakpoint scaling, `c_scale,w_<width>`. */
export function scaledPlan(base: TransformationPlan, width: number): TransformationPlan {
  return { components: [...base.components, ...parseTransformation(`c_scale,w_${width}`).components] };
}

/** The base plan's output width on the displayed image; a plan beyond the size limits is the client's (too_large). */
function transformedWidth(base: TransformationPlan, input: { width: number; height: number }, limits: ImageExecutionLimits): number {
  try {
    return projectPlan(base, input, { maxDimension: limits.maxDimension, maxPixels: limits.maxOutputPixels }).output.width;
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) throw new MediaError('too_large', error.message, { cause: error });
    throw error;
  }
}

import { randomUUID } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApiError } from '@rendition/protocol';
import { assertImagePlan, outputSettings, projectPlan } from '@rendition/transform';
import type { LayerSource, PlanGeometry, Size, TransformationPlan } from '@rendition/transform';
import sharp from 'sharp';
import type { OutputInfo, Sharp } from 'sharp';
import { withDeadline } from './deadline.ts';
import { displayedSize } from './displayed-size.ts';
import { encodeSettings } from './encode-settings.ts';
import type { EncodeSettings } from './encode-settings.ts';
import { readImageHeader } from './image-header.ts';
import type { ImageHeader } from './image-header.ts';
import { assertImageLimits } from './image-limits.ts';
import type { ImageLimits } from './image-limits.ts';
import { planOperations } from './image-operations.ts';
import { Deadline, encode, fromRaw, runOperations, toRaw } from './image-pipeline.ts';
import type { AnimationOptions } from './image-pipeline.ts';
import { imageSource, type ImageInput } from './image-source.ts';
import { isImageTarget } from './image-targets.ts';
import type { ImageTarget } from './image-targets.ts';
import { openLayers } from './layers/compose-layer.ts';
import type { LayerInputs } from './layers/layer-inputs.ts';
import { MediaError } from './media-error.ts';
import type { ImageOperation } from './pixel-operations.ts';
import { toMediaError } from './sharp-errors.ts';

export type ImageExecutionLimits = ImageLimits & {
  /** Largest width or height of the output and of every intermediate step. */
  maxDimension: number;
  /** Largest width × height of the output and of every intermediate step (of all frames together for an animation). */
  maxOutputPixels: number;
};

export type ImageExecutionOptions = {
  /** The output format, already resolved by the caller (f_auto from Accept; without f_, the original's or the URL's). */
  format: ImageTarget;
  limits: ImageExecutionLimits;
  /** The files of the plan's asset and fetch layers; a plan that has such a layer needs it. */
  layers?: LayerInputs;
};

/**
 * What was written: the displayed size (of one frame for an animation), Cloudinary's format name, the file
 * size, and whether the decode read every pixel of the source (see readsEveryPixel): when it did, the
 * execution also proved what probeImage's verification decode proves, under the same `failOn`.
 */
export type ImageExecution = {
  width: number;
  height: number;
  format: ImageTarget;
  bytes: number;
  decodedEveryPixel: boolean;
  /** The encoded image: its bytes when they were kept in memory (ImageOutput's `inMemoryUpToPixels`), else the file written. */
  encoded: Buffer | string;
};

/**
 * Where the encoded image goes: a file at this path; or, with `inMemoryUpToPixels`, memory when the projected
 * output (every frame of an animation counted) has at most that many pixels — its encoded size is bounded by
 * them — and otherwise the file `file()` names (asked for only then, so a caller makes no scratch directory
 * for a small output). Keeping a small derivative in memory spares the file's write, rename and re-reads
 * (its hash, the store's copy).
 */
export type ImageOutput = string | { inMemoryUpToPixels: number; file: () => Promise<string> };

/**
 * Executes a transformation plan on the image `input` (a file, or bytes in memory) and writes the result to `output` (ImageOutput).
 *
 * Order of work: the header is read (pixel limit checked), the page chosen (`pg_`), the layers' sources
 * opened (layers/compose-layer.ts: files from `options.layers`, texts rendered, headers checked), and the
 * plan projected on the EXIF-oriented size with the output limits and the layers' sizes, so an oversized
 * request is a MediaError('too_large') before any pixel is decoded. The pixels are then decoded with EXIF orientation applied (Cloudinary
 * delivers auto-oriented images), every component's geometry steps and effects run in order
 * (image-operations.ts, image-pipeline.ts), and the result is encoded with the plan's quality and flags
 * (encode-settings.ts).
 *
 * An animated input written as GIF without `pg_` stays animated: each frame runs through the plan and the
 * frames are joined with the source's delays and loop count. Every other case takes one page: `pg_n`, or
 * the first.
 *
 * A file output appears complete or not at all (temporary name in the same directory, then
 * rename). The whole execution is bounded by `limits.timeoutSeconds` (a MediaError('timeout')). Errors:
 * MediaError corrupt/unsupported/too_large/timeout for what the client sent; ApiError 400 for a plan with
 * video-only parameters; anything else is ours.
 */
export async function executeImagePlan(
  input: ImageInput,
  output: ImageOutput,
  plan: TransformationPlan,
  options: ImageExecutionOptions,
): Promise<ImageExecution> {
  const { format, limits } = options;
  assertExecutionLimits(limits);
  if (!isImageTarget(format)) throw new MediaError('unsupported', 'Unsupported target format');
  assertImagePlan(plan);
  const settings = outputSettings(plan);
  const encoder = encodeSettings(settings, format);
  const deadline = new Deadline(limits.timeoutSeconds);

  const source = await imageSource(input);
  const header = await readImageHeader(source, limits);
  const animate = header.animated && format === 'gif' && settings.page === null;
  const page = await selectPage(source, header, settings.page);
  // Layers are opened (sizes read, texts rendered) before the projection, which places them.
  const layers = await openLayers(plan, options.layers, limits);
  const geometry = project(plan, page.size, limits, layers.sizeOf);
  if (animate) assertAnimationSize(geometry, header.pages, limits);
  const operations = planOperations(plan, geometry, {
    input: page.size,
    hasAlpha: page.hasAlpha,
    target: format,
    layerPixels: layers.pixels(deadline),
    // e_trim projects what follows it again, on what it cut: within the same limits, with the same layers.
    limits: { maxDimension: limits.maxDimension, maxPixels: limits.maxOutputPixels },
    layerSize: layers.sizeOf,
  });
  if (encoder.colorSpace === 'keep_cmyk') encoder.colorSpace = (await isCmyk(source)) ? 'cmyk' : 'srgb';

  const decodedEveryPixel = animate || (header.pages === 1 && readsEveryPixel(geometry));
  const encoded = () =>
    animate
      ? encodedAnimation(source, header, operations, encoder, limits, deadline)
      : encodedStill(source, page.index, operations, encoder, limits, deadline);
  const outputPixels = geometry.output.width * geometry.output.height * (animate ? header.pages : 1);
  if (typeof output !== 'string' && outputPixels <= output.inMemoryUpToPixels) {
    const work = encoded().then((image) => writeEncoded(image, 'memory', deadline));
    const { info, data } = await withDeadline(work, limits.timeoutSeconds);
    return { width: info.width, height: info.pageHeight ?? info.height, format, bytes: data.length, decodedEveryPixel, encoded: data };
  }
  const outputPath = typeof output === 'string' ? output : await output.file();
  const temporary = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.tmp`);
  try {
    const work = encoded().then((image) => writeEncoded(image, { temporary }, deadline));
    const { info } = await withDeadline(work, limits.timeoutSeconds, () => rm(temporary, { force: true }));
    await rename(temporary, outputPath);
    return { width: info.width, height: info.pageHeight ?? info.height, format, bytes: info.size, decodedEveryPixel, encoded: outputPath };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Where one execution's encoder writes: a temporary file (renamed into place after), or a Buffer. */
type Sink = { temporary: string } | 'memory';

function assertExecutionLimits(limits: ImageExecutionLimits): void {
  assertImageLimits(limits);
  for (const name of ['maxDimension', 'maxOutputPixels'] as const) {
    if (!Number.isSafeInteger(limits[name]) || limits[name] < 1) throw new TypeError(`${name} must be a positive integer, got ${limits[name]}`);
  }
}

type Page = { index: number; size: Size; hasAlpha: boolean };

/**
 * The page the plan runs on (0-based) and its displayed size. `pg_` counts from 1; a page beyond the
 * last is refused. A multi-page TIFF's pages may differ in size, so a later page's header is read.
 */
async function selectPage(source: string | Buffer, header: ImageHeader, requested: number | null): Promise<Page> {
  const index = requested === null ? 0 : requested - 1;
  if (index >= header.pages) {
    const pages = header.pages === 1 ? '1 page' : `${header.pages} pages`;
    throw new MediaError('unsupported', `Invalid page ${requested}: the image has ${pages}`);
  }
  if (index === 0 || header.animated) return { index, size: displayedSize(header), hasAlpha: header.hasAlpha };
  try {
    const metadata = await sharp(source, { page: index, limitInputPixels: false, failOn: 'error' }).metadata();
    return { index, size: displayedSize(metadata), hasAlpha: metadata.hasAlpha };
  } catch (error) {
    throw toMediaError(error);
  }
}

/**
 * Whether libvips must decode every source pixel to produce this geometry. It computes only the pixels
 * the output needs, so a plan that cuts anything away (c_crop's extract, a cover resize whose scaled
 * image is larger than its window) may leave the rest of the file unread: a JPEG truncated below the
 * kept region then decodes without error. Every other step (scaling, pad, rotation, flips, border,
 * effects) needs the whole image.
 */
function readsEveryPixel(geometry: PlanGeometry): boolean {
  return geometry.components.every(({ steps }) =>
    steps.every((step) => step.op !== 'extract' && !(step.op === 'cover' && (step.scaledWidth !== step.width || step.scaledHeight !== step.height))),
  );
}

/** projectPlan with the output limits, its 400 turned into the media package's too_large. */
function project(
  plan: TransformationPlan,
  input: Size,
  limits: ImageExecutionLimits,
  layerSize: (source: LayerSource) => Size | undefined,
): PlanGeometry {
  try {
    return projectPlan(plan, input, { maxDimension: limits.maxDimension, maxPixels: limits.maxOutputPixels }, { layerSize });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) throw new MediaError('too_large', error.message, { cause: error });
    throw error;
  }
}

/** cs_keep_cmyk: whether the source's pixels are CMYK (then the output stays CMYK). */
async function isCmyk(source: string | Buffer): Promise<boolean> {
  try {
    return (await sharp(source, { limitInputPixels: false }).metadata()).space === 'cmyk';
  } catch (error) {
    throw toMediaError(error);
  }
}

/** Every frame of an animation is held at its largest intermediate size: all of them together must fit maxOutputPixels. */
function assertAnimationSize(geometry: PlanGeometry, frames: number, limits: ImageExecutionLimits): void {
  let largest = geometry.output;
  for (const { steps, layer } of geometry.components) {
    // A layer's canvas is a size every frame is held at too.
    if (layer !== undefined && layer.width * layer.height > largest.width * largest.height) largest = { width: layer.width, height: layer.height };
    for (const step of steps) {
      const size = step.op === 'cover' ? { width: step.scaledWidth, height: step.scaledHeight } : step;
      if (size.width * size.height > largest.width * largest.height) largest = { width: size.width, height: size.height };
    }
  }
  if (largest.width * largest.height * frames > limits.maxOutputPixels) {
    throw new MediaError(
      'too_large',
      `Requested animation of ${largest.width}x${largest.height} x ${frames} frames exceeds the maximum of ${limits.maxOutputPixels} pixels`,
    );
  }
}

/** Writes the encoded image and returns what sharp reports of it (and the bytes, in memory); sharp's failures become MediaErrors. */
async function writeEncoded(image: Sharp, sink: 'memory', deadline: Deadline): Promise<{ info: OutputInfo; data: Buffer }>;
async function writeEncoded(image: Sharp, sink: Sink, deadline: Deadline): Promise<{ info: OutputInfo; data?: Buffer }>;
async function writeEncoded(image: Sharp, sink: Sink, deadline: Deadline): Promise<{ info: OutputInfo; data?: Buffer }> {
  const bounded = image.timeout({ seconds: deadline.secondsLeft() });
  try {
    if (sink === 'memory') return await bounded.toBuffer({ resolveWithObject: true });
    return { info: await bounded.toFile(sink.temporary) };
  } catch (error) {
    throw toMediaError(error);
  }
}

/** The still image's pipeline up to its encoder, the pixels bounded by the input pixel limit. */
async function encodedStill(
  source: string | Buffer,
  page: number,
  operations: readonly ImageOperation[],
  encoder: EncodeSettings,
  limits: ImageLimits,
  deadline: Deadline,
): Promise<Sharp> {
  const input = sharp(source, {
    failOn: 'error',
    sequentialRead: true,
    limitInputPixels: limits.maxInputPixels,
    autoOrient: true,
    page,
    pages: 1,
  });
  const { image, passes } = await runOperations(input, operations, deadline);
  await keepMetadata(image, source, page, encoder, passes);
  return encode(image, encoder);
}

/**
 * fl_keep_iptc. In one pass sharp copies the source's metadata itself (IPTC, XMP, EXIF less the
 * orientation already applied, and the ICC profile unless fl_strip_profile). After several passes the
 * pixels come from raw buffers that carry none, and sharp can write XMP but not IPTC or a copied EXIF
 * block: the source's XMP packet is written then, the rest is lost.
 */
async function keepMetadata(image: Sharp, source: string | Buffer, page: number, encoder: EncodeSettings, passes: number): Promise<void> {
  if (encoder.metadata === 'strip') return;
  if (passes === 1) {
    if (encoder.metadata === 'keep') image.keepMetadata();
    else image.keepExif().keepXmp();
    return;
  }
  const { xmp } = await sharp(source, { page, limitInputPixels: false }).metadata();
  if (xmp !== undefined && xmp.length > 0) image.withXmp(xmp.toString('utf8'));
}

/**
 * An animation written as GIF: all frames are decoded at once (their pixels were counted against
 * maxInputPixels by the header check), each runs the plan on its own, and the results are joined
 * into the pipeline that encodes them.
 */
async function encodedAnimation(
  source: string | Buffer,
  header: ImageHeader,
  operations: readonly ImageOperation[],
  encoder: EncodeSettings,
  limits: ImageLimits,
  deadline: Deadline,
): Promise<Sharp> {
  let animation: AnimationOptions;
  try {
    const metadata = await sharp(source, { limitInputPixels: false }).metadata();
    animation = {};
    if (metadata.delay !== undefined && metadata.delay.length === header.pages) animation.delay = metadata.delay;
    if (metadata.loop !== undefined) animation.loop = metadata.loop;
  } catch (error) {
    throw toMediaError(error);
  }
  const decoded = sharp(source, { failOn: 'error', animated: true, limitInputPixels: limits.maxInputPixels }).ensureAlpha();
  const all = await toRaw(decoded, deadline);
  const frameHeight = all.info.pageHeight ?? header.height;
  const frameBytes = all.info.width * frameHeight * 4;
  const frames = Math.floor(all.data.length / frameBytes);
  // dl_: one delay for every frame, instead of the source's own.
  if (encoder.format === 'gif' && encoder.delay !== null) animation.delay = new Array<number>(frames).fill(encoder.delay);

  const outputs: Buffer[] = [];
  let size: Size | null = null;
  for (let index = 0; index < frames; index += 1) {
    const data = all.data.subarray(index * frameBytes, (index + 1) * frameBytes);
    const frame = fromRaw({ data, info: { ...all.info, height: frameHeight, channels: 4 } });
    const { image } = await runOperations(frame, operations, deadline);
    const result = await toRaw(image.ensureAlpha(), deadline);
    outputs.push(result.data);
    size = { width: result.info.width, height: result.info.height };
  }
  if (size === null) throw new MediaError('corrupt', 'Invalid image file');
  const joined = sharp(Buffer.concat(outputs), {
    raw: { width: size.width, height: size.height * frames, channels: 4, pageHeight: size.height },
    limitInputPixels: false,
  });
  return encode(joined, encoder, animation);
}

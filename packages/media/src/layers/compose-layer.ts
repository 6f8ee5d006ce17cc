import { ApiError } from '@rendition/protocol';
import { assertImagePlan, layerErrors, layerSourceText, MAX_LAYERS, outputSettings, textStroke, textWrapWidth } from '@rendition/transform';
import type { Component, Layer, LayerGeometry, LayerSource, Size, TransformationPlan } from '@rendition/transform';
import sharp from 'sharp';
import { displayedSize } from '../displayed-size.ts';
import { readImageHeader } from '../image-header.ts';
import type { ImageLimits } from '../image-limits.ts';
import { planOperations } from '../image-operations.ts';
import { runOperations, toRaw, type Deadline, type RawImage } from '../image-pipeline.ts';
import { imageSource } from '../image-source.ts';
import { MediaError } from '../media-error.ts';
import type { LayerPixels } from '../pixel-operations.ts';
import { renderTextLayer } from '../text/render-text.ts';
import type { LayerInputs } from './layer-inputs.ts';

// The pixels of a plan's layers (l_/u_). Before the plan is projected, every layer's source is opened and
// its size read (openLayers): an asset or fetched image through LayerInputs, a text rendered here. The
// executor projects the plan with those sizes, and the pipeline asks for each layer's pixels when it
// reaches it (LayerSources.pixels): the layer's own components run on its source with the same planner
// and pipeline as the image itself (nested layers included), and the result is clipped to the canvas.

export type LayerLimits = ImageLimits & { maxDimension: number; maxOutputPixels: number };

/** A layer's source, opened: what sharp reads, and its size as shown (EXIF orientation applied). */
type OpenedSource = { input: string | Buffer; size: Size; hasAlpha: boolean };

export type LayerSources = {
  /** The source's size for projectPlan's `layerSize`; undefined for a source of another plan. */
  sizeOf: (source: LayerSource) => Size | undefined;
  /** planOperations' `layerPixels`: renders a layer component's layer (once per layer geometry). */
  pixels: (deadline: Deadline) => (layer: LayerGeometry) => Promise<LayerPixels | null>;
};

/** Every layer of the plan, nested ones included, in plan order. */
function layersOf(components: readonly Component[], found: Layer[] = []): Layer[] {
  for (const { layer } of components) {
    if (layer === undefined) continue;
    found.push(layer);
    layersOf(layer.components, found);
  }
  return found;
}

/**
 * Opens every layer's source and reads its size, refusing (ApiError 400 or MediaError) what cannot be
 * composed: video-only or `pg_` parameters in a layer, an asset or fetch layer without `inputs`, a source
 * beyond the pixel limit, and more than MAX_LAYERS layers (a named transformation may bring more than the
 * parser saw). All the layers' pixels together count against `maxInputPixels` once more: each layer is one
 * more image decoded.
 */
export async function openLayers(plan: TransformationPlan, inputs: LayerInputs | undefined, limits: LayerLimits): Promise<LayerSources> {
  const layers = layersOf(plan.components);
  if (layers.length > MAX_LAYERS) throw layerErrors.tooManyLayers(MAX_LAYERS);
  const opened = new Map<LayerSource, OpenedSource>();
  let pixels = 0;
  for (const layer of layers) {
    if (opened.has(layer.source)) continue;
    assertLayerPlan(layer);
    const source = await openSource(layer, inputs, limits);
    pixels += source.size.width * source.size.height;
    if (pixels > limits.maxInputPixels) {
      throw new MediaError('too_large', `Layers of ${pixels} pixels together exceed the limit of ${limits.maxInputPixels} pixels`);
    }
    opened.set(layer.source, source);
  }
  return {
    sizeOf: (source) => opened.get(source)?.size,
    pixels: (deadline) => layerRenderer(opened, limits, deadline),
  };
}

/** A layer's own components: an image's (no video-only parameter), and no `pg_` (a layer shows its source's first page or frame). */
function assertLayerPlan(layer: Layer): void {
  const own = { components: layer.components };
  assertImagePlan(own);
  const page = outputSettings(own).page;
  if (page !== null) throw new ApiError(400, `Unsupported transformation parameter - pg_${page} inside a layer: a layer shows its first page or frame`);
}

async function openSource(layer: Layer, inputs: LayerInputs | undefined, limits: LayerLimits): Promise<OpenedSource> {
  const { source } = layer;
  if (source.kind === 'text') {
    const first = layer.components[0]?.layer === undefined ? layer.components[0] : undefined;
    const rendered = await renderTextLayer(
      { style: source.style, text: source.text, color: first?.color ?? null, wrapWidth: textWrapWidth(layer), stroke: textStroke(layer) },
      { maxDimension: limits.maxDimension, maxPixels: limits.maxOutputPixels },
    );
    return { input: rendered.png, size: { width: rendered.width, height: rendered.height }, hasAlpha: true };
  }
  if (inputs === undefined) {
    throw new MediaError(
      'unsupported',
      `Layers of other images are not available here: ${layer.mode === 'overlay' ? 'l' : 'u'}_${layerSourceText(source)}`,
    );
  }
  const input = await imageSource(await inputs.fileFor(source));
  const header = await readImageHeader(input, limits);
  return { input, size: displayedSize(header), hasAlpha: header.hasAlpha };
}

/** Renders layers for the pipeline: each layer geometry once, even when every frame of an animation asks. */
function layerRenderer(
  opened: ReadonlyMap<LayerSource, OpenedSource>,
  limits: LayerLimits,
  deadline: Deadline,
): (layer: LayerGeometry) => Promise<LayerPixels | null> {
  const rendered = new Map<LayerGeometry, Promise<LayerPixels | null>>();
  const render = async (layer: LayerGeometry): Promise<LayerPixels | null> => {
    const source = opened.get(layer.source);
    if (source === undefined) throw new TypeError('the layer was not opened by openLayers');
    // The layer's own components, planned for an output with alpha: nothing is flattened, pads are clear.
    const operations = planOperations(layer.plan, layer.geometry, {
      input: source.size,
      hasAlpha: source.hasAlpha,
      target: 'png',
      layerPixels: renderOnce,
      limits: { maxDimension: limits.maxDimension, maxPixels: limits.maxOutputPixels },
      layerSize: (layerSource) => opened.get(layerSource)?.size,
    });
    const input = sharp(source.input, { failOn: 'error', limitInputPixels: limits.maxInputPixels, autoOrient: true, page: 0, pages: 1 });
    const { image } = await runOperations(input, operations, deadline);
    return clipToCanvas(await toRaw(image.ensureAlpha(), deadline), layer);
  };
  const renderOnce = (layer: LayerGeometry): Promise<LayerPixels | null> => {
    let pixels = rendered.get(layer);
    if (pixels === undefined) {
      pixels = render(layer);
      rendered.set(layer, pixels);
    }
    return pixels;
  };
  return renderOnce;
}

/** One transparent pixel: a cutter that covers nothing of the canvas cuts all of it away. */
const NOTHING: LayerPixels = { data: Buffer.alloc(4), width: 1, height: 1, left: 0, top: 0 };

/**
 * The part of the rendered layer that lies on the canvas, and where: sharp composites nothing larger than
 * the image, and a layer clipped by fl_no_overflow or fl_cutter may reach past it. A tiled layer keeps its
 * top-left canvas-sized part (its tiles start at the canvas's corner). Null when none of it shows.
 */
export function clipToCanvas(raw: RawImage, layer: LayerGeometry): LayerPixels | null {
  const { width, height, channels } = raw.info;
  if (channels !== 4) throw new TypeError(`a layer is composited from RGBA pixels, got ${channels} channels`);
  const left = layer.tiled ? 0 : Math.max(0, layer.left);
  const top = layer.tiled ? 0 : Math.max(0, layer.top);
  const right = Math.min(layer.width, (layer.tiled ? 0 : layer.left) + width);
  const bottom = Math.min(layer.height, (layer.tiled ? 0 : layer.top) + height);
  if (right <= left || bottom <= top) return layer.cutter ? NOTHING : null;
  const visible = { width: right - left, height: bottom - top };
  if (visible.width === width && visible.height === height) return { data: raw.data, ...visible, left, top };
  // Rows of the visible part, copied out of the layer's raster.
  const fromX = layer.tiled ? 0 : left - layer.left;
  const fromY = layer.tiled ? 0 : top - layer.top;
  const data = Buffer.alloc(visible.width * visible.height * 4);
  for (let row = 0; row < visible.height; row += 1) {
    const start = ((fromY + row) * width + fromX) * 4;
    raw.data.copy(data, row * visible.width * 4, start, start + visible.width * 4);
  }
  return { data, ...visible, left, top };
}

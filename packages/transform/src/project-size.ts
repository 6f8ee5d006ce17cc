import { canonicalComponent } from './canonical.ts';
import { anchor } from './gravity-anchor.ts';
import { layerPlan, placeLayer, type LayerGeometry } from './layer-geometry.ts';
import { transformErrors } from './messages.ts';
import { outputSettings } from './output-settings.ts';
import type { Angle, Color, Component, CropMode, Gravity, Layer, LayerSource, Length, TransformationPlan } from './plan.ts';

// Geometry: what each component does to the image's size, as an ordered list of steps an executor
// performs one by one (sharp: resize / resize+cover / extract / extend / rotate / flip / flop / extend).
// projectOutputSize walks the same steps, so the size the projection promises is the size the executor
// produces, and refuses an oversized step before any pixel is decoded.
//
// Order inside one component: [auto_right/auto_left rotation] → sizing (w/h/ar/c/g/x/y, dpr applied) →
// the other a_ steps in order → border. Effects, radius, opacity and background do not change the size;
// executors apply them after the sizing steps and before rotation and border. (The one exception, e_trim,
// cannot be projected: the executor measures what it cut and projects the rest of the plan again.)

export type Size = { width: number; height: number };
export type SizeLimits = { maxDimension: number; maxPixels: number };

/** Every step states the image size after it (`width`, `height`). */
export type GeometryStep =
  /** Scale to exactly width×height (distorts only for c_scale with both sides). */
  | { op: 'resize'; width: number; height: number }
  /** Scale, keeping the aspect ratio, to scaledWidth×scaledHeight (covering width×height), then cut the
   *  excess at `gravity` (compass anchor, or auto = attention). sharp: resize(width, height, {fit: 'cover'}). */
  | { op: 'cover'; width: number; height: number; scaledWidth: number; scaledHeight: number; gravity: Gravity }
  /** Cut a width×height region at left/top, no scaling (c_crop). `gravity` is the one that placed it: with
   *  auto, left/top are the centered region and an executor may move it to a salient spot (same size). */
  | { op: 'extract'; left: number; top: number; width: number; height: number; gravity: Gravity }
  /** Put the image on a width×height canvas at left/top; the rest is `background` (null: the executor's
   *  default, white for opaque output and transparent where the format has alpha). sharp: extend. */
  | { op: 'pad'; left: number; top: number; width: number; height: number; background: Color | null }
  /** Rotate clockwise by degrees (0 < degrees < 360); width×height is the rotated bounding box. */
  | { op: 'rotate'; degrees: number; width: number; height: number; background: Color | null }
  /** Mirror top↔bottom (a_vflip). */
  | { op: 'flip'; width: number; height: number }
  /** Mirror left↔right (a_hflip). */
  | { op: 'flop'; width: number; height: number }
  /** A solid border of `thickness` pixels on every side. */
  | { op: 'border'; thickness: number; color: Color; width: number; height: number };

/** `layer`: a layer component's geometry (layer-geometry.ts); its `steps` are then []. */
export type ComponentGeometry = { steps: GeometryStep[]; output: Size; layer?: LayerGeometry };
export type PlanGeometry = { components: ComponentGeometry[]; output: Size };

const PAD_MODES: ReadonlySet<CropMode> = new Set(['pad', 'lpad', 'mpad']);
const CROP_FAMILY: ReadonlySet<CropMode> = new Set(['fill', 'lfill', 'fill_pad', 'crop', 'thumb', 'auto']);
const CENTER: Gravity = { kind: 'compass', direction: 'center' };
/** c_auto's gravity when the URL gives none: Cloudinary's c_auto is content-aware, so sharp's attention. */
const AUTO: Gravity = { kind: 'auto', requested: 'auto', faceFallback: false };
/** The modes `z_` zooms (Cloudinary documents z_ for c_crop and c_thumb; c_auto is thumb's content-aware sibling). */
const ZOOMED_COVER: ReadonlySet<CropMode> = new Set(['thumb', 'auto']);
const NORTH_WEST: Gravity = { kind: 'compass', direction: 'north_west' };

const px = (value: number): number => Math.max(1, Math.round(value));
const scaled = (size: Size, factor: number): Size => ({ width: px(size.width * factor), height: px(size.height * factor) });
const same = (a: Size, b: Size): boolean => a.width === b.width && a.height === b.height;

const ratioOf = (component: Component): number | undefined => {
  const ar = component.aspectRatio;
  if (ar === undefined) return undefined;
  return ar.kind === 'ratio' ? ar.width / ar.height : ar.value;
};

type Box = { width?: number; height?: number };

/** The requested box: w/h resolved against the current size, dpr applied, ar filling the missing side. */
function requestedBox(component: Component, current: Size): Box {
  const dpr = component.dpr ?? 1;
  const resolve = (value: Length | undefined, base: number): number | undefined =>
    value === undefined ? undefined : px((value.kind === 'pixels' ? value.value : value.value * base) * dpr);
  let width = resolve(component.width, current.width);
  let height = resolve(component.height, current.height);
  const ratio = ratioOf(component);
  if (ratio !== undefined) {
    if (width !== undefined && height === undefined) height = px(width / ratio);
    else if (height !== undefined && width === undefined) width = px(height * ratio);
    else if (width === undefined && height === undefined) {
      // ar alone. Crop modes: the largest box of that ratio inside the image; pad modes: the smallest box of
      // that ratio around it; the scale family (scale, fit, limit, mfit): the image's width, height derived.
      const mode = component.crop ?? 'scale';
      const wider = current.width / current.height > ratio;
      if (CROP_FAMILY.has(mode) ? wider : PAD_MODES.has(mode) ? !wider : false) {
        width = px(current.height * ratio);
        height = current.height;
      } else {
        width = current.width;
        height = px(current.width / ratio);
      }
    }
  }
  const box: Box = {};
  if (width !== undefined) box.width = width;
  if (height !== undefined) box.height = height;
  return box;
}

const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

/** c_crop: a region of the box's size (clamped to the image), placed by gravity and shifted by x/y. */
function extractStep(component: Component, current: Size, box: Box): GeometryStep {
  const width = Math.min(box.width ?? current.width, current.width);
  const height = Math.min(box.height ?? current.height, current.height);
  const hasOffset = component.x !== undefined || component.y !== undefined;
  const gravity = component.gravity ?? (hasOffset ? NORTH_WEST : CENTER);
  const dpr = component.dpr ?? 1;
  const offset = (value: Length | undefined, base: number): number =>
    value === undefined ? 0 : Math.round(value.kind === 'pixels' ? value.value * dpr : value.value * base);
  const ax = anchor(gravity, current.width - width, 'x');
  const ay = anchor(gravity, current.height - height, 'y');
  const left = clamp(ax.position + ax.sign * offset(component.x, current.width), 0, current.width - width);
  const top = clamp(ay.position + ay.sign * offset(component.y, current.height), 0, current.height - height);
  return { op: 'extract', left, top, width, height, gravity };
}

function padStep(component: Component, inner: Size, canvas: Size): GeometryStep {
  const gravity = component.gravity ?? CENTER;
  const left = anchor(gravity, canvas.width - inner.width, 'x').position;
  const top = anchor(gravity, canvas.height - inner.height, 'y').position;
  return { op: 'pad', left, top, width: canvas.width, height: canvas.height, background: component.background ?? null };
}

function coverStep(component: Component, current: Size, target: Size, factor: number): GeometryStep {
  const scaledSize = scaled(current, factor);
  return {
    op: 'cover',
    width: target.width,
    height: target.height,
    scaledWidth: Math.max(scaledSize.width, target.width),
    scaledHeight: Math.max(scaledSize.height, target.height),
    gravity: component.gravity ?? (component.crop === 'auto' ? AUTO : CENTER),
  };
}

/**
 * c_crop with `z_`: the region is the box divided by the zoom (z_2 cuts half the width and height around
 * the same gravity point, clamped to the image like any c_crop region), then scaled by the zoom, so an
 * unclamped region comes out at exactly the requested box. No w/h: the box is the image itself.
 */
function zoomedCropSteps(component: Component, current: Size, box: Box, zoom: number): GeometryStep[] {
  const width = box.width ?? current.width;
  const height = box.height ?? current.height;
  const region = extractStep(component, current, { width: px(width / zoom), height: px(height / zoom) });
  const output: Size = {
    width: region.width === px(width / zoom) ? width : px(region.width * zoom),
    height: region.height === px(height / zoom) ? height : px(region.height * zoom),
  };
  const steps: GeometryStep[] = same(region, current) ? [] : [region];
  return same(output, region) ? steps : [...steps, { op: 'resize', ...output }];
}

/** The sizing steps of one component (c_ with w/h/ar), from the current size. */
function sizingSteps(component: Component, current: Size): GeometryStep[] {
  const box = requestedBox(component, current);
  const mode = component.crop ?? 'scale';
  const zoom = component.zoom ?? 1;
  if (mode === 'crop' && zoom !== 1) return zoomedCropSteps(component, current, box, zoom);
  if (box.width === undefined && box.height === undefined) return [];
  if (mode === 'crop') {
    const step = extractStep(component, current, box);
    return same(step, current) ? [] : [step];
  }
  const resizeTo = (size: Size): GeometryStep[] => (same(size, current) ? [] : [{ op: 'resize', ...size }]);

  if (box.width === undefined || box.height === undefined) {
    // One side: every mode keeps the aspect ratio; the limit modes never enlarge, the minimum modes never shrink.
    const side = box.width !== undefined ? 'width' : 'height';
    const requested = box[side]!;
    let factor = requested / current[side];
    if (mode === 'limit' || mode === 'lfill' || mode === 'lpad' || mode === 'fill_pad') factor = Math.min(1, factor);
    if (mode === 'mfit' || mode === 'mpad') factor = Math.max(1, factor);
    const size = scaled(current, factor);
    if (factor === requested / current[side]) size[side] = requested;
    return resizeTo(size);
  }

  const target: Size = { width: box.width, height: box.height };
  const fit = Math.min(target.width / current.width, target.height / current.height);
  const cover = Math.max(target.width / current.width, target.height / current.height);
  const within = (factor: number): Size => {
    const size = scaled(current, factor);
    return { width: Math.min(size.width, target.width), height: Math.min(size.height, target.height) };
  };
  const padded = (factor: number): GeometryStep[] => {
    const inner = within(factor);
    return [...resizeTo(inner), ...(same(inner, target) ? [] : [padStep(component, inner, target)])];
  };
  const limitedCover = (): { steps: GeometryStep[]; size: Size } => {
    const factor = Math.min(1, cover);
    const size = scaled(current, factor);
    const cut = { width: Math.min(target.width, size.width), height: Math.min(target.height, size.height) };
    return { steps: same(cut, current) ? [] : [coverStep(component, current, cut, factor)], size: cut };
  };

  switch (mode) {
    case 'scale':
      return resizeTo(target);
    case 'fit':
      return resizeTo(within(fit));
    case 'limit':
      return resizeTo(within(Math.min(1, fit)));
    case 'mfit':
      return resizeTo(scaled(current, Math.max(1, fit)));
    case 'fill':
    case 'thumb':
    case 'auto': {
      // z_ above 1 scales further than covering, so the same w×h window holds less of the image (closer
      // around the gravity's point). Below 1 it would need more than the image: no change [GUESS].
      const zoomed = ZOOMED_COVER.has(mode) ? cover * Math.max(1, zoom) : cover;
      return same(target, current) && zoomed === cover ? [] : [coverStep(component, current, target, zoomed)];
    }
    case 'lfill':
      return limitedCover().steps;
    case 'fill_pad': {
      const { steps, size } = limitedCover();
      return same(size, target) ? steps : [...steps, padStep(component, size, target)];
    }
    case 'pad':
      return padded(fit);
    case 'lpad':
      return padded(Math.min(1, fit));
    case 'mpad':
      return fit >= 1 ? padded(fit) : [];
  }
}

/** The bounding box of a width×height rectangle rotated clockwise by `degrees` (0 ≤ degrees < 360). */
export function rotatedSize(size: Size, degrees: number): Size {
  if (degrees === 90 || degrees === 270) return { width: size.height, height: size.width };
  if (degrees % 180 === 0) return { ...size };
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.abs(Math.cos(radians));
  const sin = Math.abs(Math.sin(radians));
  return { width: px(size.width * cos + size.height * sin), height: px(size.width * sin + size.height * cos) };
}

const sizeAfter = (steps: readonly GeometryStep[], input: Size): Size => {
  const last = steps[steps.length - 1];
  return last === undefined ? input : { width: last.width, height: last.height };
};

/**
 * The geometry of one component applied to an image of size `input`: its ordered steps and the size
 * after them. No limits are checked here (projectPlan / projectOutputSize do that).
 */
export function componentGeometry(component: Component, input: Size): ComponentGeometry {
  if (component.named !== undefined) throw new TypeError('expand named transformations (expandNamed) before computing geometry');
  // A layer's geometry needs its source's size: projectPlan computes it. Here (the video geometry) it is refused.
  if (component.layer !== undefined) throw transformErrors.unsupportedParameter(`${canonicalComponent(component)}: layers are composed on images only`);
  const steps: GeometryStep[] = [];
  const background = component.background ?? null;
  const rotate = (degrees: number): void => {
    const turn = ((degrees % 360) + 360) % 360;
    if (turn !== 0) steps.push({ op: 'rotate', degrees: turn, ...rotatedSize(sizeAfter(steps, input), turn), background });
  };

  const angles: readonly Angle[] = component.angle ?? [];
  const auto = angles.find((step) => step.kind === 'auto_right' || step.kind === 'auto_left');
  if (auto !== undefined) {
    const box = requestedBox(component, input);
    if (box.width !== undefined && box.height !== undefined && box.width !== box.height && input.width !== input.height) {
      if (box.width > box.height !== input.width > input.height) rotate(auto.kind === 'auto_right' ? 90 : -90);
    }
  }
  steps.push(...sizingSteps(component, sizeAfter(steps, input)));
  for (const step of angles) {
    const size = sizeAfter(steps, input);
    if (step.kind === 'degrees') rotate(step.value);
    else if (step.kind === 'hflip') steps.push({ op: 'flop', ...size });
    else if (step.kind === 'vflip') steps.push({ op: 'flip', ...size });
  }
  if (component.border !== undefined) {
    const thickness = px(component.border.width * (component.dpr ?? 1));
    const size = sizeAfter(steps, input);
    steps.push({ op: 'border', thickness, color: component.border.color, width: size.width + 2 * thickness, height: size.height + 2 * thickness });
  }
  return { steps, output: sizeAfter(steps, input) };
}

/** Throws ApiError(400, 'Requested output of WxH exceeds the maximum …') when a size is beyond the limits. */
export function assertWithinSizeLimits(size: Size, limits: SizeLimits): void {
  checkSize(size.width, size.height, limits);
}

function checkSize(width: number, height: number, limits: SizeLimits): void {
  if (width > limits.maxDimension || height > limits.maxDimension) {
    throw transformErrors.outputTooLarge(width, height, `of ${limits.maxDimension} pixels per side`);
  }
  if (width * height > limits.maxPixels) throw transformErrors.outputTooLarge(width, height, `of ${limits.maxPixels} pixels`);
}

function checkInput(input: Size): void {
  for (const side of [input.width, input.height]) {
    if (!Number.isSafeInteger(side) || side < 1) throw new TypeError(`input size must be positive integers, got ${input.width}x${input.height}`);
  }
}

export type ProjectionOptions = {
  /** The size of a layer's source (an asset's or fetched image's oriented size, a rendered text's); undefined when not known yet. */
  layerSize?: (source: LayerSource) => Size | undefined;
};

/**
 * Every component's geometry, in order, checking the size after every step (and a cover's scaled
 * intermediate) against the limits: throws ApiError(400, 'Requested output of WxH exceeds the maximum …')
 * at the first step that is too large. The plan must have no named references (expandNamed first).
 *
 * A layer component projects the layer's own components on its source's size (`options.layerSize`),
 * within the same limits, and places it (layer-geometry.ts). A layer whose source size is not known
 * leaves the size unchanged and has no `layer` geometry: everything else is still bounded, but an
 * overflowing layer may grow the canvas beyond what is reported, so the executor projects again with
 * every layer's size before it decodes anything.
 */
export function projectPlan(plan: TransformationPlan, input: Size, limits: SizeLimits, options: ProjectionOptions = {}): PlanGeometry {
  checkInput(input);
  const components: ComponentGeometry[] = [];
  let current: Size = { width: input.width, height: input.height };
  for (const component of plan.components) {
    const geometry =
      component.layer === undefined ? componentGeometry(component, current) : layerComponentGeometry(component.layer, current, limits, options);
    for (const step of geometry.steps) {
      if (step.op === 'cover') checkSize(step.scaledWidth, step.scaledHeight, limits);
      checkSize(step.width, step.height, limits);
    }
    if (geometry.layer !== undefined) checkSize(geometry.layer.width, geometry.layer.height, limits);
    components.push(geometry);
    current = geometry.output;
  }
  return { components, output: current };
}

/** A layer component: the layer's own projection (same limits, nested layers included) and its placement. */
function layerComponentGeometry(layer: Layer, base: Size, limits: SizeLimits, options: ProjectionOptions): ComponentGeometry {
  const source = options.layerSize?.(layer.source);
  if (source === undefined) return { steps: [], output: base };
  const plan = layerPlan(layer, base);
  const geometry = projectPlan(plan, source, limits, options);
  const placed = placeLayer(layer, base, geometry.output);
  return {
    steps: [],
    output: { width: placed.width, height: placed.height },
    layer: { mode: layer.mode, source: layer.source, plan, geometry, ...placed },
  };
}

/** The output size of the plan on an input of `input` size, refusing any step beyond the limits. */
export function projectOutputSize(plan: TransformationPlan, input: Size, limits: SizeLimits): Size {
  return projectPlan(plan, input, limits).output;
}

/** PDF user space: 72 points per inch, so a page rendered at `dn_72` has one pixel per point. */
export const POINTS_PER_INCH = 72;

/**
 * The dpi a document page is rendered at when the plan has no `dn_`: 72, so that a page 1 rendered
 * without `dn_` is exactly the asset's reported width×height (its size in points). [GUESS] Cloudinary
 * documents 150 dpi as its default (docs/compatibility.md, "PDF documents").
 */
export const DEFAULT_DOCUMENT_DENSITY = 72;

/** Formats stored as documents: their width/height are page 1's size in points, rendered to pixels at `dn_` before a plan runs. */
export const DOCUMENT_FORMATS: readonly string[] = ['pdf'];

export const isDocumentFormat = (format: string | null | undefined): boolean => format != null && DOCUMENT_FORMATS.includes(format);

/** The density (dpi) the plan renders a document page at: its first `dn_`, else DEFAULT_DOCUMENT_DENSITY. */
export function documentDensity(plan: TransformationPlan): number {
  return outputSettings(plan).density ?? DEFAULT_DOCUMENT_DENSITY;
}

/** The pixel size of a page of `points` (width×height in PDF points) rendered at `density` dpi. */
export function renderedPageSize(points: Size, density: number): Size {
  return scaled(points, density / POINTS_PER_INCH);
}

/**
 * The size the plan's first component receives from a stored asset: its width×height, except for a
 * document (PDF), whose width×height are points and whose page is first rendered at the plan's density
 * (`dn_`): points × dn / 72. Pass the result to projectPlan to bound the output before anything is
 * rendered. (A document's later pages may differ in size from page 1, whose size is stored: the
 * renderer's own pixel limit and the executor's projection on the rendered page bound those.)
 */
export function planInputSize(plan: TransformationPlan, source: Size & { format: string | null }): Size {
  const size = { width: source.width, height: source.height };
  return isDocumentFormat(source.format) ? renderedPageSize(size, documentDensity(plan)) : size;
}

/**
 * projectPlan on a stored asset of known width×height: the input is planInputSize's. For a document the
 * output is bounded too, even when no step changes the size (`dn_600` alone delivers the rendered page
 * itself); the rendered page as an intermediate (`dn_600,w_300`) is bounded by the renderer's pixel limit,
 * as a raster original is by the decoder's.
 */
export function projectAssetPlan(plan: TransformationPlan, source: Size & { format: string | null }, limits: SizeLimits): PlanGeometry {
  const geometry = projectPlan(plan, planInputSize(plan, source), limits);
  if (isDocumentFormat(source.format)) assertWithinSizeLimits(geometry.output, limits);
  return geometry;
}

import { anchor } from './gravity-anchor.ts';
import type { Color, Component, Gravity, Layer, LayerSource, Length, TransformationPlan } from './plan.ts';
import type { PlanGeometry, Size } from './project-size.ts';

// Where a layer goes: the components it runs on its own source (as the projection and the executor both
// run them) and where the result lands on the base image. Pure arithmetic; project-size.ts projects the
// layer's own components and checks the limits.
//
// Placement (Cloudinary's overlay semantics): `g_` anchors the layer in the base image (default centre;
// auto and face gravities are the centre, there is no detector); `x_`/`y_` move it away from the anchored
// edge (inwards; from the centre: right and down), in pixels or as a fraction of the base's side. A
// layer reaching outside the base extends the canvas (Cloudinary does, unless fl_no_overflow), and the
// new area is transparent (white in a JPEG). fl_no_overflow, fl_cutter and fl_tiled never change the size.

/** A layer component's geometry: the layer's own, and how it is composed with the base. */
export type LayerGeometry = {
  mode: Layer['mode'];
  /** What the layer shows (the plan's own object: an executor keys the loaded source by it). */
  source: LayerSource;
  /** The layer's own components as run on its source: layerPlan's (fractions of the base under fl_relative, a text layer's wrap width taken out). */
  plan: TransformationPlan;
  /** The geometry of `plan` over the source's size; its `output` is the layer's size. */
  geometry: PlanGeometry;
  /** Where the base image lies on the canvas: (0, 0) unless the layer reached beyond its left or top. */
  base: { left: number; top: number };
  /** Where the layer's top-left corner lies on the canvas. With fl_no_overflow/fl_cutter the layer may reach past the canvas (the executor clips it); tiled: (0, 0), repeated over the whole canvas. */
  left: number;
  top: number;
  /** fl_tiled: the layer repeats from the top-left corner over the whole canvas (x_/y_ and g_ are not used). */
  tiled: boolean;
  /** fl_cutter: the base keeps only what the layer's alpha covers; outside the layer it becomes transparent. */
  cutter: boolean;
  /** The canvas after the layer: the component's output size. */
  width: number;
  height: number;
};

const CENTER: Gravity = { kind: 'compass', direction: 'center' };

/**
 * A text layer wrapped by `c_fit` with a pixel `w_` in its first component: the wrap width in pixels
 * (dpr applied); null for any other layer. The renderer wraps at it and layerPlan drops that sizing, so
 * the rendered text is not scaled again.
 */
export function textWrapWidth(layer: Layer): number | null {
  if (layer.source.kind !== 'text') return null;
  const first = layer.components[0];
  if (first === undefined || first.layer !== undefined || first.crop !== 'fit' || first.width?.kind !== 'pixels') return null;
  return Math.max(1, Math.round(first.width.value * (first.dpr ?? 1)));
}

/**
 * A text layer whose style asks for a stroke (`l_text:Arial_40_stroke:…`): the `bo_` of its first
 * component is the outline drawn around the glyphs (width × dpr), not a border around the layer, so
 * layerPlan drops it. Null for any other layer, or when that component has no `bo_` (the renderer's default).
 */
export function textStroke(layer: Layer): { width: number; color: Color } | null {
  if (layer.source.kind !== 'text' || !layer.source.style.stroke) return null;
  const border = layer.components[0]?.layer === undefined ? layer.components[0]?.border : undefined;
  if (border === undefined) return null;
  return { width: Math.max(1, Math.round(border.width * (layer.components[0]!.dpr ?? 1))), color: border.color };
}

/** `w_0.5` → pixels of `side` (at least 1); pixel values unchanged. */
function ofBase(value: Length | undefined, side: number): Length | undefined {
  if (value?.kind !== 'fraction') return value;
  return { kind: 'pixels', value: Math.max(1, Math.round(value.value * side)) };
}

/**
 * The components a layer runs on its own source, over a base of `base` size: with fl_relative every
 * fractional `w_`/`h_` is a fraction of the base instead of the layer (of every own component: the flag
 * is the layer's, not one component's) [GUESS]; a wrapped text layer's first component loses its `c_`,
 * `w_` and `h_` (textWrapWidth), a stroked one its `bo_` (textStroke). fl_region_relative would size relative to a detected face region;
 * without a detector there is none, and the flag changes nothing.
 */
export function layerPlan(layer: Layer, base: Size): TransformationPlan {
  const relative = layer.placement.flags.includes('relative');
  const wrapped = textWrapWidth(layer) !== null;
  const stroked = textStroke(layer) !== null;
  const components = layer.components.map((component, index): Component => {
    let own = component;
    if (wrapped && index === 0) {
      own = { ...own };
      delete own.width;
      delete own.height;
      delete own.crop;
    }
    if (stroked && index === 0) {
      own = { ...own };
      delete own.border;
    }
    if (relative && own.layer === undefined && (own.width?.kind === 'fraction' || own.height?.kind === 'fraction')) {
      own = { ...own };
      const width = ofBase(own.width, base.width);
      const height = ofBase(own.height, base.height);
      if (width !== undefined) own.width = width;
      if (height !== undefined) own.height = height;
    }
    return own;
  });
  return { components };
}

/** An x_/y_ offset in pixels: pixels as given, a fraction of the base's side. */
const offset = (value: Length | undefined, side: number): number =>
  value === undefined ? 0 : Math.round(value.kind === 'pixels' ? value.value : value.value * side);

/** Where a layer of `layerSize` lands on a base of `base` size, and the canvas that results. */
export function placeLayer(layer: Layer, base: Size, layerSize: Size): Omit<LayerGeometry, 'mode' | 'source' | 'plan' | 'geometry'> {
  const { flags, gravity = CENTER, x, y } = layer.placement;
  const tiled = flags.includes('tiled');
  const cutter = flags.includes('cutter');
  if (tiled) return { base: { left: 0, top: 0 }, left: 0, top: 0, tiled, cutter, width: base.width, height: base.height };
  const ax = anchor(gravity, base.width - layerSize.width, 'x');
  const ay = anchor(gravity, base.height - layerSize.height, 'y');
  const left = ax.position + ax.sign * offset(x, base.width);
  const top = ay.position + ay.sign * offset(y, base.height);
  if (cutter || flags.includes('no_overflow')) return { base: { left: 0, top: 0 }, left, top, tiled, cutter, width: base.width, height: base.height };
  // The canvas grows to hold both: the union of the base's and the layer's rectangles.
  const minX = Math.min(0, left);
  const minY = Math.min(0, top);
  const width = Math.max(base.width, left + layerSize.width) - minX;
  const height = Math.max(base.height, top + layerSize.height) - minY;
  return { base: { left: 0 - minX, top: 0 - minY }, left: left - minX, top: top - minY, tiled, cutter, width, height };
}

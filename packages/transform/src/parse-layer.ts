import { layerErrors, MAX_LAYERS } from './layer-messages.ts';
import { parseLayerSource } from './layer-source.ts';
import { applyParameter } from './parse-parameter.ts';
import { LAYER_FLAGS, type Component, type Layer, type LayerFlagName, type LayerPlacement, type LayerSource } from './plan.ts';

// Layers span components. parse-transformation.ts parses each `/`-component into a ChainStep (the
// component's ordinary parameters, plus what it says about layers: `l_`/`u_` and the layer flags), and
// foldLayers turns the steps into the plan's components, one Component `{ layer }` per layer:
//
//   l_logo,w_100,g_north              one component: g_/x_/y_ and layer flags place it, the rest is its own
//   l_logo,w_100,g_north/e_grayscale/fl_layer_apply,g_south,x_10
//                                     opening … fl_layer_apply: the opening component's parameters (g_ included)
//                                     and the components between are the layer's own; the applying one places it
//
// fl_layer_apply closes the most recently opened layer that is still open (brackets); a layer no
// fl_layer_apply closes is complete in its own component. So `l_a/l_b/fl_layer_apply` is `a` placed by its
// component, then `b` closed by the apply, and `l_a/l_b,g_north/fl_layer_apply/fl_layer_apply` nests `b`
// inside `a`. Layer flags in a component between an opening and its apply belong to that layer.

/** One `/`-component as parsed, before layers are folded. */
export type ChainStep = {
  /** The component as written (after percent-decoding): what the messages quote. */
  text: string;
  /** Every parameter but `l_`/`u_` and the layer flags. */
  component: Component;
  /** The layer this component opens (`l_` overlay, `u_` underlay). */
  opens?: { mode: Layer['mode']; source: LayerSource };
  /**
   * The layer flags of every `fl_` of the component (`fl_layer_apply,fl_tiled` is both: they say how
   * the components fold, and losing one to "the last fl_ wins" would silently change that), sorted.
   */
  layerFlags: LayerFlagName[];
};

export const chainStep = (text: string): ChainStep => ({ text, component: {}, layerFlags: [] });

const isLayerFlag = (name: string): name is LayerFlagName => (LAYER_FLAGS as readonly string[]).includes(name);

/**
 * Applies `l_`, `u_` or `fl_` to the step and returns true; false for any other key (the caller applies
 * it to `step.component`). `fl_` is split: layer flags to `step.layerFlags`, the others to the component.
 */
export function applyLayerParameter(step: ChainStep, key: string, value: string): boolean {
  if (key === 'l' || key === 'u') {
    if (step.opens !== undefined) throw layerErrors.twoLayersInOneComponent(step.text);
    step.opens = { mode: key === 'l' ? 'overlay' : 'underlay', source: parseLayerSource(value, `${key}_${value}`) };
    return true;
  }
  if (key !== 'fl') return false;
  const layerFlags = new Set<LayerFlagName>(step.layerFlags);
  const others: string[] = [];
  for (const name of value.split('.')) {
    if (isLayerFlag(name)) layerFlags.add(name);
    else others.push(name);
  }
  step.layerFlags = [...layerFlags].sort();
  // The other flags keep "the last fl_ wins"; one that holds only layer flags leaves them alone.
  if (others.length > 0) applyParameter(step.component, 'fl', others.join('.'));
  return true;
}

const PLACEMENT_FIELDS: ReadonlySet<string> = new Set(['gravity', 'x', 'y']);

/** g_/x_/y_ of a component as a placement (absent ones stay absent), with the given flags. */
function placementOf(component: Component, flags: Iterable<LayerFlagName>): LayerPlacement {
  const placement: LayerPlacement = { flags: [...new Set(flags)].filter((flag) => flag !== 'layer_apply').sort() };
  if (component.gravity !== undefined) placement.gravity = component.gravity;
  if (component.x !== undefined) placement.x = component.x;
  if (component.y !== undefined) placement.y = component.y;
  return placement;
}

const isEmpty = (component: Component): boolean => Object.keys(component).length === 0;

/**
 * Matches every fl_layer_apply with the layer it closes: opening step index → applying step index.
 * A step that opens a layer and carries fl_layer_apply itself closes nothing else.
 */
function matchApplies(steps: readonly ChainStep[]): Map<number, number> {
  const closes = new Map<number, number>();
  const open: number[] = [];
  steps.forEach((step, index) => {
    const applies = step.layerFlags.includes('layer_apply');
    if (step.opens !== undefined) {
      if (!applies) open.push(index);
      return;
    }
    if (!applies) return;
    const opener = open.pop();
    if (opener === undefined) throw layerErrors.strayApply(step.text);
    closes.set(opener, index);
  });
  return closes;
}

/**
 * The plan's components from its parsed steps, each layer folded into one `{ layer }` Component. Throws
 * ApiError(400) for a stray fl_layer_apply, a layer flag outside a layer, an applying component with
 * more than placement, `t_` inside a layer, fl_cutter on an underlay, and more than MAX_LAYERS layers.
 */
export function foldLayers(steps: readonly ChainStep[]): Component[] {
  const closes = matchApplies(steps);
  let layers = 0;

  const build = (from: number, to: number, inLayer: boolean): { components: Component[]; flags: LayerFlagName[] } => {
    const components: Component[] = [];
    const flags: LayerFlagName[] = [];
    let index = from;
    while (index < to) {
      const step = steps[index]!;
      if (step.opens === undefined) {
        // A layer flag between an opening and its apply is that layer's (fl_relative next to the w_ it changes).
        if (step.layerFlags.length > 0 && !inLayer) throw layerErrors.layerFlagOutsideLayer(step.layerFlags[0]!, step.text);
        if (inLayer && step.component.named !== undefined) throw layerErrors.namedInLayer(step.text);
        flags.push(...step.layerFlags);
        if (!isEmpty(step.component)) components.push(step.component);
        index += 1;
        continue;
      }
      layers += 1;
      if (layers > MAX_LAYERS) throw layerErrors.tooManyLayers(MAX_LAYERS);
      const end = closes.get(index);
      const layer = end === undefined ? singleComponentLayer(step) : appliedLayer(step, build(index + 1, end, true), steps[end]!);
      if (layer.mode === 'underlay' && layer.placement.flags.includes('cutter')) throw layerErrors.cutterOnUnderlay(step.text);
      components.push({ layer });
      index = end === undefined ? index + 1 : end + 1;
    }
    return { components, flags };
  };

  return build(0, steps.length, false).components;
}

/** A layer opened and placed by one component: its g_/x_/y_ and layer flags place it, the rest is its own. */
function singleComponentLayer(step: ChainStep): Layer {
  const { mode, source } = step.opens!;
  const own: Component = {};
  for (const [field, value] of Object.entries(step.component)) {
    if (!PLACEMENT_FIELDS.has(field)) Object.assign(own, { [field]: value });
  }
  return { mode, source, components: ownComponents(own, [], step), placement: placementOf(step.component, step.layerFlags) };
}

/** A layer from its opening step to its applying step: everything but the applying step is its own. */
function appliedLayer(opening: ChainStep, inner: { components: Component[]; flags: LayerFlagName[] }, applying: ChainStep): Layer {
  const { mode, source } = opening.opens!;
  if (![...Object.keys(applying.component)].every((field) => PLACEMENT_FIELDS.has(field))) throw layerErrors.notPlacement(applying.text);
  return {
    mode,
    source,
    components: ownComponents(opening.component, inner.components, opening),
    placement: placementOf(applying.component, [...opening.layerFlags, ...inner.flags, ...applying.layerFlags]),
  };
}

/** The opening component's own parameters (when any) followed by the components up to the apply. */
function ownComponents(first: Component, rest: Component[], opening: ChainStep): Component[] {
  if (first.named !== undefined) throw layerErrors.namedInLayer(opening.text);
  return isEmpty(first) ? rest : [first, ...rest];
}

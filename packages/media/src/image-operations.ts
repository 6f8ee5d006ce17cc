import { ApiError } from '@rendition/protocol';
import { projectPlan } from '@rendition/transform';
import type {
  Color,
  CompassGravity,
  Component,
  GeometryStep,
  Gravity,
  LayerGeometry,
  PlanGeometry,
  Size,
  SizeLimits,
  TransformationPlan,
} from '@rendition/transform';
import { effectAddsAlpha, effectOperations, trimThreshold } from './effects.ts';
import type { ImageTarget } from './image-targets.ts';
import { MediaError } from './media-error.ts';
import { layerOperation } from './layers/layer-operation.ts';
import type { ImageOperation, LayerPixels, Rgba } from './pixel-operations.ts';

// A transformation plan and its projected geometry → the flat list of pixel operations the sharp
// pipeline runs (image-pipeline.ts). Pure: no sharp here. Every operation carries the sizes it needs
// (taken from the projection), so nothing downstream measures an image to decide what to do.

export type OperationContext = {
  /** The (EXIF-oriented) input size the geometry was projected from. */
  input: Size;
  /** Whether the decoded input has an alpha channel. */
  hasAlpha: boolean;
  target: ImageTarget;
  /** Renders a layer component's layer (layers/compose-layer.ts); a plan with layers needs it. */
  layerPixels?: (layer: LayerGeometry) => Promise<LayerPixels | null>;
  /** The output limits: e_trim projects the rest of the plan again on what it cut, against them. The executor always gives them. */
  limits?: SizeLimits;
  /** The layers' source sizes, for that projection (projectPlan's `layerSize`). */
  layerSize?: NonNullable<Parameters<typeof projectPlan>[3]>['layerSize'];
};

const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT: Rgba = { r: 0, g: 0, b: 0, alpha: 0 };

const rgba = (color: Color): Rgba => ({ r: color.r, g: color.g, b: color.b, alpha: color.alpha });
const sizeOf = (step: GeometryStep): Size => ({ width: step.width, height: step.height });

const START: Readonly<Record<'x' | 'y', ReadonlySet<CompassGravity>>> = {
  x: new Set(['north_west', 'west', 'south_west']),
  y: new Set(['north_west', 'north', 'north_east']),
};
const END: Readonly<Record<'x' | 'y', ReadonlySet<CompassGravity>>> = {
  x: new Set(['north_east', 'east', 'south_east']),
  y: new Set(['south_west', 'south', 'south_east']),
};

/** Where a gravity puts a cut with `free` pixels to spare along an axis (auto: the middle), as the projection does. */
function gravityOffset(gravity: Gravity, free: number, axis: 'x' | 'y'): number {
  const direction = gravity.kind === 'compass' ? gravity.direction : 'center';
  if (START[axis].has(direction)) return 0;
  if (END[axis].has(direction)) return free;
  return Math.floor(free / 2);
}

/** What runs of a component after its effect (radius, opacity, background, its a_ steps and border): the first component e_trim's cut continues with. */
function afterEffect(component: Component): Component {
  const rest: Component = {};
  if (component.radius !== undefined) rest.radius = component.radius;
  if (component.opacity !== undefined) rest.opacity = component.opacity;
  if (component.background !== undefined) rest.background = component.background;
  if (component.border !== undefined) rest.border = component.border;
  if (component.dpr !== undefined) rest.dpr = component.dpr;
  // a_auto_right/left turned the image before its sizing; they are done.
  const angle = component.angle?.filter((step) => step.kind !== 'auto_right' && step.kind !== 'auto_left');
  if (angle !== undefined && angle.length > 0) rest.angle = angle;
  return rest;
}

/** projectPlan of what follows a trim, on the size it cut to; beyond the limits is the client's (too_large), as before decoding. */
function projectRemainder(plan: TransformationPlan, input: Size, limits: SizeLimits, layerSize: OperationContext['layerSize']): PlanGeometry {
  try {
    return projectPlan(plan, input, limits, layerSize === undefined ? {} : { layerSize });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) throw new MediaError('too_large', error.message, { cause: error });
    throw error;
  }
}

const UNLIMITED: SizeLimits = { maxDimension: Number.MAX_SAFE_INTEGER, maxPixels: Number.MAX_SAFE_INTEGER };

/**
 * Pad and rotation corners when the URL gave no `b_`: white where the output is opaque (JPEG), transparent
 * where the format has alpha (PNG, WebP, AVIF, GIF, TIFF).
 */
export function defaultBackground(target: ImageTarget): Rgba {
  return target === 'jpg' ? WHITE : TRANSPARENT;
}

/**
 * How many of a component's geometry steps come after its sizing: the non-auto `a_` steps that produce
 * a step (a_0 and a_360 produce none) and the border. Effects, radius, opacity and background run between
 * the sizing and these (README of @rendition/transform).
 */
function trailingStepCount(component: Component): number {
  let count = component.border === undefined ? 0 : 1;
  for (const angle of component.angle ?? []) {
    if (angle.kind === 'hflip' || angle.kind === 'vflip') count += 1;
    else if (angle.kind === 'degrees' && ((angle.value % 360) + 360) % 360 !== 0) count += 1;
  }
  return count;
}

const TRAILING_OPS: ReadonlySet<GeometryStep['op']> = new Set(['rotate', 'flip', 'flop', 'border']);

/**
 * The pixel operations of a whole plan, in order. `geometry` is `projectPlan(plan, …)` for the same plan
 * and the oriented input size. Per component: its sizing steps; then effect, radius, opacity and `b_`
 * (flattening whatever is transparent onto it); then its rotation/mirroring and border. A JPEG target ends
 * with a flatten onto the last `b_` of the chain (white when none) when anything left an alpha channel.
 */
export function planOperations(plan: TransformationPlan, geometry: PlanGeometry, context: OperationContext): ImageOperation[] {
  return operationsFrom(plan, geometry, context, null);
}

/** planOperations, with the last `b_` of the chain so far (a trim's continuation carries it over for the JPEG flatten). */
function operationsFrom(plan: TransformationPlan, geometry: PlanGeometry, context: OperationContext, background: Rgba | null): ImageOperation[] {
  if (geometry.components.length !== plan.components.length) {
    throw new TypeError('geometry does not belong to this plan');
  }
  const operations: ImageOperation[] = [];
  const fallback = defaultBackground(context.target);
  let alpha = context.hasAlpha;
  let size: Size = { width: context.input.width, height: context.input.height };
  let lastBackground: Rgba | null = background;

  const stepOperation = (step: GeometryStep, before: Size): ImageOperation[] => {
    switch (step.op) {
      case 'resize':
        return [{ op: 'resize', width: step.width, height: step.height, kernel: 'lanczos3' }];
      case 'cover': {
        const position =
          step.gravity.kind === 'compass' ? ({ kind: 'compass', direction: step.gravity.direction } as const) : ({ kind: 'attention' } as const);
        // A plain cover scales to just cover the box, so one scaled side equals the box's. Larger on both
        // sides is z_: cover the largest window of the box's shape that scale allows (the window holds
        // the gravity's region: attention picks it for g_auto), then cut the box from the window at the
        // same gravity. Compass gravities land exactly where one larger cover would put the box.
        if (step.scaledWidth <= step.width || step.scaledHeight <= step.height) {
          return [{ op: 'cover', width: step.width, height: step.height, position }];
        }
        const k = Math.min(step.scaledWidth / step.width, step.scaledHeight / step.height);
        const window = {
          width: Math.min(step.scaledWidth, Math.round(step.width * k)),
          height: Math.min(step.scaledHeight, Math.round(step.height * k)),
        };
        return [
          { op: 'cover', ...window, position },
          {
            op: 'extract',
            left: gravityOffset(step.gravity, window.width - step.width, 'x'),
            top: gravityOffset(step.gravity, window.height - step.height, 'y'),
            width: step.width,
            height: step.height,
          },
        ];
      }
      case 'extract':
        // With g_auto the projection centres the region; it stays centred here (no saliency search for a
        // plain cut: the size is what the URL asked for, the placement is documented as centre).
        return [{ op: 'extract', left: step.left, top: step.top, width: step.width, height: step.height }];
      case 'pad': {
        const background = step.background === null ? fallback : rgba(step.background);
        if (background.alpha < 1) alpha = true;
        return [
          {
            op: 'extend',
            top: step.top,
            left: step.left,
            bottom: step.height - before.height - step.top,
            right: step.width - before.width - step.left,
            background,
          },
        ];
      }
      case 'rotate': {
        const background = step.background === null ? fallback : rgba(step.background);
        if (step.degrees % 90 !== 0 && background.alpha < 1) alpha = true;
        return [{ op: 'rotate', degrees: step.degrees, background }];
      }
      case 'flip':
        return [{ op: 'flip' }];
      case 'flop':
        return [{ op: 'flop' }];
      case 'border': {
        const background = rgba(step.color);
        if (background.alpha < 1) alpha = true;
        const t = step.thickness;
        return [{ op: 'extend', top: t, right: t, bottom: t, left: t, background }];
      }
    }
  };

  const runSteps = (steps: readonly GeometryStep[]): void => {
    for (const step of steps) {
      operations.push(...stepOperation(step, size));
      size = sizeOf(step);
    }
  };

  for (const [index, component] of plan.components.entries()) {
    const { steps, layer } = geometry.components[index]!;
    if (component.layer !== undefined) {
      if (layer === undefined || context.layerPixels === undefined) throw new TypeError('a layer needs its geometry (layerSize) and layerPixels');
      operations.push(layerOperation(layer, size, context.layerPixels));
      size = { width: layer.width, height: layer.height };
      // A layer may leave transparent canvas (overflow, fl_cutter) or bring its own alpha.
      alpha = true;
      continue;
    }
    const split = steps.length - trailingStepCount(component);
    const trailing = steps.slice(split);
    if (split < 0 || trailing.some((step) => !TRAILING_OPS.has(step.op))) {
      throw new TypeError('geometry steps do not match the component');
    }
    runSteps(steps.slice(0, split));

    const effect = component.effect;
    if (effect?.name === 'trim') {
      // What e_trim leaves is known only once the pixels are: the rest of this component and of the
      // plan is projected and planned then, on the size cut to (the limits checked again).
      const hasAlpha = alpha;
      const carried = lastBackground;
      const rest: TransformationPlan = { components: [afterEffect(component), ...plan.components.slice(index + 1)] };
      operations.push({
        op: 'trim',
        threshold: trimThreshold(effect.tolerance),
        background: effect.color === null ? null : { ...rgba(effect.color), alpha: 1 },
        memo: {},
        then: (trimmed) =>
          operationsFrom(
            rest,
            projectRemainder(rest, trimmed, context.limits ?? UNLIMITED, context.layerSize),
            { ...context, input: trimmed, hasAlpha },
            carried,
          ),
      });
      return operations;
    }
    if (effect !== undefined) {
      operations.push(...effectOperations(effect, size, component));
      if (effectAddsAlpha(effect)) alpha = true;
    }
    if (component.radius !== undefined) {
      const shape =
        component.radius.kind === 'max'
          ? ({ kind: 'ellipse' } as const)
          : ({ kind: 'rounded', radius: Math.max(1, Math.round(component.radius.value * (component.dpr ?? 1))) } as const);
      operations.push({ op: 'mask', shape, ...size });
      alpha = true;
    }
    if (component.opacity !== undefined && component.opacity < 100) {
      operations.push({ op: 'fade', opacity: component.opacity / 100, ...size });
      alpha = true;
    }
    if (component.background !== undefined) {
      const background = rgba(component.background);
      lastBackground = background;
      if (alpha && background.alpha > 0) {
        operations.push({ op: 'flatten', color: background, ...size });
        alpha = background.alpha < 1;
      }
    }
    runSteps(trailing);
  }

  if (context.target === 'jpg' && alpha) {
    const color = lastBackground !== null && lastBackground.alpha > 0 ? { ...lastBackground, alpha: 1 } : WHITE;
    operations.push({ op: 'flatten', color, ...size });
  }
  return operations;
}

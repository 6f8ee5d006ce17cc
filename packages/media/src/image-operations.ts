import type { Color, Component, GeometryStep, PlanGeometry, Size, TransformationPlan } from '@rendition/transform';
import { effectOperations } from './effects.ts';
import type { ImageTarget } from './image-targets.ts';
import type { ImageOperation, Rgba } from './pixel-operations.ts';

// A transformation plan and its projected geometry → the flat list of pixel operations the sharp
// pipeline runs (image-pipeline.ts). Pure: no sharp here. Every operation carries the sizes it needs
// (taken from the projection), so nothing downstream measures an image to decide what to do.

export type OperationContext = {
  /** The (EXIF-oriented) input size the geometry was projected from. */
  input: Size;
  /** Whether the decoded input has an alpha channel. */
  hasAlpha: boolean;
  target: ImageTarget;
};

const WHITE: Rgba = { r: 255, g: 255, b: 255, alpha: 1 };
const TRANSPARENT: Rgba = { r: 0, g: 0, b: 0, alpha: 0 };

const rgba = (color: Color): Rgba => ({ r: color.r, g: color.g, b: color.b, alpha: color.alpha });
const sizeOf = (step: GeometryStep): Size => ({ width: step.width, height: step.height });

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
  if (geometry.components.length !== plan.components.length) {
    throw new TypeError('geometry does not belong to this plan');
  }
  const operations: ImageOperation[] = [];
  const fallback = defaultBackground(context.target);
  let alpha = context.hasAlpha;
  let size: Size = { width: context.input.width, height: context.input.height };
  let lastBackground: Rgba | null = null;

  const stepOperation = (step: GeometryStep, before: Size): ImageOperation => {
    switch (step.op) {
      case 'resize':
        return { op: 'resize', width: step.width, height: step.height, kernel: 'lanczos3' };
      case 'cover':
        return {
          op: 'cover',
          width: step.width,
          height: step.height,
          position: step.gravity.kind === 'compass' ? { kind: 'compass', direction: step.gravity.direction } : { kind: 'attention' },
        };
      case 'extract':
        // With g_auto the projection centres the region; it stays centred here (no saliency search for a
        // plain cut: the size is what the URL asked for, the placement is documented as centre).
        return { op: 'extract', left: step.left, top: step.top, width: step.width, height: step.height };
      case 'pad': {
        const background = step.background === null ? fallback : rgba(step.background);
        if (background.alpha < 1) alpha = true;
        return {
          op: 'extend',
          top: step.top,
          left: step.left,
          bottom: step.height - before.height - step.top,
          right: step.width - before.width - step.left,
          background,
        };
      }
      case 'rotate': {
        const background = step.background === null ? fallback : rgba(step.background);
        if (step.degrees % 90 !== 0 && background.alpha < 1) alpha = true;
        return { op: 'rotate', degrees: step.degrees, background };
      }
      case 'flip':
        return { op: 'flip' };
      case 'flop':
        return { op: 'flop' };
      case 'border': {
        const background = rgba(step.color);
        if (background.alpha < 1) alpha = true;
        const t = step.thickness;
        return { op: 'extend', top: t, right: t, bottom: t, left: t, background };
      }
    }
  };

  const runSteps = (steps: readonly GeometryStep[]): void => {
    for (const step of steps) {
      operations.push(stepOperation(step, size));
      size = sizeOf(step);
    }
  };

  for (const [index, component] of plan.components.entries()) {
    const { steps } = geometry.components[index]!;
    const split = steps.length - trailingStepCount(component);
    const trailing = steps.slice(split);
    if (split < 0 || trailing.some((step) => !TRAILING_OPS.has(step.op))) {
      throw new TypeError('geometry steps do not match the component');
    }
    runSteps(steps.slice(0, split));

    if (component.effect !== undefined) operations.push(...effectOperations(component.effect, size));
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

import { parseTransformation } from './parse-transformation.ts';
import type { Quality, TransformationPlan } from './plan.ts';

/**
 * An asset's `quality_override` (Admin API update) applied to a plan: every `q_auto[:level]` component
 * takes the override (`80`, or `auto:best` …) instead, as Cloudinary encodes such an asset. Fixed
 * qualities and plans without q_auto are unchanged (the same object back). The result is what gets
 * canonicalised and hashed, so changing the override makes another derivative.
 */
export function applyQualityOverride(plan: TransformationPlan, override: string | null | undefined): TransformationPlan {
  if (override === null || override === undefined || override === '') return plan;
  if (!plan.components.some((component) => component.quality?.kind === 'auto')) return plan;
  const quality: Quality | undefined = parseTransformation(`q_${override}`).components[0]?.quality;
  if (quality === undefined) return plan;
  return {
    components: plan.components.map((component) => (component.quality?.kind === 'auto' ? { ...component, quality } : component)),
  };
}

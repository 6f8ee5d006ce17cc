export type {
  Angle,
  AspectRatio,
  AutoQualityLevel,
  Border,
  Color,
  CompassGravity,
  Component,
  CropMode,
  Effect,
  EffectName,
  Flag,
  FlagName,
  Format,
  Gravity,
  Length,
  Quality,
  Radius,
  SimpleFlagName,
  TransformationPlan,
  VideoOffset,
  VideoOnlyParams,
} from './plan.ts';
export { AUTO_QUALITY_LEVELS, COMPASS_GRAVITIES, CROP_MODES, FORMATS, SIMPLE_FLAGS } from './plan.ts';
export { MAX_COMPONENTS, MAX_TRANSFORMATION_LENGTH, parseEagerList, parseTransformation } from './parse-transformation.ts';
export type { EagerItem } from './parse-transformation.ts';
export { EFFECT_RULES, MAX_DENSITY, MAX_FRACTION } from './parse-parameter.ts';
export { parseColor } from './color.ts';
export { canonicalComponent, canonicalString, formatDecimal, planHash } from './canonical.ts';
export { expandNamed, MAX_NAMED_DEPTH, namedReferences } from './named.ts';
export type { NamedLookup } from './named.ts';
export {
  assertWithinSizeLimits,
  componentGeometry,
  DEFAULT_DOCUMENT_DENSITY,
  DOCUMENT_FORMATS,
  documentDensity,
  isDocumentFormat,
  planInputSize,
  POINTS_PER_INCH,
  projectAssetPlan,
  projectOutputSize,
  projectPlan,
  renderedPageSize,
  rotatedSize,
} from './project-size.ts';
export type { ComponentGeometry, GeometryStep, PlanGeometry, Size, SizeLimits } from './project-size.ts';
export { assertImagePlan, outputSettings, videoOnlyParameters } from './output-settings.ts';
export type { OutputSettings } from './output-settings.ts';

export type {
  Angle,
  AspectRatio,
  AudioCodecParam,
  AudioFrequency,
  AutoQualityLevel,
  BitRate,
  Border,
  AssetLayerSource,
  Color,
  ColorSpace,
  CompassGravity,
  FetchLayerSource,
  Layer,
  LayerFlagName,
  LayerPlacement,
  LayerSource,
  Component,
  CropMode,
  Effect,
  EffectName,
  Flag,
  FlagName,
  Format,
  FrameRate,
  Gravity,
  Length,
  Quality,
  Radius,
  SimpleFlagName,
  StartOffset,
  TransformationPlan,
  VideoCodecParam,
  VideoCodecProfile,
  VideoEffectName,
  VideoEffectParam,
  VideoOffset,
  VideoOnlyParams,
  VideoSampling,
  VolumeChange,
} from './plan.ts';
export {
  AUDIO_CODEC_PARAMS,
  AUDIO_FREQUENCIES,
  AUTO_QUALITY_LEVELS,
  COLOR_SPACES,
  COMPASS_GRAVITIES,
  CROP_MODES,
  FORMATS,
  LAYER_FLAGS,
  SIMPLE_FLAGS,
  VIDEO_CODEC_PROFILES,
} from './plan.ts';
export { MAX_COMPONENTS, MAX_TRANSFORMATION_LENGTH, parseEagerList, parseTransformation } from './parse-transformation.ts';
export type { EagerItem } from './parse-transformation.ts';
export {
  DEFAULT_FADE_MS,
  EFFECT_RULES,
  MAX_DENSITY,
  MAX_FRACTION,
  MAX_PARSED_BIT_RATE,
  PREVIEW_DEFAULTS,
  VIDEO_EFFECT_RULES,
  VOLUME_DECIBEL_RANGE,
  VOLUME_PERCENT_RANGE,
} from './parse-parameter.ts';
export { parseColor } from './color.ts';
export { canonicalComponent, canonicalString, formatDecimal, planHash } from './canonical.ts';
export { INFO_KEYS, planInfo, transformationInfo, type TransformationInfo } from './plan-info.ts';
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
export type { ComponentGeometry, GeometryStep, PlanGeometry, ProjectionOptions, Size, SizeLimits } from './project-size.ts';
export { assertImagePlan, outputSettings, VIDEO_ONLY_KEYS, videoOnlyParameters } from './output-settings.ts';
export type { OutputSettings } from './output-settings.ts';
export type * from './video-recipe.ts';
export { AUDIO_CODECS, AUDIO_CONTAINERS, VIDEO_CODECS, VIDEO_CONTAINERS } from './video-recipe.ts';
export { PREDEFINED_STREAMING_PROFILES, predefinedStreamingProfile } from './streaming-profiles.ts';
export type { StreamingProfile } from './streaming-profiles.ts';
export {
  AUDIO_CONTAINER_CODECS,
  planExecutor,
  streamingProfileOf,
  VIDEO_CONTAINER_CODECS,
  videoGeometry,
  videoRecipe,
  withoutVideoParameters,
} from './video-recipe-builder.ts';
export type { VideoRecipeLimits, VideoRecipeOptions } from './video-recipe-builder.ts';
export { splitDefaultImage } from './default-image.ts';
export type { DefaultImageSplit } from './default-image.ts';
export { clientHintsOf, resolveClientHints, varyHeaders } from './client-hints.ts';
export type { ClientHints, ResolvedHints } from './client-hints.ts';
export {
  canonicalTextLayer,
  FONT_ANTIALIASES,
  FONT_HINTINGS,
  FONT_WEIGHTS,
  MAX_TEXT_FONT_SIZE,
  MAX_TEXT_LAYER_LENGTH,
  MAX_TEXT_SPACING,
  parseTextLayer,
  TEXT_ALIGNMENTS,
  textLayerErrors,
} from './text-layer.ts';
export type { TextStyle } from './text-layer.ts';
export { findFont, installedFontFamilies, KNOWN_FONTS } from './fonts.ts';
export type { FontPackage, KnownFont } from './fonts.ts';
export { layerReferences } from './layer-references.ts';
export { layerPlan, placeLayer, textStroke, textWrapWidth } from './layer-geometry.ts';
export type { LayerGeometry } from './layer-geometry.ts';
export { layerErrors, MAX_LAYERS } from './layer-messages.ts';
export { layerSourceText, MAX_FETCH_URL_LENGTH } from './layer-source.ts';
export {
  hasExpressions,
  MAX_EXPRESSION_LENGTH,
  MAX_EXPRESSION_TOKENS,
  MAX_IF_DEPTH,
  MAX_VARIABLES,
  parseEagerListWithExpressions,
  resolveExpressions,
  unconditionalFormat,
  validateExpressions,
} from './expressions/index.ts';
export type { EagerListItem, ExpressionContext, ExpressionEagerItem } from './expressions/index.ts';
export { applyQualityOverride } from './quality-override.ts';

export type { CompositionDependencies } from './composition-batch.ts';
export { MAX_ASYNC_COMPOSITION_IMAGES, MAX_SYNC_COMPOSITION_IMAGES } from './composition-sources.ts';
export { explodeAsset, MAX_EXPLODE_PAGES } from './explode-service.ts';
export { generateMulti, generateSprite, MULTI_FORMATS } from './tagged-composition-service.ts';
export type { CompositionCall } from './tagged-composition-service.ts';
export { generateText } from './text-service.ts';
export { MAX_FONT_SIZE, MAX_TEXT_LENGTH, parseTextRequest, TEXT_DEFAULTS } from './text-params.ts';

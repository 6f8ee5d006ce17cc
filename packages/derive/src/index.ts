export { deriveImage, storeDerivative } from './derive-image.ts';
export type { DeriveDependencies, DerivativeIdentity } from './derive-image.ts';
export { createDeriveHandler } from './derive-handler.ts';
export type { DeriveHandlerDependencies } from './derive-handler.ts';
export { toClientError } from './client-error.ts';
export { createDeriveVideoHandler } from './derive-handler.ts';
export { deriveVideo } from './derive-video.ts';
export type { VideoDeriveDependencies } from './derive-video.ts';
export { createExplodeHandler, createMultiHandler, createSpriteHandler, createTextHandler } from './compose/compose-handlers.ts';

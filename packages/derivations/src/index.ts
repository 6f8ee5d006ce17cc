export { deriveImage, storeDerivative } from './derive-image.ts';
export type { DeriveDependencies, DerivativeIdentity } from './derive-image.ts';
export { planDerivative, obtainDerivative } from './derivative-request.ts';
export type { DerivativeRequest, OutputFormat } from './derivative-request.ts';
export { resolveEagerSpecs, resolveIncomingTransformation, eagerFormat, eagerResultItem, eagerItem, eagerPlaceholder, withEagerItem } from './eager.ts';
export type { EagerSpec, UrlBases } from './eager.ts';
export {
  createNamedTransformation,
  updateNamedTransformation,
  removeNamedTransformation,
  describeNamedTransformation,
  listNamed,
} from './named-transformations.ts';

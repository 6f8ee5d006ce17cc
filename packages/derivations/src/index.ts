export { deriveImage } from './derive-image.ts';
export type { DeriveDependencies } from './derive-image.ts';
export { planDerivative, obtainDerivative } from './derivative-request.ts';
export type { DerivativeRequest, OutputFormat } from './derivative-request.ts';
export { resolveEagerSpecs, resolveIncomingTransformation, eagerFormat, eagerResultItem, eagerPlaceholder } from './eager.ts';
export type { EagerSpec, UrlBases } from './eager.ts';
export {
  createNamedTransformation,
  updateNamedTransformation,
  removeNamedTransformation,
  describeNamedTransformation,
  listNamed,
} from './named-transformations.ts';

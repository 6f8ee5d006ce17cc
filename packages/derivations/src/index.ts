export { planDerivative, obtainDerivative, derivativeJobId } from './derivative-request.ts';
export type { DerivativeRequest } from './derivative-request.ts';
export { resolveEagerSpecs, resolveIncomingTransformation, eagerFormat, eagerItem, eagerPlaceholder, eagerDeriveJobs } from './eager.ts';
export type { EagerSpec, UrlBases } from './eager.ts';

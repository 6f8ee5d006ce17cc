export { ensureFetchedOriginal, fetchKeyOf } from './fetched-original.ts';
export type { FetchDelivery, FetchDeliveryDependencies, FetchDeliverySettings } from './fetched-original.ts';
export { freshnessLifetime } from './fetch-freshness.ts';
export type { FreshnessBounds } from './fetch-freshness.ts';

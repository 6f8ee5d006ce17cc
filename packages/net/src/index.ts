export { type AddressPolicy, createAddressPolicy } from './address-policy.ts';
export { assertFetchableUrl } from './fetchable-url.ts';
export {
  assertSuccessStatus,
  createGuardedFetcher,
  type GuardedFetcher,
  type GuardedFetcherOptions,
  type GuardedRequestInit,
  type GuardedResponse,
} from './guarded-fetch.ts';
export { displayUrl, RemoteFetchError, type RemoteFetchErrorCode } from './remote-fetch-error.ts';
export { fetchWithRetries, retryAfterMs, type RetryPolicy } from './fetch-with-retries.ts';

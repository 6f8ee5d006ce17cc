import type { DeriveDependencies } from '@rendition/derive';

/** The derive jobs' limits in these tests: large enough for every fixture, outputs up to 4 MP kept in memory (as by default). */
export const DERIVE_TEST_LIMITS: DeriveDependencies['limits'] = {
  maxInputPixels: 100_000_000,
  timeoutSeconds: 30,
  maxDimension: 10_000,
  maxOutputPixels: 50_000_000,
  maxSourceBytes: 10_000_000,
  inMemoryOutputPixels: 4_000_000,
};

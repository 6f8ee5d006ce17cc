import { probability } from './probability.ts';

// Google Video Intelligence answers explicit content per frame as a Likelihood, not a probability.
// Google publishes no mapping from its model's scores; these cut points spread the five names over
// the probability so that the default rejection (`likely` and up) starts at 0.5, where aws_rek's
// default threshold also is, and VERY_LIKELY needs a clear majority.

export const GOOGLE_LIKELIHOOD_NAMES = ['VERY_UNLIKELY', 'UNLIKELY', 'POSSIBLE', 'LIKELY', 'VERY_LIKELY'] as const;
export type GoogleLikelihoodName = (typeof GOOGLE_LIKELIHOOD_NAMES)[number];

/** A probability below `below` is `likelihood` (the first row that matches); from 0.8 up: VERY_LIKELY. */
export const GOOGLE_LIKELIHOOD_CUTS: ReadonlyArray<{ below: number; likelihood: GoogleLikelihoodName }> = [
  { below: 0.1, likelihood: 'VERY_UNLIKELY' },
  { below: 0.3, likelihood: 'UNLIKELY' },
  { below: 0.5, likelihood: 'POSSIBLE' },
  { below: 0.8, likelihood: 'LIKELY' },
];

/** Google's Likelihood name (its API's upper case) for a probability 0..1. */
export function googleLikelihood(value: number): GoogleLikelihoodName {
  const p = probability(value, 'the probability');
  return GOOGLE_LIKELIHOOD_CUTS.find((cut) => p < cut.below)?.likelihood ?? 'VERY_LIKELY';
}

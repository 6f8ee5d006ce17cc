import { describe, expect, it } from 'vitest';
import { GOOGLE_LIKELIHOOD_CUTS, GOOGLE_LIKELIHOOD_NAMES, googleLikelihood } from '../src/google-likelihood.ts';

describe('googleLikelihood', () => {
  it('names each band, with each cut point belonging to the band above it', () => {
    const cases: Array<[number, string]> = [
      [0, 'VERY_UNLIKELY'],
      [0.0999, 'VERY_UNLIKELY'],
      [0.1, 'UNLIKELY'],
      [0.2999, 'UNLIKELY'],
      [0.3, 'POSSIBLE'],
      [0.4999, 'POSSIBLE'],
      [0.5, 'LIKELY'],
      [0.7999, 'LIKELY'],
      [0.8, 'VERY_LIKELY'],
      [1, 'VERY_LIKELY'],
    ];
    for (const [p, name] of cases) expect([p, googleLikelihood(p)]).toEqual([p, name]);
  });

  it('documents the cut points it uses, in ascending order over the names least likely first', () => {
    expect(GOOGLE_LIKELIHOOD_CUTS).toEqual([
      { below: 0.1, likelihood: 'VERY_UNLIKELY' },
      { below: 0.3, likelihood: 'UNLIKELY' },
      { below: 0.5, likelihood: 'POSSIBLE' },
      { below: 0.8, likelihood: 'LIKELY' },
    ]);
    expect(GOOGLE_LIKELIHOOD_NAMES).toEqual(['VERY_UNLIKELY', 'UNLIKELY', 'POSSIBLE', 'LIKELY', 'VERY_LIKELY']);
  });

  it('never goes down as the probability rises', () => {
    let previous = 0;
    for (let p = 0; p <= 1; p += 0.001) {
      const rank = GOOGLE_LIKELIHOOD_NAMES.indexOf(googleLikelihood(p));
      expect(rank).toBeGreaterThanOrEqual(previous);
      previous = rank;
    }
    expect(previous).toBe(4);
  });

  it('refuses what is not a probability, and clamps a float32 overshoot', () => {
    for (const bad of [Number.NaN, -0.5, 1.5, 50, Number.POSITIVE_INFINITY]) expect(() => googleLikelihood(bad)).toThrow(RangeError);
    expect(googleLikelihood(1.0000001)).toBe('VERY_LIKELY');
    expect(googleLikelihood(-0.0000001)).toBe('VERY_UNLIKELY');
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalString } from './canonical.ts';
import { parseTransformation } from './parse-transformation.ts';
import { applyQualityOverride } from './quality-override.ts';

const applied = (text: string, override: string | null): string => canonicalString(applyQualityOverride(parseTransformation(text), override));

describe('applyQualityOverride', () => {
  it.each([
    ['q_auto,w_100', '80', 'q_80,w_100'],
    ['q_auto:eco,w_100', '80', 'q_80,w_100'],
    ['q_auto,w_100', 'auto:best', 'q_auto:best,w_100'],
    ['q_auto/w_100/q_auto:low', '55', 'q_55/w_100/q_55'],
    ['q_60,w_100', '80', 'q_60,w_100'],
    ['w_100', '80', 'w_100'],
    ['q_auto,w_100', null, 'q_auto,w_100'],
    ['q_auto,w_100', '', 'q_auto,w_100'],
  ])('%s with override %s → %s', (text, override, expected) => {
    expect(applied(text, override)).toBe(expected);
  });

  it('returns the same plan when nothing changes', () => {
    const plan = parseTransformation('q_60,w_100');
    expect(applyQualityOverride(plan, '80')).toBe(plan);
    expect(applyQualityOverride(parseTransformation('q_auto'), undefined)).toEqual(parseTransformation('q_auto'));
  });
});

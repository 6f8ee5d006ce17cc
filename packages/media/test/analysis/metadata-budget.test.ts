import { describe, expect, it } from 'vitest';
import { withinMetadataBudget } from '../../src/analysis/metadata-budget.ts';

const size = (map: Record<string, string>): number => Buffer.byteLength(JSON.stringify(map));

describe('withinMetadataBudget', () => {
  const metadata = { ImageWidth: '241', ImageHeight: '51', Description: 'x'.repeat(200), Colorspace: 'RGB' };

  it('keeps everything that fits, in order', () => {
    expect(withinMetadataBudget(metadata, 10_000)).toEqual(metadata);
    expect(Object.keys(withinMetadataBudget(metadata, size(metadata)))).toEqual(Object.keys(metadata));
  });

  it('leaves out an entry that does not fit and keeps later ones that do', () => {
    const kept = withinMetadataBudget(metadata, 100);
    expect(kept).toEqual({ ImageWidth: '241', ImageHeight: '51', Colorspace: 'RGB' });
    expect(size(kept)).toBeLessThanOrEqual(100);
  });

  it('never exceeds the budget, counting UTF-8 bytes and JSON escapes', () => {
    const wide = { A: 'é'.repeat(10), B: '"'.repeat(10), C: 'z' };
    for (let budget = 2; budget <= size(wide) + 1; budget += 1) {
      const kept = withinMetadataBudget(wide, budget);
      expect(size(kept)).toBeLessThanOrEqual(budget);
    }
    expect(withinMetadataBudget(wide, size(wide))).toEqual(wide);
    expect(withinMetadataBudget(wide, size(wide) - 1)).not.toEqual(wide);
  });

  it('refuses a budget too small for `{}`', () => {
    expect(() => withinMetadataBudget(metadata, 1)).toThrow(TypeError);
  });
});

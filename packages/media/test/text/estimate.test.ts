import { describe, expect, it } from 'vitest';
import { estimateTextSize, LINE_HEIGHT_EM, NARROW_CHARACTER_EM, WIDE_CHARACTER_EM } from '../../src/text/estimate.ts';

const base = { fontSize: 100, letterSpacing: 0, lineSpacing: 0, wrapWidth: null, padding: 0 };

describe('estimateTextSize', () => {
  it('counts narrow characters half an em, wide ones (CJK, emoji) one em, lines 1.2 em', () => {
    expect(NARROW_CHARACTER_EM).toBe(0.5);
    expect(WIDE_CHARACTER_EM).toBe(1);
    expect(LINE_HEIGHT_EM).toBe(1.2);
    expect(estimateTextSize({ ...base, text: 'abcd' })).toEqual({ width: 200, height: 120 });
    expect(estimateTextSize({ ...base, text: '日本語😀' })).toEqual({ width: 400, height: 120 });
  });

  it('adds letter spacing between characters, line spacing between lines and the stroke on every side', () => {
    expect(estimateTextSize({ ...base, text: 'abcd\nab', letterSpacing: 10, lineSpacing: 30, padding: 5 })).toEqual({ width: 240, height: 280 });
    expect(estimateTextSize({ ...base, text: 'ab\nab', lineSpacing: -200 })).toEqual({ width: 100, height: 40 });
  });

  it('wraps long lines at the wrap width, each line at least one row', () => {
    expect(estimateTextSize({ ...base, text: 'abcdefghij\n\nab', wrapWidth: 200 })).toEqual({ width: 200, height: 5 * 120 }); // rows 3 + 1 + 1
  });

  it('is never smaller than one pixel', () => {
    expect(estimateTextSize({ ...base, text: '', fontSize: 1 })).toEqual({ width: 1, height: 2 });
    expect(estimateTextSize({ ...base, text: 'ab', letterSpacing: -1000 })).toEqual({ width: 1, height: 120 });
  });
});

import { describe, expect, it } from 'vitest';
import { pageText } from '../../src/documents/page-text.ts';
import type { TextPiece } from '../../src/documents/page-text.ts';

const piece = (str: string, x: number, dir = 'ltr', hasEOL = false): TextPiece => ({ str, dir, transform: [12, 0, 0, 12, x, 700], hasEOL });
const same = (text: string) => text;

describe('pageText', () => {
  it('joins items and ends lines where pdf.js says so', () => {
    expect(pageText([piece('Hello', 0), piece(' ', 30), piece('world', 36, 'ltr', true), piece('Next', 0)], same)).toBe('Hello world\nNext');
    expect(pageText([], same)).toBe('');
  });

  it('puts a run of right-to-left words in reading order, whatever order the file draws them in', () => {
    const drawnLeftToRight = [piece('ج', 0, 'rtl'), piece(' ', 10), piece('ب', 20, 'rtl'), piece(' ', 30), piece('أ', 40, 'rtl', true)];
    expect(pageText(drawnLeftToRight, same)).toBe('أ ب ج\n');
    expect(
      pageText(
        [...drawnLeftToRight].reverse().map((item) => ({ ...item, hasEOL: false })),
        same,
      ),
    ).toBe('أ ب ج');
  });

  it('leaves left-to-right text around a right-to-left run where it is', () => {
    const line = [piece('Price:', 0), piece(' ', 30), piece('ב', 40, 'rtl'), piece(' ', 50), piece('א', 60, 'rtl'), piece(' ', 70), piece('USD', 80)];
    expect(pageText(line, same)).toBe('Price: א ב USD');
  });

  it('normalises the whole page once, after reordering', () => {
    expect(pageText([piece('\ufb01ne', 0)], (text) => text.normalize('NFKC'))).toBe('fine');
  });
});

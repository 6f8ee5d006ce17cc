/** What page-text.ts needs of pdf.js's TextItem (structural, so that this file imports nothing). */
export type TextPiece = { str: string; dir: string; transform: number[]; hasEOL: boolean };

/**
 * One page's text from pdf.js's text items: the items joined, a newline where pdf.js marks the end
 * of a line, `normalize` (pdf.js's own ligature and presentation-form mapping) applied last.
 *
 * Right-to-left text: pdf.js gives each item (a word, usually) in logical order, but the items in the
 * order the file draws them, which for Arabic or Hebrew is mostly left to right, so a line would read
 * its words backwards. On a line with right-to-left items, each run of them (and the spaces between
 * them) is put in reading order: rightmost first, by position along the baseline. A left-to-right word
 * inside such a line stays where it is (no full bidi reordering).
 *
 * Normalising after this, not item by item inside pdf.js (its default), also keeps an Arabic ligature
 * such as U+FCCB in the right order: pdf.js's per-item normalisation decomposes it backwards.
 */
export function pageText(items: readonly TextPiece[], normalize: (text: string) => string): string {
  let text = '';
  if (!items.some((item) => item.dir === 'rtl')) {
    for (const item of items) {
      text += item.str;
      if (item.hasEOL) text += '\n';
    }
    return normalize(text);
  }
  let line: TextPiece[] = [];
  for (const item of items) {
    line.push(item);
    if (item.hasEOL) {
      text += `${lineText(line)}\n`;
      line = [];
    }
  }
  return normalize(text + lineText(line));
}

function lineText(line: TextPiece[]): string {
  let text = '';
  let index = 0;
  while (index < line.length) {
    const item = line[index] as TextPiece;
    if (item.dir !== 'rtl') {
      text += item.str;
      index += 1;
      continue;
    }
    // The run: right-to-left items and the blanks between them, ending at its last right-to-left item.
    let end = index + 1;
    let last = index;
    while (end < line.length && isRtlOrBlank(line[end] as TextPiece)) {
      if ((line[end] as TextPiece).dir === 'rtl') last = end;
      end += 1;
    }
    const run = line.slice(index, last + 1).sort((a, b) => along(b) - along(a));
    for (const piece of run) text += piece.str;
    index = last + 1;
  }
  return text;
}

const isRtlOrBlank = (item: TextPiece): boolean => item.dir === 'rtl' || item.str.trim() === '';

/** Position along the item's own baseline direction (x for ordinary horizontal text). */
const along = (item: TextPiece): number => {
  const [a = 1, b = 0, , , x = 0, y = 0] = item.transform;
  return x * a + y * b;
};

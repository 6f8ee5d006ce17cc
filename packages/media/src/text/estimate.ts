// The size a text layer will have, guessed from its characters before Pango draws anything, so that a
// text far beyond the limits costs no rendering. A guess, not a bound: the rendered size is checked
// again (render-text.ts). Wrong by a small factor at most: Latin glyphs average about half an em, and
// the widest (W, M) about one em.

/** Average advance of a narrow (Latin, Greek, Cyrillic, …) character, in ems. */
export const NARROW_CHARACTER_EM = 0.5;
/** Advance of a wide character (CJK, Hangul, full-width forms, emoji): one em. */
export const WIDE_CHARACTER_EM = 1;
/** A line's height in ems (the installed families' ascent plus descent are 1.15 to 1.25 em). */
export const LINE_HEIGHT_EM = 1.2;

/** East Asian wide and full-width blocks, and the emoji planes: what is drawn one em wide. */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1faff],
  [0x20000, 0x3fffd],
];

function isWide(character: string): boolean {
  const code = character.codePointAt(0)!;
  return WIDE_RANGES.some(([first, last]) => code >= first && code <= last);
}

export type TextEstimateInput = {
  text: string;
  fontSize: number;
  /** Extra pixels after each character (may be negative). */
  letterSpacing: number;
  /** Extra pixels between lines (may be negative). */
  lineSpacing: number;
  /** Lines wrap at this many pixels; null: only at newlines. */
  wrapWidth: number | null;
  /** Pixels the stroke adds on every side. */
  padding: number;
};

/** The estimated width and height, in pixels, of the drawn text (each at least 1). */
export function estimateTextSize(input: TextEstimateInput): { width: number; height: number } {
  const { fontSize, letterSpacing, lineSpacing, wrapWidth, padding } = input;
  const lineWidths = input.text.split(/\r\n?|\n/).map((line) => {
    const characters = [...line];
    const advance = characters.reduce((sum, character) => sum + fontSize * (isWide(character) ? WIDE_CHARACTER_EM : NARROW_CHARACTER_EM), 0);
    return Math.max(0, advance + letterSpacing * Math.max(0, characters.length - 1));
  });
  const rows = wrapWidth === null ? lineWidths.length : lineWidths.reduce((sum, width) => sum + Math.max(1, Math.ceil(width / wrapWidth)), 0);
  const widest = Math.max(...lineWidths);
  const width = wrapWidth === null ? widest : Math.min(widest, wrapWidth);
  const height = rows * fontSize * LINE_HEIGHT_EM + (rows - 1) * lineSpacing;
  return { width: Math.max(1, Math.ceil(width + 2 * padding)), height: Math.max(1, Math.ceil(height + 2 * padding)) };
}

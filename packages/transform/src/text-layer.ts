import { ApiError } from '@rendition/protocol';
import { findFont } from './fonts.ts';

// Text layers: `l_text:<font family>_<size>[_<weight>][_<style>][_<decoration>][_<alignment>][_stroke]
// [_letter_spacing_<n>][_line_spacing_<n>][_antialias_<v>][_hinting_<v>]:<text>`. Pure parsing and the
// canonical text; the rendering is the media package's (text/render-text.ts).
//
// Escaping (docs/transformations.md, "Text layers"). Three levels of the same text:
//   wire     what the URL or the eager string holds, as the SDK writes it: `Hello%252C%20World`
//   decoded  the wire percent-decoded once, what the transformation parser splits on `/` and `,`:
//            `Hello%2C World`. parseTextLayer takes this level.
//   text     what is drawn: parseTextLayer percent-decodes the decoded level once more: `Hello, World`.
// A `,` or `/` of the text is therefore written `%252C` / `%252F` on the wire (Cloudinary's double
// escaping), so that neither splits the transformation. canonicalTextLayer writes the wire level, the
// same as the SDK does (the canonical string is placed in URLs as is and parsed again after one decode).

/** Largest `<size>`, in pixels (at the 72 dpi Rendition renders at, one point is one pixel). */
export const MAX_TEXT_FONT_SIZE = 1_000;
/** Most characters (code points) a text layer's text may have once unescaped. */
export const MAX_TEXT_LAYER_LENGTH = 1_000;
/** Largest magnitude of `letter_spacing_<n>` and `line_spacing_<n>`, in pixels (negative values tighten). */
export const MAX_TEXT_SPACING = 1_000;

/** The SDK's (url-gen) weights first; `semibold`, `extrabold` and `black` are accepted beyond them (docs/compatibility.md). */
export const FONT_WEIGHTS = ['thin', 'light', 'normal', 'semibold', 'bold', 'extrabold', 'black'] as const;
export const TEXT_ALIGNMENTS = ['left', 'center', 'right', 'justify', 'start', 'end'] as const;
export const FONT_ANTIALIASES = ['none', 'gray', 'subpixel', 'fast', 'good', 'best'] as const;
export const FONT_HINTINGS = ['none', 'slight', 'medium', 'full'] as const;

/** A text layer's style, every field resolved (Cloudinary's defaults where the URL gave none). */
export type TextStyle = {
  /** Cloudinary's spelling of a known font (fonts.ts), whatever case the URL used: `Times New Roman`. */
  fontFamily: string;
  /** Pixels: an integer from 1 to MAX_TEXT_FONT_SIZE. */
  fontSize: number;
  fontWeight: (typeof FONT_WEIGHTS)[number];
  fontStyle: 'normal' | 'italic';
  textDecoration: 'none' | 'underline' | 'strikethrough';
  /** Only changes text of several lines (a `%0A` or wrapping); null: left. */
  textAlign: (typeof TEXT_ALIGNMENTS)[number] | null;
  /** Extra pixels between letters, rounded to 3 decimals; null: none (a 0 is null too). */
  letterSpacing: number | null;
  /** Extra pixels between lines (negative: closer), rounded to 3 decimals; null: none (a 0 is null too). */
  lineSpacing: number | null;
  /** An outline in the `bo_` of the layer's component (render-text.ts). */
  stroke: boolean;
  /** Accepted and kept in the canonical string; the renderer has no control over them (docs). */
  fontAntialias: (typeof FONT_ANTIALIASES)[number] | null;
  fontHinting: (typeof FONT_HINTINGS)[number] | null;
};

const DEFAULT_STYLE: Omit<TextStyle, 'fontFamily' | 'fontSize'> = {
  fontWeight: 'normal',
  fontStyle: 'normal',
  textDecoration: 'none',
  textAlign: null,
  letterSpacing: null,
  lineSpacing: null,
  stroke: false,
  fontAntialias: null,
  fontHinting: null,
};

const bad = (message: string): ApiError => new ApiError(400, message);

/** Every refusal of this file; all are Rendition's own texts ([GUESS] in docs/compatibility.md): Cloudinary's are not known. */
export const textLayerErrors = {
  noText: (spec: string) => bad(`Invalid text layer - text:${spec}: expected text:<font family>_<size>:<text>`),
  emptyText: (spec: string) => bad(`Invalid text layer - text:${spec}: the text is empty`),
  textTooLong: (length: number) => bad(`Invalid text layer - the text has ${length} characters, at most ${MAX_TEXT_LAYER_LENGTH}`),
  badEncoding: (text: string) => bad(`Invalid text layer - bad percent-encoding in ${text}`),
  unknownFont: (family: string) => bad(`Unknown font family - ${family}`),
  invalidFontSize: (size: string) => bad(`Invalid font size - ${size}: expected an integer from 1 to ${MAX_TEXT_FONT_SIZE}`),
  /** `l_text:<public_id>:<text>` (a style saved by the text method) or a style with no size at all. */
  styleWithoutSize: (style: string) =>
    bad(`Invalid text layer style - ${style}: expected <font family>_<size>[_<options>] (text styles saved with the text method are not supported)`),
  invalidStyle: (token: string, style: string) => bad(`Invalid text layer style - ${token} in ${style}`),
  conflictingStyle: (token: string, earlier: string, style: string) => bad(`Invalid text layer style - ${token} conflicts with ${earlier} in ${style}`),
  invalidSpacing: (name: 'letter_spacing' | 'line_spacing', value: string) =>
    bad(`Invalid ${name.replace('_', ' ')} - ${value}: expected a number from -${MAX_TEXT_SPACING} to ${MAX_TEXT_SPACING}`),
};

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Percent-decodes the decoded level once more (`%2C` → `,`). A `%` not followed by two hex digits stays
 * a literal `%`: the SDK sends the text `100%` as `100%25`, which arrives here as `100%`.
 */
function unescapeText(text: string): string {
  return text.replace(PERCENT_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Bytes that are no UTF-8 (`%FF`, a cut sequence): nothing could be drawn for them.
      throw textLayerErrors.badEncoding(text);
    }
  });
}

/** Characters written `%25XX` on the wire, so the one decode before the parser leaves them escaped. */
const DOUBLE_ESCAPED = new Set([',', '/', '%', '|']);

/**
 * The text at the wire level, as the SDK's process_layer writes it (encodeURIComponent after escaping
 * `,` and `/`, and `(`/`)` as `%28`/`%29`). `%` and `|` are escaped twice as well: `%` so that the text
 * `%41` comes back as itself rather than `A`, and `|` so that an eager list (split on `|` after its one
 * decode) never splits inside a text.
 */
function escapeText(text: string): string {
  let escaped = '';
  for (const character of text.toWellFormed()) {
    if (DOUBLE_ESCAPED.has(character)) escaped += `%25${character.charCodeAt(0).toString(16).toUpperCase()}`;
    else escaped += encodeURIComponent(character).replace('(', '%28').replace(')', '%29');
  }
  return escaped;
}

const SPACING_NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** `letter_spacing_<n>` / `line_spacing_<n>`: a number of pixels, rounded to 3 decimals; 0 means none. */
function parseSpacing(name: 'letter_spacing' | 'line_spacing', value: string | undefined): number | null {
  const text = value ?? '';
  const number = SPACING_NUMBER.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(number) || Math.abs(number) > MAX_TEXT_SPACING) throw textLayerErrors.invalidSpacing(name, text);
  const rounded = Math.round(number * 1000) / 1000;
  // -0 and 0 are both "no extra spacing": one canonical spelling (none).
  return rounded === 0 ? null : rounded;
}

type StyleField =
  'fontWeight' | 'fontStyle' | 'textDecoration' | 'textAlign' | 'stroke' | 'letterSpacing' | 'lineSpacing' | 'fontAntialias' | 'fontHinting';

type Keyword = { field: StyleField; value: string | boolean };

/** One-word options and the field each sets. */
const KEYWORDS: ReadonlyMap<string, Keyword> = new Map<string, Keyword>([
  ...FONT_WEIGHTS.filter((weight) => weight !== 'normal').map((weight): [string, Keyword] => [weight, { field: 'fontWeight', value: weight }]),
  ['italic', { field: 'fontStyle', value: 'italic' }],
  ['underline', { field: 'textDecoration', value: 'underline' }],
  ['strikethrough', { field: 'textDecoration', value: 'strikethrough' }],
  ...TEXT_ALIGNMENTS.map((align): [string, Keyword] => [align, { field: 'textAlign', value: align }]),
  ['stroke', { field: 'stroke', value: true }],
]);

function parseStyle(styleText: string): TextStyle {
  const tokens = styleText.split('_');
  const familyText = unescapeText(tokens[0] ?? '');
  const sizeText = tokens[1];
  const font = findFont(familyText);
  if (sizeText === undefined || !/^\d+$/.test(sizeText)) {
    // `Arial:Hi` or `Arial_big:Hi` name a font and no size; `my_style:Hi` is a saved text style.
    if (font !== undefined) throw textLayerErrors.invalidFontSize(sizeText ?? '(none)');
    throw textLayerErrors.styleWithoutSize(styleText);
  }
  if (font === undefined) throw textLayerErrors.unknownFont(familyText);
  const fontSize = Number(sizeText);
  if (fontSize < 1 || fontSize > MAX_TEXT_FONT_SIZE) throw textLayerErrors.invalidFontSize(sizeText);

  const style: TextStyle = { ...DEFAULT_STYLE, fontFamily: font.family, fontSize };
  // The token that set each field: the same field twice (`bold_light`, even `bold_bold`) is refused.
  const setBy = new Map<StyleField, string>();
  const set = (field: StyleField, token: string, apply: () => void): void => {
    const earlier = setBy.get(field);
    if (earlier !== undefined) throw textLayerErrors.conflictingStyle(token, earlier, styleText);
    setBy.set(field, token);
    apply();
  };
  for (let index = 2; index < tokens.length; index += 1) {
    const token = tokens[index]!.toLowerCase();
    const next = tokens[index + 1]?.toLowerCase();
    if ((token === 'letter' || token === 'line') && next === 'spacing') {
      const name = token === 'letter' ? 'letter_spacing' : 'line_spacing';
      const value = tokens[index + 2];
      set(token === 'letter' ? 'letterSpacing' : 'lineSpacing', name, () => {
        style[token === 'letter' ? 'letterSpacing' : 'lineSpacing'] = parseSpacing(name, value);
      });
      index += 2;
      continue;
    }
    if (token === 'antialias' || token === 'hinting') {
      const value = tokens[index + 1]?.toLowerCase() ?? '';
      const allowed: readonly string[] = token === 'antialias' ? FONT_ANTIALIASES : FONT_HINTINGS;
      if (!allowed.includes(value)) throw textLayerErrors.invalidStyle(`${token}_${tokens[index + 1] ?? ''}`, styleText);
      if (token === 'antialias') set('fontAntialias', `antialias_${value}`, () => (style.fontAntialias = value as TextStyle['fontAntialias']));
      else set('fontHinting', `hinting_${value}`, () => (style.fontHinting = value as TextStyle['fontHinting']));
      index += 1;
      continue;
    }
    // `normal` is every default at once (weight, style, decoration): it changes nothing.
    if (token === 'normal') continue;
    const keyword = KEYWORDS.get(token);
    if (keyword === undefined) throw textLayerErrors.invalidStyle(tokens[index]!, styleText);
    set(keyword.field, token, () => {
      (style as Record<StyleField, unknown>)[keyword.field] = keyword.value;
    });
  }
  return style;
}

/**
 * Parses what follows `l_text:` at the decoded level (see the top of this file): the style, the first
 * `:`, then the text, which is percent-decoded once more. Throws ApiError(400) on anything else.
 */
export function parseTextLayer(spec: string): { style: TextStyle; text: string } {
  const colon = spec.indexOf(':');
  if (colon < 0) throw textLayerErrors.noText(spec);
  const style = parseStyle(spec.slice(0, colon));
  // The spec is bounded by the transformation's own length limit, so decoding it first costs little.
  const text = unescapeText(spec.slice(colon + 1));
  if (text === '') throw textLayerErrors.emptyText(spec);
  const length = [...text].length;
  if (length > MAX_TEXT_LAYER_LENGTH) throw textLayerErrors.textTooLong(length);
  return { style, text };
}

/**
 * The canonical `text:<style>:<text>` (what follows `l_`) at the wire level: the SDK's spelling (family
 * URL-encoded, options in url-gen's order, defaults left out), text escaped by escapeText.
 * `parseTextLayer(decodeURIComponent(canonical).slice('text:'.length))` gives the style and text back.
 */
export function canonicalTextLayer(style: TextStyle, text: string): string {
  const parts: string[] = [encodeURIComponent(style.fontFamily), String(style.fontSize)];
  if (style.fontWeight !== 'normal') parts.push(style.fontWeight);
  if (style.fontStyle !== 'normal') parts.push(style.fontStyle);
  if (style.textDecoration !== 'none') parts.push(style.textDecoration);
  if (style.textAlign !== null) parts.push(style.textAlign);
  if (style.stroke) parts.push('stroke');
  if (style.letterSpacing !== null) parts.push(`letter_spacing_${String(style.letterSpacing)}`);
  if (style.lineSpacing !== null) parts.push(`line_spacing_${String(style.lineSpacing)}`);
  if (style.fontAntialias !== null) parts.push(`antialias_${style.fontAntialias}`);
  if (style.fontHinting !== null) parts.push(`hinting_${style.fontHinting}`);
  return `text:${parts.join('_')}:${escapeText(text)}`;
}

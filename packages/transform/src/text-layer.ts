// Text layers: `l_text:<font family>_<size>[_<weight>][_<style>][_<decoration>][_<alignment>]
// [_letter_spacing_<n>][_line_spacing_<n>][_stroke]:<text>`. Pure parsing and canonical text; the
// rendering is the media package's (text/render-text.ts).

/** A text layer's style, every field resolved (Cloudinary's defaults when the URL gave none). */
export type TextStyle = {
  /** As Cloudinary spells it in the canonical string (lowercased family, spaces kept as `%20`-free words joined by `%20`? see parseTextLayer). */
  fontFamily: string;
  /** Points (= pixels at the default density). */
  fontSize: number;
  fontWeight: 'normal' | 'bold' | 'thin' | 'light' | 'semibold' | 'black' | 'extrabold';
  fontStyle: 'normal' | 'italic';
  textDecoration: 'none' | 'underline' | 'strikethrough';
  textAlign: 'left' | 'center' | 'right' | 'justify' | 'start' | 'end' | null;
  letterSpacing: number | null;
  lineSpacing: number | null;
  stroke: boolean;
};

/** Parses what follows `l_text:` (style, `:`, the escaped text). Throws ApiError(400) with Cloudinary's message. */
export function parseTextLayer(spec: string): { style: TextStyle; text: string } {
  throw new Error(`parseTextLayer not implemented: ${spec}`);
}

/** The canonical `text:<style>:<escaped text>` of a text layer (what follows `l_`). */
export function canonicalTextLayer(style: TextStyle, text: string): string {
  throw new Error(`canonicalTextLayer not implemented: ${JSON.stringify(style)} ${text}`);
}

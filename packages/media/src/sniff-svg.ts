/** How much of a file the SVG sniff reads: enough for a prolog, a licence comment and a doctype. */
export const SVG_SNIFF_BYTES = 4096;

const XML_SPACE = new Set([' ', '\t', '\r', '\n']);

/**
 * True when the bytes start an XML document whose root element is `<svg`. file-type has no text
 * formats (it calls an SVG "xml" at best), so this reads past what may precede the root: a UTF-8
 * BOM, the XML declaration and other processing instructions, comments and a doctype with an
 * internal subset. A root that does not appear within the given bytes is not an SVG: a file that
 * needs more than 4 KB of preamble is not one a browser would show either.
 */
export function looksLikeSvg(head: Uint8Array): boolean {
  const text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8');
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (at < text.length && XML_SPACE.has(text.charAt(at))) at += 1;
    const next = skipPreamble(text, at);
    if (next === at) break;
    if (next < 0) return false;
    at = next;
  }
  return /^<svg[\s/>]/.test(text.slice(at, at + 5));
}

/** The index after the preamble item at `at`, `at` itself when there is none, -1 when it is cut off. */
function skipPreamble(text: string, at: number): number {
  if (text.startsWith('<?', at)) return after(text, '?>', at + 2);
  if (text.startsWith('<!--', at)) return after(text, '-->', at + 4);
  if (text.slice(at, at + 9).toUpperCase() === '<!DOCTYPE') {
    const close = text.indexOf('>', at);
    const subset = text.indexOf('[', at);
    if (subset >= 0 && (close < 0 || subset < close)) {
      const subsetEnd = text.indexOf(']', subset);
      return subsetEnd < 0 ? -1 : after(text, '>', subsetEnd + 1);
    }
    return close < 0 ? -1 : close + 1;
  }
  return at;
}

function after(text: string, token: string, from: number): number {
  const found = text.indexOf(token, from);
  return found < 0 ? -1 : found + token.length;
}

import { resolveFontFamily } from './fonts.ts';

export type TextWeight = 'thin' | 'light' | 'normal' | 'bold' | 'black';
export type TextDecoration = 'none' | 'underline' | 'strikethrough';

/** What the markup carries; opacity, background, alignment and line spacing are applied by text-image.ts. */
export type TextFont = { family: string; size: number; weight: TextWeight; italic: boolean; decoration: TextDecoration; color: Rgb };

export type Rgb = { r: number; g: number; b: number };

const PANGO_WEIGHTS: Readonly<Record<TextWeight, string>> = { thin: 'thin', light: 'light', normal: 'normal', bold: 'bold', black: 'heavy' };

/** Characters XML 1.0 does not allow (C0 controls but tab and newline, DEL, U+FFFE and U+FFFF). */
function allowedInMarkup(character: string): boolean {
  const code = character.codePointAt(0)!;
  if (code === 0x09 || code === 0x0a) return true;
  return code > 0x1f && code !== 0x7f && code !== 0xfffe && code !== 0xffff;
}

/**
 * The client's text made safe for Pango markup: the five markup characters become entities, so no
 * tag or attribute of the text is ever interpreted; characters XML forbids (controls other than tab
 * and newline) are dropped, a lone surrogate becomes U+FFFD; `\r\n` and `\r` become newlines.
 */
export function escapeMarkup(text: string): string {
  return [...text.toWellFormed().replace(/\r\n?/g, '\n')]
    .filter(allowedInMarkup)
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * One span of Pango markup in `font` (at 72 dpi one point is one pixel: `size` is in pixels, as
 * Cloudinary's `font_size` is). Every value in it is ours (numbers, names from fixed tables); only the
 * text is the client's, escaped.
 */
export function textMarkup(text: string, font: TextFont): string {
  const attributes = [
    `font_family="${escapeMarkup(resolveFontFamily(font.family))}"`,
    `size="${Math.round(font.size * 1024)}"`,
    `weight="${PANGO_WEIGHTS[font.weight]}"`,
    `style="${font.italic ? 'italic' : 'normal'}"`,
    ...(font.decoration === 'underline' ? ['underline="single"'] : []),
    ...(font.decoration === 'strikethrough' ? ['strikethrough="true"'] : []),
    `foreground="#${[font.color.r, font.color.g, font.color.b].map((channel) => channel.toString(16).padStart(2, '0')).join('')}"`,
  ];
  return `<span ${attributes.join(' ')}>${escapeMarkup(text)}</span>`;
}

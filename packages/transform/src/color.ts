import { CSS_COLORS } from './css-colors.ts';
import { transformErrors } from './messages.ts';
import type { Color } from './plan.ts';

const RGB_HEX = /^rgb:([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/;

/**
 * Parses a Cloudinary colour: a CSS colour name (`red`, `transparent`) or `rgb:` with 3, 6 or 8 hex digits
 * (the SDK turns `#ff0000` into `rgb:ff0000`). Case-insensitive; the canonical text is lowercase with
 * 3-digit hex expanded to 6.
 */
export function parseColor(value: string): Color {
  const text = value.toLowerCase();
  if (text === 'transparent') return { text, r: 0, g: 0, b: 0, alpha: 0 };
  // Own names only: `constructor` or `__proto__` must not find Object.prototype's members.
  const named = Object.hasOwn(CSS_COLORS, text) ? CSS_COLORS[text] : undefined;
  if (named !== undefined) return fromHex(text, named);
  const match = RGB_HEX.exec(text);
  if (match === null) throw transformErrors.invalidColor(value);
  let hex = match[1]!;
  if (hex.length === 3) hex = [...hex].map((digit) => digit + digit).join('');
  return fromHex(`rgb:${hex}`, hex);
}

function fromHex(text: string, hex: string): Color {
  const byte = (index: number): number => Number.parseInt(hex.slice(index, index + 2), 16);
  const alpha = hex.length === 8 ? Math.round((byte(6) / 255) * 1000) / 1000 : 1;
  return { text, r: byte(0), g: byte(2), b: byte(4), alpha };
}

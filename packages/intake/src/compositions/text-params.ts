import type { TextJobV1 } from '@rendition/jobs';

type TextStyle = TextJobV1['style'];
import { ApiError, invalidParameter, missingParameter, randomPublicId, readString, validatePublicId, type RawParams } from '@rendition/protocol';

/** Longest text (in characters) one `text` call renders: MAX_TEXT_LENGTH, 1,000. Media bounds its pixels too. */
export const MAX_TEXT_LENGTH = 1_000;
/** Largest `font_size`, in pixels. */
export const MAX_FONT_SIZE = 1_000;

/** Cloudinary's defaults for the text method ([GUESS] where its reference gives none: Arial 12 black). */
export const TEXT_DEFAULTS: Readonly<TextStyle> = Object.freeze({
  fontFamily: 'Arial',
  fontSize: 12,
  fontColor: 'black',
  fontWeight: 'normal',
  fontStyle: 'normal',
  textAlign: 'left',
  textDecoration: 'none',
  background: null,
  opacity: 100,
  lineSpacing: null,
});

export interface TextRequest {
  text: string;
  publicId: string;
  style: TextStyle;
}

/**
 * The `text` call's parameters (reference §4.9), checked so a bad value is a 400 before any job exists.
 * Colours are checked for their form here (a name, `#…` or `rgb:…` with 3, 6 or 8 hex digits); the
 * worker resolves names. `font_hinting` and `font_antialiasing` are accepted and have no effect.
 */
export function parseTextRequest(params: RawParams): TextRequest {
  const text = params.text === undefined ? undefined : Array.isArray(params.text) ? params.text.join(',') : params.text;
  if (text === undefined || text.trim() === '') throw new ApiError(400, missingParameter('text'));
  const length = [...text].length;
  if (length > MAX_TEXT_LENGTH) throw new ApiError(400, `Text too long: ${length} characters, at most ${MAX_TEXT_LENGTH}`);
  const publicIdText = readString(params, 'public_id');
  return {
    text,
    publicId: publicIdText === undefined ? randomPublicId() : validatePublicId(publicIdText),
    style: {
      fontFamily: readFontFamily(params),
      fontSize: readInteger(params, 'font_size', 1, MAX_FONT_SIZE) ?? TEXT_DEFAULTS.fontSize,
      fontColor: readColour(params, 'font_color') ?? TEXT_DEFAULTS.fontColor,
      fontWeight:
        readChoice(params, 'font_weight', { normal: 'normal', bold: 'bold', thin: 'thin', light: 'light', black: 'black' }) ?? TEXT_DEFAULTS.fontWeight,
      fontStyle: readChoice(params, 'font_style', { normal: 'normal', italic: 'italic' }) ?? TEXT_DEFAULTS.fontStyle,
      textAlign:
        readChoice(params, 'text_align', { left: 'left', start: 'left', center: 'center', right: 'right', end: 'right', justify: 'justify' }) ??
        TEXT_DEFAULTS.textAlign,
      textDecoration:
        readChoice(params, 'text_decoration', {
          none: 'none',
          underline: 'underline',
          strikethrough: 'strikethrough',
          'line-through': 'strikethrough',
        }) ?? TEXT_DEFAULTS.textDecoration,
      background: readColour(params, 'background') ?? TEXT_DEFAULTS.background,
      opacity: readInteger(params, 'opacity', 0, 100) ?? TEXT_DEFAULTS.opacity,
      lineSpacing: readInteger(params, 'line_spacing', 0, MAX_FONT_SIZE) ?? TEXT_DEFAULTS.lineSpacing,
    },
  };
}

function readFontFamily(params: RawParams): string {
  const family = readString(params, 'font_family')?.trim();
  if (family === undefined || family === '') return TEXT_DEFAULTS.fontFamily;
  if (family.length > 100) throw invalidParameter('font_family', family, 'at most 100 characters');
  return family;
}

function readInteger(params: RawParams, name: string, min: number, max: number): number | undefined {
  const text = readString(params, name)?.trim();
  if (text === undefined) return undefined;
  const value = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw invalidParameter(name, text, `expected an integer from ${min} to ${max}`);
  return value;
}

const COLOUR = /^(?:[a-z]{3,30}|(?:#|rgb:)(?:[0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8}))$/i;

function readColour(params: RawParams, name: string): string | undefined {
  const text = readString(params, name)?.trim();
  if (text === undefined) return undefined;
  if (!COLOUR.test(text)) throw invalidParameter(name, text, 'expected a colour name, #rrggbb or rgb:rrggbb');
  return text.toLowerCase();
}

function readChoice<T extends string>(params: RawParams, name: string, choices: Record<string, T>): T | undefined {
  const text = readString(params, name)?.trim().toLowerCase();
  if (text === undefined) return undefined;
  const choice = Object.hasOwn(choices, text) ? choices[text] : undefined;
  if (choice === undefined) throw invalidParameter(name, text, `expected ${Object.keys(choices).join(', ')}`);
  return choice;
}

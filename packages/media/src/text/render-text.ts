import { ApiError } from '@rendition/protocol';
import { findFont, MAX_TEXT_LAYER_LENGTH, textLayerErrors, type Color, type TextStyle } from '@rendition/transform';
import sharp from 'sharp';
import { MAX_TEXT_PIXELS } from '../compose/text-image.ts';
import { escapeMarkup } from '../compose/text-markup.ts';
import { MediaError } from '../media-error.ts';
import { toMediaError } from '../sharp-errors.ts';
import { estimateTextSize } from './estimate.ts';
import { addStroke, type Rgba } from './stroke.ts';

// Text layers rendered with the system's fonts: libvips' text operation through sharp, which lays the
// text out with Pango and finds the fonts with fontconfig. The style becomes one span of Pango markup
// whose attribute values are all ours (numbers and names from fixed tables); the client's text is
// escaped (escapeMarkup), so `<b>` in a text is drawn as the three characters, never as markup.

/** Widest `bo_` stroke a text layer draws, in pixels: the stroke is computed per pixel in JavaScript. */
export const MAX_TEXT_STROKE_WIDTH = 100;
/** The stroke when the layer says `stroke` and gives no `bo_` ([GUESS]: Cloudinary's default is not documented). */
export const DEFAULT_TEXT_STROKE: TextStroke = { width: 2, color: { text: 'black', r: 0, g: 0, b: 0, alpha: 1 } };
/** Cairo's largest surface side: Pango cannot draw a text wider or taller than this at all. */
export const CAIRO_MAX_SIDE = 32_767;

export type TextStroke = { width: number; color: Color };

export type TextLayerRequest = {
  style: TextStyle;
  /** The text as it is shown (already unescaped). */
  text: string;
  /** `co_` of the layer's component; black when absent (Cloudinary's default). */
  color: Color | null;
  /** `c_fit` with `w_` on the text layer: wrap the text at this many pixels. */
  wrapWidth: number | null;
  /** The `bo_` of the layer's component, drawn as the outline when `style.stroke`; absent: DEFAULT_TEXT_STROKE. */
  stroke?: TextStroke | null;
};

export type RenderedText = { png: Buffer; width: number; height: number };

const BLACK: Rgba = { r: 0, g: 0, b: 0, alpha: 1 };

/** Pango's names of the weights (Pango has no `extrabold` or `black`: `ultrabold` 800 and `heavy` 900). */
const PANGO_WEIGHTS: Readonly<Record<TextStyle['fontWeight'], string>> = {
  thin: 'thin',
  light: 'light',
  normal: 'normal',
  semibold: 'semibold',
  bold: 'bold',
  extrabold: 'ultrabold',
  black: 'heavy',
};

/** `start`/`end` are Pango's left/right, which Pango itself mirrors for right-to-left paragraphs. */
const ALIGNMENTS: Readonly<Record<NonNullable<TextStyle['textAlign']>, 'left' | 'centre' | 'right'>> = {
  left: 'left',
  start: 'left',
  justify: 'left',
  center: 'centre',
  right: 'right',
  end: 'right',
};

/** 1024ths of a point (Pango's unit); at 72 dpi a point is a pixel. */
const pangoUnits = (pixels: number): number => Math.round(pixels * 1024);

function markup(request: TextLayerRequest, installedFamily: string): string {
  const { style } = request;
  const attributes = [
    `font_family="${escapeMarkup(installedFamily)}"`,
    `size="${pangoUnits(style.fontSize)}"`,
    `weight="${PANGO_WEIGHTS[style.fontWeight]}"`,
    `style="${style.fontStyle}"`,
    // Glyphs are drawn opaque in the colour; its alpha is applied to the drawn pixels (with the stroke's).
    `foreground="#ffffff"`,
    ...(style.textDecoration === 'underline' ? ['underline="single"'] : []),
    ...(style.textDecoration === 'strikethrough' ? ['strikethrough="true"'] : []),
    ...(style.letterSpacing === null ? [] : [`letter_spacing="${pangoUnits(style.letterSpacing)}"`]),
  ];
  return `<span ${attributes.join(' ')}>${escapeMarkup(request.text)}</span>`;
}

function tooLarge(message: string): MediaError {
  return new MediaError('too_large', message);
}

/** The request's own values checked: what a caller (the layer plumbing) passes through from the client. */
function checkRequest(request: TextLayerRequest): { installed: string; stroke: TextStroke | null } {
  const font = findFont(request.style.fontFamily);
  if (font === undefined) throw textLayerErrors.unknownFont(request.style.fontFamily);
  const length = [...request.text].length;
  if (length > MAX_TEXT_LAYER_LENGTH) throw textLayerErrors.textTooLong(length);
  if (request.wrapWidth !== null && (!Number.isSafeInteger(request.wrapWidth) || request.wrapWidth < 1)) {
    throw new ApiError(400, `Invalid width for a text layer - ${request.wrapWidth}: expected a whole number of pixels`);
  }
  const stroke = request.style.stroke ? (request.stroke ?? DEFAULT_TEXT_STROKE) : null;
  if (stroke !== null && (!Number.isSafeInteger(stroke.width) || stroke.width < 1 || stroke.width > MAX_TEXT_STROKE_WIDTH)) {
    throw new ApiError(400, `Invalid border for a text stroke - ${stroke.width}px: expected 1 to ${MAX_TEXT_STROKE_WIDTH} pixels`);
  }
  return { installed: font.installed, stroke };
}

/**
 * Renders a text layer to a transparent PNG as large as its glyphs (plus the stroke), in `color`
 * (black by default). Refused (MediaError too_large) before drawing when its estimated size exceeds
 * `limits`, and after drawing when the drawn size does. A text with nothing to draw (only spaces) is a
 * transparent 1×1 image.
 */
export async function renderTextLayer(request: TextLayerRequest, limits: { maxDimension: number; maxPixels: number }): Promise<RenderedText> {
  const { installed, stroke } = checkRequest(request);
  const { style } = request;
  const maxDimension = Math.min(limits.maxDimension, CAIRO_MAX_SIDE);
  const maxPixels = Math.min(limits.maxPixels, MAX_TEXT_PIXELS);
  const padding = stroke?.width ?? 0;
  const limitText = `at most ${maxDimension} pixels a side and ${maxPixels} pixels`;
  const wrapWidth = request.wrapWidth === null ? null : Math.min(request.wrapWidth, maxDimension);

  const estimate = estimateTextSize({
    text: request.text,
    fontSize: style.fontSize,
    letterSpacing: style.letterSpacing ?? 0,
    lineSpacing: style.lineSpacing ?? 0,
    wrapWidth,
    padding,
  });
  if (estimate.width > maxDimension || estimate.height > maxDimension || estimate.width * estimate.height > maxPixels) {
    throw tooLarge(
      `Text layer of ${[...request.text].length} characters at font size ${style.fontSize} is too large: about ${estimate.width}x${estimate.height}, ${limitText}`,
    );
  }

  const drawn = await draw(request, installed, wrapWidth);
  if (drawn === null) return transparentPixel();
  const width = drawn.width + 2 * padding;
  const height = drawn.height + 2 * padding;
  if (width > maxDimension || height > maxDimension || width * height > maxPixels) {
    throw tooLarge(`Text layer of ${width}x${height} is too large: ${limitText}`);
  }

  const fill: Rgba = request.color === null ? BLACK : request.color;
  const image =
    stroke === null
      ? { data: paint(drawn.data, fill), width, height }
      : addStroke(drawn.data, drawn.width, drawn.height, fill, stroke.width, stroke.color);
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer();
  return { png, width: image.width, height: image.height };
}

/** The glyphs as white RGBA pixels (straight alpha), or null when the text has no ink at all. */
async function draw(
  request: TextLayerRequest,
  installed: string,
  wrapWidth: number | null,
): Promise<{ data: Buffer; width: number; height: number } | null> {
  const { style } = request;
  const lineSpacing = style.lineSpacing === null ? 0 : Math.round(style.lineSpacing);
  try {
    const { data, info } = await sharp({
      text: {
        text: markup(request, installed),
        rgba: true,
        dpi: 72,
        align: style.textAlign === null ? 'left' : ALIGNMENTS[style.textAlign],
        justify: style.textAlign === 'justify',
        ...(wrapWidth === null ? {} : { width: wrapWidth, wrap: 'word-char' as const }),
        // libvips adds this to Pango's line spacing: extra pixels between lines, negative pulls them closer.
        ...(lineSpacing === 0 ? {} : { spacing: lineSpacing }),
      },
    })
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    // libvips refuses a layout with no ink ("no text to render"): spaces only, or characters escapeMarkup dropped.
    if (error instanceof Error && /no text to render/i.test(error.message)) return null;
    const mapped = toMediaError(error);
    // Pango's input is ours (escaped markup), so a failure is no corrupt file: the text cannot be drawn.
    throw mapped instanceof MediaError && mapped.kind === 'corrupt'
      ? new MediaError('unsupported', 'The text layer could not be rendered', { cause: error })
      : mapped;
  }
}

/** Every pixel in the colour, its coverage (the drawn alpha) times the colour's own alpha. */
function paint(glyphs: Buffer, color: Rgba): Buffer {
  const out = Buffer.alloc(glyphs.length);
  for (let index = 0; index < glyphs.length; index += 4) {
    const alpha = Math.round(glyphs[index + 3]! * color.alpha);
    if (alpha === 0) continue;
    out[index] = color.r;
    out[index + 1] = color.g;
    out[index + 2] = color.b;
    out[index + 3] = alpha;
  }
  return out;
}

async function transparentPixel(): Promise<RenderedText> {
  const png = await sharp({ create: { width: 1, height: 1, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
  return { png, width: 1, height: 1 };
}

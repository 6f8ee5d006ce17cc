import { rename, rm } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { withDeadline } from '../deadline.ts';
import { MediaError } from '../media-error.ts';
import { toMediaError } from '../sharp-errors.ts';
import type { ComposeLimits, ComposedImage } from './compose-limits.ts';
import { textMarkup, type Rgb, type TextFont } from './text-markup.ts';

/**
 * Pixels a text image may have whatever the output limits say (MAX_TEXT_PIXELS, 16 megapixels): a
 * text image is a label, and its size follows from two numbers the client chooses.
 */
export const MAX_TEXT_PIXELS = 16_000_000;

export type TextAlign = 'left' | 'center' | 'right' | 'justify';

export type TextRendering = {
  text: string;
  font: TextFont;
  /** Opacity of the glyphs, 0 to 1 (the colour's own alpha times `opacity`). */
  alpha: number;
  /** Behind the text; none: transparent. */
  background: (Rgb & { alpha: number }) | null;
  align: TextAlign;
  /** Extra pixels between lines; 0: the font's own line height. */
  lineSpacing: number;
};

/**
 * Renders the text with Pango (through libvips) into a PNG as large as the text, and writes it to
 * outputPath. A text whose estimated size exceeds the pixel limit is refused before anything is
 * rendered, and the rendered size is checked again; lines longer than the largest dimension wrap.
 */
export async function renderTextImage(outputPath: string, rendering: TextRendering, limits: ComposeLimits): Promise<ComposedImage> {
  const maxPixels = Math.min(MAX_TEXT_PIXELS, limits.maxOutputPixels);
  const estimate = estimatedPixels(rendering, limits.maxDimension);
  if (estimate > maxPixels)
    throw tooLarge(`Text of ${[...rendering.text].length} characters at font size ${rendering.font.size} is too large to render`, maxPixels);
  const temporary = `${outputPath}.tmp`;
  try {
    const info = await withDeadline(render(rendering, limits, maxPixels, temporary), limits.timeoutSeconds, () => rm(temporary, { force: true }));
    await rename(temporary, outputPath);
    return { width: info.width, height: info.height, pages: 1, bytes: info.size };
  } catch (error) {
    await rm(temporary, { force: true });
    const mapped = toMediaError(error);
    // Pango's input is ours (escaped markup), so a failure is no corrupt file: the text cannot be drawn.
    throw mapped instanceof MediaError && mapped.kind === 'corrupt'
      ? new MediaError('unsupported', 'The text could not be rendered', { cause: error })
      : mapped;
  }
}

/**
 * An upper bound of the rendered size, before rendering: a character at most one em wide (wider
 * glyphs are rare; the rendered size is checked again), lines wrapped at the largest dimension, each
 * row 1.2 em plus the line spacing.
 */
function estimatedPixels(rendering: TextRendering, maxDimension: number): number {
  const size = rendering.font.size;
  const widths = rendering.text.split('\n').map((line) => Math.max(1, [...line].length) * size);
  const rows = widths.reduce((sum, width) => sum + Math.ceil(width / maxDimension), 0);
  return Math.min(Math.max(...widths), maxDimension) * rows * (size * 1.2 + Math.max(0, rendering.lineSpacing));
}

async function render(rendering: TextRendering, limits: ComposeLimits, maxPixels: number, temporary: string) {
  const glyphs = await sharp({
    text: {
      text: textMarkup(rendering.text, rendering.font),
      rgba: true,
      dpi: 72,
      width: limits.maxDimension,
      align: rendering.align === 'center' ? 'centre' : rendering.align === 'right' ? 'right' : 'left',
      justify: rendering.align === 'justify',
      ...(rendering.lineSpacing > 0 ? { spacing: rendering.lineSpacing } : {}),
      wrap: 'word-char',
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = glyphs.info;
  if (width > limits.maxDimension || height > limits.maxDimension || width * height > maxPixels) {
    throw tooLarge(`Text image of ${width}x${height} is too large`, maxPixels);
  }
  let image: Sharp = sharp(glyphs.data);
  if (rendering.alpha < 1) image = sharp(await image.linear([1, 1, 1, rendering.alpha], [0, 0, 0, 0]).png().toBuffer());
  if (rendering.background !== null) {
    const { r, g, b, alpha } = rendering.background;
    image = sharp({ create: { width, height, channels: 4, background: { r, g, b, alpha } } }).composite([{ input: await image.png().toBuffer() }]);
  }
  return image.png().timeout({ seconds: limits.timeoutSeconds }).toFile(temporary);
}

function tooLarge(message: string, maxPixels: number): MediaError {
  return new MediaError('too_large', `${message}: at most ${maxPixels} pixels`);
}

import { ApiError } from '@rendition/protocol';
import { parseColor, parseTextLayer, type TextStyle } from '@rendition/transform';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MediaError } from '../../src/media-error.ts';
import { DEFAULT_TEXT_STROKE, MAX_TEXT_STROKE_WIDTH, renderTextLayer, type RenderedText, type TextStroke } from '../../src/text/render-text.ts';

const LIMITS = { maxDimension: 10_000, maxPixels: 25_000_000 };

type Options = { color?: string; wrapWidth?: number; stroke?: TextStroke; limits?: typeof LIMITS };

/** Renders `l_text:<spec>` (the decoded level) as the layer plumbing will: parse, then render. */
async function render(spec: string, options: Options = {}): Promise<RenderedText> {
  const { style, text } = parseTextLayer(spec);
  return renderTextLayer(
    {
      style,
      text,
      color: options.color === undefined ? null : parseColor(options.color),
      wrapWidth: options.wrapWidth ?? null,
      stroke: options.stroke ?? null,
    },
    options.limits ?? LIMITS,
  );
}

type Ink = {
  width: number;
  height: number;
  channels: number;
  /** Sum of alpha over all pixels / 255: how many pixels' worth of ink. */
  ink: number;
  /** Share of fully transparent pixels. */
  transparentShare: number;
  /** Mean colour of the (nearly) opaque pixels. */
  mean: [number, number, number];
  maxAlpha: number;
  /** Count of opaque pixels whose colour is close to `near`, when given. */
  near: number;
};

async function inkOf(rendered: RenderedText, near?: [number, number, number]): Promise<Ink> {
  const { data, info } = await sharp(rendered.png).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([rendered.width, rendered.height]);
  let ink = 0;
  let transparent = 0;
  let opaque = 0;
  let maxAlpha = 0;
  let nearCount = 0;
  const sum = [0, 0, 0];
  for (let index = 0; index < data.length; index += info.channels) {
    const alpha = data[index + 3]!;
    ink += alpha / 255;
    maxAlpha = Math.max(maxAlpha, alpha);
    if (alpha === 0) transparent += 1;
    if (alpha >= 250) {
      opaque += 1;
      for (const channel of [0, 1, 2]) sum[channel]! += data[index + channel]!;
      if (near !== undefined && [0, 1, 2].every((channel) => Math.abs(data[index + channel]! - near[channel]!) <= 30)) nearCount += 1;
    }
  }
  const mean = sum.map((total) => Math.round(total / Math.max(1, opaque))) as [number, number, number];
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    ink,
    transparentShare: transparent / (info.width * info.height),
    mean,
    maxAlpha,
    near: nearCount,
  };
}

describe('renderTextLayer draws the text', () => {
  it('draws a non-empty RGBA image on a transparent background, black by default', async () => {
    const ink = await inkOf(await render('Arial_40:Hello'));
    expect(ink.channels).toBe(4);
    // "Hello" at 40 px in Liberation Sans: about 90 px wide and 30 high (the image is cropped to the ink).
    expect(ink.width).toBeGreaterThan(70);
    expect(ink.width).toBeLessThan(120);
    expect(ink.height).toBeGreaterThan(25);
    expect(ink.height).toBeLessThan(45);
    expect(ink.ink).toBeGreaterThan(300);
    expect(ink.transparentShare).toBeGreaterThan(0.3);
    expect(ink.mean).toEqual([0, 0, 0]);
  });

  it('grows with the font size', async () => {
    const small = await render('Arial_20:Hello');
    const large = await render('Arial_60:Hello');
    expect(large.height).toBeGreaterThan(small.height * 2.5);
    expect(large.width).toBeGreaterThan(small.width * 2.5);
  });

  it('draws bold wider and darker than normal', async () => {
    const normal = await inkOf(await render('Arial_40:Hello World'));
    const bold = await inkOf(await render('Arial_40_bold:Hello World'));
    expect(bold.width).toBeGreaterThan(normal.width);
    expect(bold.ink).toBeGreaterThan(normal.ink * 1.3);
  });

  it('draws italic, underline and strikethrough differently from plain text', async () => {
    const plain = await render('Arial_40:ace');
    const italic = await render('Arial_40_italic:ace');
    const underline = await render('Arial_40_underline:ace');
    const strikethrough = await inkOf(await render('Arial_40_strikethrough:ace'));
    expect(italic.png.equals(plain.png)).toBe(false);
    // "ace" has no descender: only the underline reaches below the baseline.
    expect(underline.height).toBeGreaterThan(plain.height + 2);
    expect(strikethrough.ink).toBeGreaterThan((await inkOf(plain)).ink + 20);
  });

  it('wraps at the wrap width (c_fit with w_): narrower and taller', async () => {
    const text = 'Arial_40:The quick brown fox jumps over the lazy dog';
    const line = await render(text);
    const wrapped = await render(text, { wrapWidth: 300 });
    expect(line.width).toBeGreaterThan(700);
    expect(wrapped.width).toBeLessThanOrEqual(300);
    expect(wrapped.height).toBeGreaterThan(line.height * 2.5);
  });

  it('breaks lines at a %0A and spaces them by line_spacing', async () => {
    const one = await render('Arial_40:Hello');
    const two = await render('Arial_40:Hello%0AHello');
    const spaced = await render('Arial_40_line_spacing_30:Hello%0AHello');
    const tight = await render('Arial_40_line_spacing_-10:Hello%0AHello');
    expect(two.height).toBeGreaterThan(one.height * 2);
    expect(spaced.height - two.height).toBe(30);
    expect(two.height - tight.height).toBe(10);
  });

  it('spaces letters by letter_spacing', async () => {
    const plain = await render('Arial_40:Hello');
    const spaced = await render('Arial_40_letter_spacing_20:Hello');
    // Four gaps between five letters, 20 px each.
    expect(spaced.width - plain.width).toBeGreaterThanOrEqual(75);
    expect(spaced.width - plain.width).toBeLessThanOrEqual(85);
  });

  it('aligns the lines of a multi-line text', async () => {
    const left = await sharp((await render('Arial_40:Hello World%0Ahi')).png)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const right = await sharp((await render('Arial_40_right:Hello World%0Ahi')).png)
      .raw()
      .toBuffer({ resolveWithObject: true });
    /** The leftmost column with ink in the bottom quarter (the short second line). */
    const firstInkColumn = ({ data, info }: typeof left): number => {
      for (let x = 0; x < info.width; x += 1) {
        for (let y = Math.floor(info.height * 0.75); y < info.height; y += 1) if (data[(y * info.width + x) * 4 + 3]! > 0) return x;
      }
      return -1;
    };
    expect(firstInkColumn(left)).toBeLessThan(10);
    expect(firstInkColumn(right)).toBeGreaterThan(left.info.width / 2);
  });

  it('draws in the co_ colour, with its alpha', async () => {
    const red = await inkOf(await render('Arial_60:Hello', { color: 'red' }));
    expect(red.mean).toEqual([255, 0, 0]);
    const translucent = await inkOf(await render('Arial_60:Hello', { color: 'rgb:0000ff80' }));
    expect(translucent.maxAlpha).toBeGreaterThanOrEqual(127);
    expect(translucent.maxAlpha).toBeLessThanOrEqual(129);
  });

  it('draws markup characters as text, never as markup', async () => {
    const literal = await inkOf(await render('Arial_40:<b>x</b>'));
    const x = await inkOf(await render('Arial_40:x'));
    // Eight characters drawn, not one bold x.
    expect(literal.width).toBeGreaterThan(x.width * 5);
    const injected = await inkOf(await render('Arial_40:<span foreground="red">R</span> &amp; &lt;', { color: 'blue' }), [255, 0, 0]);
    expect(injected.near).toBe(0);
    expect(injected.mean).toEqual([0, 0, 255]);
    expect(injected.width).toBeGreaterThan(x.width * 15);
  });

  it('outlines the glyphs for stroke, in the bo_ colour, growing the image by the width on every side', async () => {
    const plain = await render('Arial_80_bold:Hi', { color: 'white' });
    const stroked = await render('Arial_80_bold_stroke:Hi', { color: 'white', stroke: { width: 6, color: parseColor('red') } });
    expect([stroked.width, stroked.height]).toEqual([plain.width + 12, plain.height + 12]);
    const ink = await inkOf(stroked, [255, 0, 0]);
    const white = await inkOf(stroked, [255, 255, 255]);
    // The red ring is about 6 px around the glyphs' outline; the white fill stays inside it.
    expect(ink.near).toBeGreaterThan(1000);
    expect(white.near).toBeGreaterThan(1000);
    const defaulted = await render('Arial_80_bold_stroke:Hi', { color: 'white' });
    expect(defaulted.width).toBe(plain.width + 2 * DEFAULT_TEXT_STROKE.width);
    expect((await inkOf(defaulted, [0, 0, 0])).near).toBeGreaterThan(100);
  });

  it('ignores a bo_ when the style has no stroke', async () => {
    const plain = await render('Arial_40:Hi');
    const withBorder = await render('Arial_40:Hi', { stroke: { width: 6, color: parseColor('red') } });
    expect(withBorder.png.equals(plain.png)).toBe(true);
  });

  it('gives a transparent 1x1 image for a text with nothing to draw', async () => {
    const rendered = await render('Arial_40:%20%20%0A');
    expect([rendered.width, rendered.height]).toEqual([1, 1]);
    expect((await inkOf(rendered)).maxAlpha).toBe(0);
  });
});

describe('renderTextLayer refuses', () => {
  const style = (overrides: Partial<TextStyle>): TextStyle => ({ ...parseTextLayer('Arial_40:x').style, ...overrides });

  async function mediaRefusal(run: () => Promise<unknown>): Promise<MediaError> {
    const error = await run().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(MediaError);
    return error as MediaError;
  }

  it('before drawing, a text whose estimated size is beyond the limits', async () => {
    const error = await mediaRefusal(() => render(`Arial_1000:${'W'.repeat(1000)}`));
    expect(error.kind).toBe('too_large');
    expect(error.message).toBe(
      'Text layer of 1000 characters at font size 1000 is too large: about 500000x1200, at most 10000 pixels a side and 16000000 pixels',
    );
  });

  it('before drawing, a wrapped text that would be too tall', async () => {
    const error = await mediaRefusal(() => render(`Arial_500:${'word '.repeat(200)}`, { wrapWidth: 1000 }));
    expect(error.message).toMatch(/^Text layer of 1000 characters at font size 500 is too large: about 1000x\d+, /);
  });

  it('after drawing, a text the estimate let through that came out too wide', async () => {
    // W is almost one em wide; the estimate counts half an em: 1000 px estimated, about 1900 drawn.
    const error = await mediaRefusal(() => render(`Arial_100:${'W'.repeat(20)}`, { limits: { maxDimension: 1500, maxPixels: 25_000_000 } }));
    expect(error.kind).toBe('too_large');
    expect(error.message).toMatch(/^Text layer of 1[89]\d\dx\d+ is too large: at most 1500 pixels a side and 16000000 pixels$/);
  });

  it('a font no table knows (the parser refuses it first)', async () => {
    const error = await renderTextLayer({ style: style({ fontFamily: 'Comic Sans MS' }), text: 'x', color: null, wrapWidth: null }, LIMITS).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toBe('Unknown font family - Comic Sans MS');
  });

  it('a stroke wider than the most it draws, and a wrap width that is no pixel count', async () => {
    for (const run of [
      () =>
        renderTextLayer(
          {
            style: style({ stroke: true }),
            text: 'x',
            color: null,
            wrapWidth: null,
            stroke: { width: MAX_TEXT_STROKE_WIDTH + 1, color: parseColor('red') },
          },
          LIMITS,
        ),
      () => renderTextLayer({ style: style({}), text: 'x', color: null, wrapWidth: 0 }, LIMITS),
      () => renderTextLayer({ style: style({}), text: 'x'.repeat(1001), color: null, wrapWidth: null }, LIMITS),
    ]) {
      const error = await run().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(400);
    }
  });
});

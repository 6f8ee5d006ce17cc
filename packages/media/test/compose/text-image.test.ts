import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_FONT_FAMILY,
  escapeMarkup,
  MAX_TEXT_PIXELS,
  renderTextImage,
  resolveFontFamily,
  textMarkup,
  type TextRendering,
} from '../../src/index.ts';
import { useTempDir } from '../media-files.ts';
import { LIMITS } from './compose-frames.ts';

const temp = useTempDir();

function rendering(overrides: Partial<TextRendering> & { size?: number; color?: TextRendering['font']['color'] } = {}): TextRendering {
  const { size = 12, color = { r: 0, g: 0, b: 0 }, ...rest } = overrides;
  return {
    text: 'hello world',
    font: { family: 'Arial', size, weight: 'normal', italic: false, decoration: 'none', color },
    alpha: 1,
    background: null,
    align: 'left',
    lineSpacing: 0,
    ...rest,
  };
}

let count = 0;
async function render(options: TextRendering) {
  const path = `${temp.path}/text-${(count += 1)}.png`;
  const written = await renderTextImage(path, options, LIMITS);
  return { path, written };
}

/** The opaque pixels' mean colour and the share of pixels that are transparent. */
async function ink(path: string) {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  let opaque = 0;
  let transparent = 0;
  const sum = [0, 0, 0];
  for (let index = 0; index < data.length; index += info.channels) {
    const alpha = data[index + 3]!;
    if (alpha === 0) transparent += 1;
    if (alpha === 255) {
      opaque += 1;
      for (const channel of [0, 1, 2]) sum[channel]! += data[index + channel]!;
    }
  }
  return { mean: sum.map((total) => Math.round(total / Math.max(1, opaque))), opaque, transparent, pixels: info.width * info.height };
}

describe('escapeMarkup', () => {
  it('turns every markup character into an entity, so no tag of the text is ever interpreted', () => {
    expect(escapeMarkup(`<span foreground="red">&'x'</span>`)).toBe('&lt;span foreground=&quot;red&quot;&gt;&amp;&apos;x&apos;&lt;/span&gt;');
  });

  it('drops characters XML forbids and keeps newlines and tabs', () => {
    expect(escapeMarkup('a\u0000b\u0007c\td\r\ne\rf\u007f\uffff')).toBe('abc\td\ne\nf');
    expect(escapeMarkup('lone \ud800 surrogate')).toBe('lone \ufffd surrogate');
  });

  it('builds one span whose only client value is the escaped text', () => {
    const markup = textMarkup('</span><span size="999999">x', {
      family: 'Georgia" size="1',
      size: 20,
      weight: 'bold',
      italic: true,
      decoration: 'underline',
      color: { r: 255, g: 16, b: 1 },
    });
    expect(markup).toBe(
      `<span font_family="${DEFAULT_FONT_FAMILY}" size="20480" weight="bold" style="italic" underline="single" foreground="#ff1001">&lt;/span&gt;&lt;span size=&quot;999999&quot;&gt;x</span>`,
    );
  });
});

describe('resolveFontFamily', () => {
  it.each([
    ['Arial', 'Liberation Sans'],
    ['arial', 'Liberation Sans'],
    ['Times New Roman', 'Liberation Serif'],
    ['Courier_New', 'Liberation Mono'],
    ['Verdana', 'DejaVu Sans'],
    ['DejaVu Serif', 'DejaVu Serif'],
    ['Comic Sans MS', DEFAULT_FONT_FAMILY],
    ['__proto__', DEFAULT_FONT_FAMILY],
  ])('%s → %s', (requested, family) => {
    expect(resolveFontFamily(requested)).toBe(family);
  });
});

describe('renderTextImage', () => {
  it('renders Cloudinary’s “hello world” at its default size within the bounds its SDK tests expect', async () => {
    const { path, written } = await render(rendering());
    expect(written.width).toBeGreaterThanOrEqual(50);
    expect(written.width).toBeLessThanOrEqual(70);
    expect(written.height).toBeGreaterThanOrEqual(5);
    expect(written.height).toBeLessThanOrEqual(15);
    expect(await sharp(path).metadata()).toMatchObject({ format: 'png', width: written.width, height: written.height, hasAlpha: true });
  });

  it('grows with the font size', async () => {
    const small = (await render(rendering({ size: 12 }))).written;
    const large = (await render(rendering({ size: 48 }))).written;
    expect(large.width).toBeGreaterThan(small.width * 3);
    expect(large.height).toBeGreaterThan(small.height * 3);
  });

  it('draws the glyphs in the colour, on a transparent background', async () => {
    const { path } = await render(rendering({ size: 60, text: 'HWM', color: { r: 200, g: 30, b: 90 } }));
    const measured = await ink(path);
    expect(measured.opaque).toBeGreaterThan(100);
    expect(measured.transparent).toBeGreaterThan(100);
    expect(measured.mean).toEqual([200, 30, 90]);
  });

  it('applies opacity to the glyphs and fills the background', async () => {
    const { path } = await render(
      rendering({ size: 60, text: 'HWM', color: { r: 255, g: 255, b: 255 }, alpha: 0.5, background: { r: 0, g: 0, b: 255, alpha: 1 } }),
    );
    const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const colours = new Set<string>();
    for (let index = 0; index < data.length; index += info.channels)
      colours.add(`${data[index]},${data[index + 1]},${data[index + 2]},${data[index + 3]}`);
    // Every pixel opaque; the background blue; the glyphs' cores half white over blue.
    expect([...colours].every((colour) => colour.endsWith(',255'))).toBe(true);
    expect(colours.has('0,0,255,255')).toBe(true);
    expect([...colours].some((colour) => colour.startsWith('127,127,255') || colour.startsWith('128,128,255'))).toBe(true);
  });

  it('adds line spacing between lines', async () => {
    const plain = (await render(rendering({ size: 20, text: 'one\ntwo' }))).written;
    const spaced = (await render(rendering({ size: 20, text: 'one\ntwo', lineSpacing: 30 }))).written;
    expect(spaced.height - plain.height).toBe(30);
  });

  it('renders markup characters literally', async () => {
    const literal = (await render(rendering({ size: 30, text: '<b>x</b>' }))).written;
    const bare = (await render(rendering({ size: 30, text: 'x' }))).written;
    expect(literal.width).toBeGreaterThan(bare.width * 4);
  });

  it('refuses a text too large to render, before rendering it', async () => {
    expect(MAX_TEXT_PIXELS).toBe(16_000_000);
    const started = Date.now();
    await expect(render(rendering({ size: 1000, text: 'x'.repeat(1000) }))).rejects.toMatchObject({ kind: 'too_large' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('refuses a rendered text beyond the output limits', async () => {
    const path = `${temp.path}/limited.png`;
    await expect(renderTextImage(path, rendering({ size: 100, text: 'wide text' }), { ...LIMITS, maxOutputPixels: 5_000 })).rejects.toMatchObject({
      kind: 'too_large',
    });
  });
});

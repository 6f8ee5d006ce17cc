import { loadCloudinarySdk } from '@rendition/testing';
import { describe, expect, it } from 'vitest';
import { refusal } from '../test/refusal.ts';
import { findFont, KNOWN_FONTS } from './fonts.ts';
import { canonicalTextLayer, MAX_TEXT_FONT_SIZE, MAX_TEXT_LAYER_LENGTH, parseTextLayer, type TextStyle } from './text-layer.ts';

process.env.CLOUDINARY_URL ??= 'cloudinary://123456789012345:secret@demo';

type SdkUtils = { generate_transformation_string(options: unknown): string };
const sdk = loadCloudinarySdk();
const utils = sdk.utils as unknown as SdkUtils;

const DEFAULTS: Omit<TextStyle, 'fontFamily' | 'fontSize'> = {
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
const style = (fontFamily: string, fontSize: number, overrides: Partial<TextStyle> = {}): TextStyle => ({
  ...DEFAULTS,
  fontFamily,
  fontSize,
  ...overrides,
});

/** What parseTextLayer gets for a wire-level `l_text:` value: the one percent-decode, then the part after `l_text:`. */
const decodedSpec = (wire: string): string => {
  const decoded = decodeURIComponent(wire);
  expect(decoded.startsWith('l_text:')).toBe(true);
  return decoded.slice('l_text:'.length);
};
/** The `l_` parameter of a wire-level transformation (text commas and slashes are escaped, so splitting is safe). */
const overlayParam = (transformation: string): string => transformation.split(',').find((param) => param.startsWith('l_'))!;
const roundTrip = (style: TextStyle, text: string) => parseTextLayer(decodeURIComponent(canonicalTextLayer(style, text)).slice('text:'.length));

describe('parseTextLayer: valid specs (the decoded level: one percent-decode already done)', () => {
  it.each<[string, TextStyle, string]>([
    ['Arial_60:Hello', style('Arial', 60), 'Hello'],
    ['arial_60_bold:Hello%2C World%2F…', style('Arial', 60, { fontWeight: 'bold' }), 'Hello, World/…'],
    ['ARIAL_20_BOLD:x', style('Arial', 20, { fontWeight: 'bold' }), 'x'],
    [
      'Verdana_50_bold_underline_letter_spacing_14:Style',
      style('Verdana', 50, { fontWeight: 'bold', textDecoration: 'underline', letterSpacing: 14 }),
      'Style',
    ],
    [
      'Times New Roman_20_italic_strikethrough_center_stroke_letter_spacing_4_line_spacing_-5:x',
      style('Times New Roman', 20, {
        fontStyle: 'italic',
        textDecoration: 'strikethrough',
        textAlign: 'center',
        stroke: true,
        letterSpacing: 4,
        lineSpacing: -5,
      }),
      'x',
    ],
    // Options in any order, as the Node SDK writes letter/line spacing and hinting in its object's key order.
    [
      'Arial_18_hinting_medium_antialias_best_line_spacing_2_letter_spacing_1.5:y',
      style('Arial', 18, { fontHinting: 'medium', fontAntialias: 'best', lineSpacing: 2, letterSpacing: 1.5 }),
      'y',
    ],
    ['times  new   roman_12:x', style('Times New Roman', 12), 'x'],
    ['Times%20New%20Roman_12:x', style('Times New Roman', 12), 'x'],
    ['open sans_30_light_italic_justify:x', style('Open Sans', 30, { fontWeight: 'light', fontStyle: 'italic', textAlign: 'justify' }), 'x'],
    ['Roboto_1_thin_end:x', style('Roboto', 1, { fontWeight: 'thin', textAlign: 'end' }), 'x'],
    [`DejaVu Sans_${MAX_TEXT_FONT_SIZE}_black:x`, style('DejaVu Sans', MAX_TEXT_FONT_SIZE, { fontWeight: 'black' }), 'x'],
    ['Arial_20_normal:x', style('Arial', 20), 'x'],
    ['Arial_20_normal_bold_normal:x', style('Arial', 20, { fontWeight: 'bold' }), 'x'],
    ['Arial_20_letter_spacing_0:x', style('Arial', 20), 'x'],
    ['Arial_20_letter_spacing_-0.0001_line_spacing_1.23456:x', style('Arial', 20, { lineSpacing: 1.235 }), 'x'],
    ['Arial_20_letter_spacing_-1000_line_spacing_.5:x', style('Arial', 20, { letterSpacing: -1000, lineSpacing: 0.5 }), 'x'],
    ['Arial_20:100%', style('Arial', 20), '100%'],
    ['Arial_20:100%25 and %41', style('Arial', 20), '100% and A'],
    ['Arial_20:line one%0Aline two', style('Arial', 20), 'line one\nline two'],
    ['Arial_20:caf%C3%A9 and café', style('Arial', 20), 'café and café'],
    ['Arial_20:a:b:c', style('Arial', 20), 'a:b:c'],
    ['Arial_20:<b>bold?</b> & more', style('Arial', 20), '<b>bold?</b> & more'],
    ['Arial_20:$(name)', style('Arial', 20), '$(name)'],
  ])('%s', (spec, expectedStyle, expectedText) => {
    expect(parseTextLayer(spec)).toEqual({ style: expectedStyle, text: expectedText });
  });

  it('takes a text of exactly the longest length', () => {
    expect(parseTextLayer(`Arial_20:${'é'.repeat(MAX_TEXT_LAYER_LENGTH)}`).text).toHaveLength(MAX_TEXT_LAYER_LENGTH);
  });
});

describe('parseTextLayer: refusals are 400s with a message naming the problem', () => {
  it.each<[string, string]>([
    ['Hello', 'Invalid text layer - text:Hello: expected text:<font family>_<size>:<text>'],
    ['Comic Sans MS_20:x', 'Unknown font family - Comic Sans MS'],
    ['Roboto-Regular.ttf_20:x', 'Unknown font family - Roboto-Regular.ttf'],
    ['Arial:x', `Invalid font size - (none): expected an integer from 1 to ${MAX_TEXT_FONT_SIZE}`],
    ['Arial_big:x', `Invalid font size - big: expected an integer from 1 to ${MAX_TEXT_FONT_SIZE}`],
    ['Arial_20.5:x', `Invalid font size - 20.5: expected an integer from 1 to ${MAX_TEXT_FONT_SIZE}`],
    ['Arial_0:x', `Invalid font size - 0: expected an integer from 1 to ${MAX_TEXT_FONT_SIZE}`],
    [`Arial_${MAX_TEXT_FONT_SIZE + 1}:x`, `Invalid font size - ${MAX_TEXT_FONT_SIZE + 1}: expected an integer from 1 to ${MAX_TEXT_FONT_SIZE}`],
    [
      'my_style:styled',
      'Invalid text layer style - my_style: expected <font family>_<size>[_<options>] (text styles saved with the text method are not supported)',
    ],
    ['Arial_20_heavy:x', 'Invalid text layer style - heavy in Arial_20_heavy'],
    ['Arial_20__bold:x', 'Invalid text layer style -  in Arial_20__bold'],
    ['Arial_20_bold_light:x', 'Invalid text layer style - light conflicts with bold in Arial_20_bold_light'],
    ['Arial_20_bold_bold:x', 'Invalid text layer style - bold conflicts with bold in Arial_20_bold_bold'],
    ['Arial_20_left_center:x', 'Invalid text layer style - center conflicts with left in Arial_20_left_center'],
    ['Arial_20_underline_strikethrough:x', 'Invalid text layer style - strikethrough conflicts with underline in Arial_20_underline_strikethrough'],
    [
      'Arial_20_letter_spacing_1_letter_spacing_2:x',
      'Invalid text layer style - letter_spacing conflicts with letter_spacing in Arial_20_letter_spacing_1_letter_spacing_2',
    ],
    ['Arial_20_letter:x', 'Invalid text layer style - letter in Arial_20_letter'],
    ['Arial_20_letter_spacing:x', `Invalid letter spacing - : expected a number from -1000 to 1000`],
    ['Arial_20_letter_spacing_abc:x', `Invalid letter spacing - abc: expected a number from -1000 to 1000`],
    ['Arial_20_line_spacing_1e3:x', `Invalid line spacing - 1e3: expected a number from -1000 to 1000`],
    ['Arial_20_line_spacing_1000.5:x', `Invalid line spacing - 1000.5: expected a number from -1000 to 1000`],
    ['Arial_20_antialias_ultra:x', 'Invalid text layer style - antialias_ultra in Arial_20_antialias_ultra'],
    ['Arial_20_hinting:x', 'Invalid text layer style - hinting_ in Arial_20_hinting'],
    ['Arial_20:', 'Invalid text layer - text:Arial_20:: the text is empty'],
    ['Arial_20:%FF', 'Invalid text layer - bad percent-encoding in %FF'],
    ['Arial_20:ok %E2%82', 'Invalid text layer - bad percent-encoding in ok %E2%82'],
  ])('%s', (spec, message) => {
    const error = refusal(() => parseTextLayer(spec));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });

  it('refuses a text one character longer than the longest, counted after unescaping', () => {
    for (const character of ['a', '%C3%A9']) {
      const error = refusal(() => parseTextLayer(`Arial_20:${character.repeat(MAX_TEXT_LAYER_LENGTH + 1)}`));
      expect(error.message).toBe(`Invalid text layer - the text has ${MAX_TEXT_LAYER_LENGTH + 1} characters, at most ${MAX_TEXT_LAYER_LENGTH}`);
    }
  });
});

describe('canonicalTextLayer', () => {
  it('writes the wire level as the SDK does: family encoded, options in order, defaults out, text double-escaped', () => {
    const parsed = parseTextLayer('times new roman_20_stroke_center_underline_italic_bold_letter_spacing_4_normal:Hello%2C World%2F…');
    expect(canonicalTextLayer(parsed.style, parsed.text)).toBe(
      'text:Times%20New%20Roman_20_bold_italic_underline_center_stroke_letter_spacing_4:Hello%252C%20World%252F%E2%80%A6',
    );
    expect(canonicalTextLayer(style('Arial', 18, { fontAntialias: 'best', fontHinting: 'medium', lineSpacing: -5 }), 'a(b)')).toBe(
      'text:Arial_18_line_spacing_-5_antialias_best_hinting_medium:a%28b%29',
    );
  });

  it('escapes % and | twice as well, so an eager list never splits inside the text and %41 stays %41', () => {
    expect(canonicalTextLayer(style('Arial', 20), '100% %41 a|b')).toBe('text:Arial_20:100%2525%20%252541%20a%257Cb');
  });

  it('leaves no character that splits a transformation (, / |) once the wire is decoded', () => {
    const canonical = canonicalTextLayer(style('Arial', 20), 'a,b/c|d e\nf');
    expect(decodeURIComponent(canonical)).toBe('text:Arial_20:a%2Cb%2Fc%7Cd e\nf');
  });

  it.each<[TextStyle, string]>([
    [style('Arial', 60, { fontWeight: 'bold' }), 'Hello, World/…'],
    [
      style('Times New Roman', 20, {
        fontStyle: 'italic',
        textDecoration: 'underline',
        textAlign: 'center',
        stroke: true,
        letterSpacing: 4,
        lineSpacing: -5,
      }),
      'x',
    ],
    [style('Open Sans', 30, { fontWeight: 'extrabold', fontAntialias: 'none', fontHinting: 'full', letterSpacing: 0.125 }), 'y'],
    [style('Arial', 20), '%41 100% 50%2C a|b (c) [d] {e} <f> & "g" \'h\' ~!*$#?+=;@ \\ `'],
    [style('Arial', 20), 'multi\nline\ttab café 日本語 😀'],
    [style('Arial', 20), ' leading and trailing '],
    [style('Arial', 20), '_:_:_'],
  ])('round-trips %j %j', (original, text) => {
    expect(roundTrip(original, text)).toEqual({ style: original, text });
  });

  it('gives every known font its own spelling back', () => {
    for (const font of KNOWN_FONTS) {
      const parsed = parseTextLayer(`${font.family.toUpperCase()}_10:x`);
      expect(parsed.style.fontFamily).toBe(font.family);
      expect(roundTrip(parsed.style, 'x').style.fontFamily).toBe(font.family);
      expect(findFont(font.family.toLowerCase())).toBe(font);
    }
  });
});

describe('strings the official SDK builds parse, and canonicalize back to the SDK spelling', () => {
  /** The `l_text:` component of the delivery URL cloudinary.url builds (the wire level: what a client sends). */
  const sdkOverlay = (overlay: Record<string, unknown>): string => {
    const path = new URL(sdk.url('sample', { overlay: structuredClone(overlay) })).pathname;
    return path.split('/').find((segment) => segment.startsWith('l_'))!;
  };

  it.each<[string, Record<string, unknown>, TextStyle, string]>([
    [
      'bold with a comma and a slash',
      { font_family: 'Arial', font_size: 60, font_weight: 'bold', text: 'Hello, World/…' },
      style('Arial', 60, { fontWeight: 'bold' }),
      'Hello, World/…',
    ],
    [
      'every option',
      {
        font_family: 'Times New Roman',
        font_size: 20,
        font_weight: 'bold',
        font_style: 'italic',
        text_decoration: 'underline',
        text_align: 'center',
        stroke: 'stroke',
        letter_spacing: 4,
        line_spacing: -5,
        font_antialiasing: 'best',
        font_hinting: 'medium',
        text: 'a b',
      },
      style('Times New Roman', 20, {
        fontWeight: 'bold',
        fontStyle: 'italic',
        textDecoration: 'underline',
        textAlign: 'center',
        stroke: true,
        letterSpacing: 4,
        lineSpacing: -5,
        fontAntialias: 'best',
        fontHinting: 'medium',
      }),
      'a b',
    ],
    [
      'markup and reserved characters',
      { font_family: 'Verdana', font_size: 30, text: '<b>x</b> & (y): z? #1 +é\nend' },
      style('Verdana', 30),
      '<b>x</b> & (y): z? #1 +é\nend',
    ],
    [
      'fractional letter spacing',
      { font_family: 'Roboto', font_size: 12, letter_spacing: 1.5, text: 'hi' },
      style('Roboto', 12, { letterSpacing: 1.5 }),
      'hi',
    ],
  ])('%s', (_name, overlay, expectedStyle, expectedText) => {
    const wire = sdkOverlay(overlay);
    const parsed = parseTextLayer(decodedSpec(wire));
    expect(parsed).toEqual({ style: expectedStyle, text: expectedText });
    // The SDK does not escape %, | twice (none here), so the canonical spelling is the SDK's own.
    expect(`l_${canonicalTextLayer(parsed.style, parsed.text)}`).toBe(wire);
  });

  it('parses the overlay of an eager transformation the SDK writes (generate_transformation_string)', () => {
    const transformation = utils.generate_transformation_string({
      overlay: { font_family: 'Arial', font_size: 60, font_weight: 'bold', text: 'Hello, World/…' },
      width: 100,
      crop: 'fit',
    });
    expect(transformation).toBe('c_fit,l_text:Arial_60_bold:Hello%252C%20World%252F%E2%80%A6,w_100');
    const wire = overlayParam(transformation);
    expect(parseTextLayer(decodedSpec(wire))).toEqual({ style: style('Arial', 60, { fontWeight: 'bold' }), text: 'Hello, World/…' });
    expect(`l_${canonicalTextLayer(style('Arial', 60, { fontWeight: 'bold' }), 'Hello, World/…')}`).toBe(wire);
  });

  it('refuses what the SDK writes for a text with no font (the font and size are required)', () => {
    const wire = sdkOverlay({ text: 'only text' });
    expect(wire).toBe('l_text:only%20text');
    expect(refusal(() => parseTextLayer(decodedSpec(wire))).status).toBe(400);
  });

  it('refuses a saved text style (text_style / public_id), which Rendition does not store', () => {
    const wire = sdkOverlay({ text_style: 'my_style', text: 'styled' });
    expect(wire).toBe('l_text:my_style:styled');
    expect(refusal(() => parseTextLayer(decodedSpec(wire))).message).toMatch(/^Invalid text layer style - my_style: /);
  });
});

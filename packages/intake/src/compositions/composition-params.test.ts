import { describe, expect, it } from 'vitest';
import { ApiError, type RawParams } from '@rendition/protocol';
import { publicIdOfUrls, readCompositionSelection } from './composition-sources.ts';
import { keepLastFormatParameter, splitFormatParameter } from './composition-transformation.ts';
import { hasAllPages } from './explode-service.ts';
import { MAX_FONT_SIZE, MAX_TEXT_LENGTH, parseTextRequest, TEXT_DEFAULTS } from './text-params.ts';

const params = (fields: Record<string, string | string[]>): RawParams => Object.assign(Object.create(null) as RawParams, fields);

function refusal(run: () => unknown): { status: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('splitFormatParameter', () => {
  it.each([
    ['', '', null],
    ['f_gif', '', 'gif'],
    ['f_pdf,w_111', 'w_111', 'pdf'],
    ['c_crop,w_0.5', 'c_crop,w_0.5', null],
    ['w_100,f_JPEG/e_grayscale', 'w_100/e_grayscale', 'jpg'],
    ['f_png/w_10,f_webp', 'w_10', 'webp'],
  ])('%j → %j, %j', (text, rest, format) => {
    expect(splitFormatParameter(text)).toEqual({ rest, format });
  });
});

describe('keepLastFormatParameter', () => {
  it.each([
    ['f_jpg,w_100', 'jpg', 'f_jpg,w_100'],
    ['w_100,f_JPEG/e_grayscale', 'jpg', 'w_100,f_jpg/e_grayscale'],
    ['f_png/w_10,f_webp', 'webp', 'w_10,f_webp'],
    ['c_scale,w_0.5/f_jpg', 'jpg', 'c_scale,w_0.5/f_jpg'],
  ])('%j (format %j) → %j', (text, format, kept) => {
    expect(keepLastFormatParameter(text, format)).toBe(kept);
  });
});

describe('readCompositionSelection', () => {
  it('takes urls over a tag, and a tag otherwise', () => {
    expect(readCompositionSelection(params({ urls: ['http://a/1.png', 'http://a/2.png'], tag: 't' }))).toEqual({
      kind: 'urls',
      urls: ['http://a/1.png', 'http://a/2.png'],
    });
    expect(readCompositionSelection(params({ tag: 'logos' }))).toEqual({ kind: 'tag', tag: 'logos' });
  });

  it('refuses a call with neither', () => {
    expect(refusal(() => readCompositionSelection(params({})))).toEqual({ status: 400, message: 'Missing required parameter - tag' });
  });

  it('names a list of URLs the same way every time', () => {
    expect(publicIdOfUrls(['a', 'b'])).toBe(publicIdOfUrls(['a', 'b']));
    expect(publicIdOfUrls(['a', 'b'])).not.toBe(publicIdOfUrls(['b', 'a']));
    expect(publicIdOfUrls(['a'])).toMatch(/^[0-9a-f]{20}$/);
  });
});

describe('hasAllPages', () => {
  it.each([
    ['pg_all', true],
    ['c_scale,w_100,pg_all', true],
    ['w_100/pg_all', true],
    ['pg_1', false],
    ['pg_allx', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(hasAllPages(text)).toBe(expected);
  });
});

describe('parseTextRequest', () => {
  it('applies the defaults', () => {
    const request = parseTextRequest(params({ text: 'hello world' }));
    expect(request.text).toBe('hello world');
    expect(request.publicId).toMatch(/^[a-z0-9]{20}$/);
    expect(request.style).toEqual(TEXT_DEFAULTS);
  });

  it('reads every style parameter', () => {
    const request = parseTextRequest(
      params({
        text: 'a <b>',
        public_id: 'labels/hello',
        font_family: 'Times New Roman',
        font_size: '40',
        font_color: '#FF0000',
        font_weight: 'bold',
        font_style: 'italic',
        text_align: 'end',
        text_decoration: 'underline',
        background: 'rgb:00ff0080',
        opacity: '50',
        line_spacing: '4',
        font_hinting: 'full',
        font_antialiasing: 'best',
      }),
    );
    expect(request).toEqual({
      text: 'a <b>',
      publicId: 'labels/hello',
      style: {
        fontFamily: 'Times New Roman',
        fontSize: 40,
        fontColor: '#ff0000',
        fontWeight: 'bold',
        fontStyle: 'italic',
        textAlign: 'right',
        textDecoration: 'underline',
        background: 'rgb:00ff0080',
        opacity: 50,
        lineSpacing: 4,
      },
    });
  });

  it.each([
    [{}, 'Missing required parameter - text'],
    [{ text: '   ' }, 'Missing required parameter - text'],
    [{ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, `Text too long: ${MAX_TEXT_LENGTH + 1} characters, at most ${MAX_TEXT_LENGTH}`],
    [{ text: 'x', font_size: '0' }, `Invalid value '0' for parameter font_size: expected an integer from 1 to ${MAX_FONT_SIZE}`],
    [{ text: 'x', font_size: '12.5' }, `Invalid value '12.5' for parameter font_size: expected an integer from 1 to ${MAX_FONT_SIZE}`],
    [{ text: 'x', font_size: String(MAX_FONT_SIZE + 1) }, `for parameter font_size`],
    [{ text: 'x', font_color: '#12' }, `Invalid value '#12' for parameter font_color`],
    [{ text: 'x', font_color: 'red;<x>' }, `for parameter font_color`],
    [{ text: 'x', background: 'rgb:zzzzzz' }, `for parameter background`],
    [{ text: 'x', opacity: '101' }, `for parameter opacity`],
    [{ text: 'x', font_weight: 'heavy' }, `for parameter font_weight`],
    [{ text: 'x', text_align: 'middle' }, `for parameter text_align`],
    [{ text: 'x', font_style: '__proto__' }, `for parameter font_style`],
    [{ text: 'x', public_id: '../up' }, 'Invalid public_id'],
  ])('refuses %j with a 400', (fields, message) => {
    const refused = refusal(() => parseTextRequest(params(fields as Record<string, string>)));
    expect(refused.status).toBe(400);
    expect(refused.message).toContain(message);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(parseTextRequest(params({ text: '😀'.repeat(MAX_TEXT_LENGTH) })).text).toHaveLength(MAX_TEXT_LENGTH * 2);
  });
});

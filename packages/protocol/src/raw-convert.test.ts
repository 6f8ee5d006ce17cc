import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import { isSynchronousRawConvert, parseRawConvert, withRawConvertEntry } from './raw-convert.ts';

describe('parseRawConvert', () => {
  it.each([
    ['extract_text', 'extract_text'],
    [' extract_text ', 'extract_text'],
    ['aspose', 'aspose'],
  ])('takes %j', (value, kind) => {
    expect(parseRawConvert(value)).toBe(kind);
  });

  it.each([
    ['google_speech', 'Illegal value for parameter raw_convert: Raw convert is invalid: google_speech is not available on this server'],
    ['google_speech:srt:vtt', 'Illegal value for parameter raw_convert: Raw convert is invalid: google_speech is not available on this server'],
    ['azure_video_indexer', 'Illegal value for parameter raw_convert: Raw convert is invalid: azure_video_indexer is not available on this server'],
    ['extract', 'Illegal value for parameter raw_convert: Raw convert is invalid: "extract" (expected one of extract_text, aspose)'],
    [
      'google_speechless',
      'Illegal value for parameter raw_convert: Raw convert is invalid: "google_speechless" (expected one of extract_text, aspose)',
    ],
    ['', 'Illegal value for parameter raw_convert: Raw convert is invalid: "" (expected one of extract_text, aspose)'],
    ['EXTRACT_TEXT', 'Illegal value for parameter raw_convert: Raw convert is invalid: "EXTRACT_TEXT" (expected one of extract_text, aspose)'],
  ])('refuses %j with a 400 containing Cloudinary\'s "Illegal value" and "Raw convert is invalid"', (value, message) => {
    let error: unknown;
    try {
      parseRawConvert(value);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, message });
  });

  it('bounds what it echoes', () => {
    expect(() => parseRawConvert('x'.repeat(500))).toThrow(`Raw convert is invalid: "${'x'.repeat(100)}" (expected`);
  });

  it('knows which conversions the answer waits for', () => {
    expect(isSynchronousRawConvert('extract_text')).toBe(true);
    expect(isSynchronousRawConvert('aspose')).toBe(false);
  });
});

describe('withRawConvertEntry', () => {
  it('sets the entry and keeps the other conversions and info fields in their places', () => {
    const info = { first: 1, raw_convert: { aspose: { status: 'pending' } }, last: 2 };
    const result = withRawConvertEntry(info, 'extract_text', { status: 'complete' });
    expect(result).toEqual({ first: 1, raw_convert: { aspose: { status: 'pending' }, extract_text: { status: 'complete' } }, last: 2 });
    expect(Object.keys(result)).toEqual(['first', 'raw_convert', 'last']);
    expect(info.raw_convert).toEqual({ aspose: { status: 'pending' } });
  });

  it.each([null, undefined, 'odd', [1], 3])('starts a new info from %j', (info) => {
    expect(withRawConvertEntry(info, 'aspose', { status: 'pending' })).toEqual({ raw_convert: { aspose: { status: 'pending' } } });
  });

  it('replaces a raw_convert that is not an object, and an entry already there', () => {
    expect(withRawConvertEntry({ raw_convert: ['x'] }, 'aspose', { status: 'failed' })).toEqual({ raw_convert: { aspose: { status: 'failed' } } });
    expect(withRawConvertEntry({ raw_convert: null }, 'aspose', { status: 'failed' })).toEqual({ raw_convert: { aspose: { status: 'failed' } } });
    expect(withRawConvertEntry({ raw_convert: { aspose: { status: 'pending' } } }, 'aspose', { status: 'complete' })).toEqual({
      raw_convert: { aspose: { status: 'complete' } },
    });
  });
});

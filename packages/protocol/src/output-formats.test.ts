import { describe, expect, it } from 'vitest';
import { isOutputFormat, normalizeFormat, OUTPUT_FORMATS } from './output-formats.ts';

describe('output formats', () => {
  it('lists the five delivery formats in f_ order', () => {
    expect(OUTPUT_FORMATS).toEqual(['jpg', 'png', 'webp', 'avif', 'gif']);
  });

  it.each([
    ['jpg', true],
    ['png', true],
    ['webp', true],
    ['avif', true],
    ['gif', true],
    ['jpeg', false],
    ['JPG', false],
    ['tiff', false],
    ['auto', false],
    ['', false],
    ['constructor', false],
  ])('isOutputFormat(%j) → %s', (format, expected) => {
    expect(isOutputFormat(format)).toBe(expected);
  });

  it.each([
    ['jpg', 'jpg'],
    ['jpeg', 'jpg'],
    ['jpe', 'jpg'],
    ['JPEG', 'jpg'],
    ['Jpe', 'jpg'],
    ['tif', 'tiff'],
    ['TIF', 'tiff'],
    ['tiff', 'tiff'],
    ['png', 'png'],
    ['WEBP', 'webp'],
    ['heic', 'heic'],
    ['mp4', 'mp4'],
    ['', ''],
    ['constructor', 'constructor'],
    ['__proto__', '__proto__'],
  ])('normalizeFormat(%j) → %j', (format, expected) => {
    expect(normalizeFormat(format)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { MediaError } from '../src/media-error.ts';
import { toMediaError } from '../src/sharp-errors.ts';

describe('toMediaError', () => {
  it.each([
    ['Input image exceeds pixel limit', 'too_large'],
    ['timeout: 25% complete\nVipsImage: killed for image "temp-270"', 'timeout'],
    ['Input file contains unsupported image format', 'unsupported'],
    ['heif: Unsupported feature: Unsupported codec (4.3000)', 'unsupported'],
    ['VipsJpeg: premature end of JPEG image', 'corrupt'],
    ['vipspng: libpng read error', 'corrupt'],
  ])('%j → %s', (text, kind) => {
    const converted = toMediaError(new Error(text));
    expect(converted).toBeInstanceOf(MediaError);
    expect(converted).toMatchObject({ kind });
    expect((converted as MediaError).message).not.toContain('Vips');
  });

  it('keeps the library error as the cause', () => {
    const original = new Error('VipsJpeg: premature end of JPEG image');
    expect((toMediaError(original) as MediaError).cause).toBe(original);
  });

  it('passes through errors that are ours, not the file’s', () => {
    const missing = new Error('Input file is missing: /tmp/x.jpg');
    const io = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
    expect(toMediaError(missing)).toBe(missing);
    expect(toMediaError(io)).toBe(io);
    expect(toMediaError('not an error')).toBe('not an error');
  });
});

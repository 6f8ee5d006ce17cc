import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageDimensions, mayBeImageContentType, sniffImageFormat } from './image-sniff.ts';

// The shared media fixtures beside the repository (what @rendition/testing's fixturePath names).
const fixture = (name: string) => readFileSync(new URL(`../../../../../shared/fixtures/images/${name}`, import.meta.url));

/** A JPEG cut after its frame header: SOI, an APP1 EXIF segment with `orientation`, SOF0 of width x height. */
function jpegHeader(width: number, height: number, orientation?: number): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  if (orientation !== undefined) {
    // TIFF, little-endian: header, IFD0 at 8 with one entry (0x0112, SHORT, 1, value).
    const tiff = Buffer.alloc(8 + 2 + 12 + 4);
    tiff.write('II', 0, 'latin1');
    tiff.writeUInt16LE(42, 2);
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(1, 8);
    tiff.writeUInt16LE(0x0112, 10);
    tiff.writeUInt16LE(3, 12);
    tiff.writeUInt32LE(1, 14);
    tiff.writeUInt16LE(orientation, 18);
    const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(payload.length + 2);
    parts.push(Buffer.from([0xff, 0xe1]), length, payload);
  }
  const frame = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03]);
  frame.writeUInt16BE(height, 5);
  frame.writeUInt16BE(width, 7);
  parts.push(frame, Buffer.alloc(9));
  return Buffer.concat(parts);
}

function ftyp(major: string, compatible: string[]): Buffer {
  const box = Buffer.alloc(16 + 4 * compatible.length);
  box.writeUInt32BE(box.length, 0);
  box.write('ftyp', 4, 'latin1');
  box.write(major, 8, 'latin1');
  compatible.forEach((brand, index) => box.write(brand, 16 + 4 * index, 'latin1'));
  return box;
}

describe('sniffImageFormat and imageDimensions', () => {
  it.each([
    ['embedgravitybird.png', 'png', 576, 384],
    ['gradients-rgb8.png', 'png', 1000, 1000],
    ['Crash_test.gif', 'gif', 800, 533],
    ['4.webp', 'webp', 1024, 772],
    ['2569067123_aca715a2ee_o.jpg', 'jpg', 2725, 2225],
  ])('%s: %s of %dx%d (what sharp reads)', (name, format, width, height) => {
    const bytes = fixture(name);
    expect(sniffImageFormat(bytes.subarray(0, 4096))).toBe(format);
    expect(imageDimensions(format as 'png', bytes.subarray(0, 256 * 1024))).toEqual({ width, height });
  });

  it('finds a JPEG frame header only within the bytes given (this one follows 590 KB of ICC profile)', () => {
    const bytes = fixture('Channel_digital_image_CMYK_color.jpg');
    expect(sniffImageFormat(bytes)).toBe('jpg');
    expect(imageDimensions('jpg', bytes.subarray(0, 256 * 1024))).toBeUndefined();
    expect(imageDimensions('jpg', bytes)).toEqual({ width: 500, height: 333 });
  });

  it('turns a JPEG whose EXIF orientation is 5 to 8, and reads through fill bytes', () => {
    expect(imageDimensions('jpg', jpegHeader(20, 10))).toEqual({ width: 20, height: 10 });
    expect(imageDimensions('jpg', jpegHeader(20, 10, 1))).toEqual({ width: 20, height: 10 });
    expect(imageDimensions('jpg', jpegHeader(20, 10, 6))).toEqual({ width: 10, height: 20 });
    expect(imageDimensions('jpg', jpegHeader(20, 10, 8))).toEqual({ width: 10, height: 20 });
    const padded = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), jpegHeader(7, 9).subarray(2)]);
    expect(imageDimensions('jpg', padded)).toEqual({ width: 7, height: 9 });
  });

  it('reads WebP lossless (VP8L) and extended (VP8X) headers', () => {
    const vp8l = Buffer.alloc(30);
    vp8l.write('RIFF', 0, 'latin1');
    vp8l.write('WEBPVP8L', 8, 'latin1');
    vp8l[20] = 0x2f;
    vp8l.writeUInt32LE(((300 - 1) & 0x3fff) | (((200 - 1) & 0x3fff) << 14), 21);
    expect(sniffImageFormat(vp8l)).toBe('webp');
    expect(imageDimensions('webp', vp8l)).toEqual({ width: 300, height: 200 });
    const vp8x = Buffer.alloc(30);
    vp8x.write('RIFF', 0, 'latin1');
    vp8x.write('WEBPVP8X', 8, 'latin1');
    vp8x.writeUIntLE(4000 - 1, 24, 3);
    vp8x.writeUIntLE(3000 - 1, 27, 3);
    expect(imageDimensions('webp', vp8x)).toEqual({ width: 4000, height: 3000 });
  });

  it('tells AVIF from HEIC by their brands, and TIFF and SVG by their starts', () => {
    expect(sniffImageFormat(ftyp('avif', ['mif1', 'miaf']))).toBe('avif');
    expect(sniffImageFormat(ftyp('mif1', ['avif', 'miaf']))).toBe('avif');
    expect(sniffImageFormat(ftyp('heic', ['mif1', 'heic']))).toBe('heic');
    expect(sniffImageFormat(ftyp('isom', ['mp41', 'avc1']))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('II*\0\x08\0\0\0', 'latin1'))).toBe('tiff');
    expect(sniffImageFormat(Buffer.from('MM\0*\0\0\0\x08', 'latin1'))).toBe('tiff');
    const svg =
      '\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg xmlns="http://www.w3.org/2000/svg"/>';
    expect(sniffImageFormat(Buffer.from(svg))).toBe('svg');
    expect(imageDimensions('svg', Buffer.from(svg))).toBeUndefined();
  });

  it('refuses what is no image, and a header cut short has no dimensions', () => {
    for (const text of ['', '<!DOCTYPE html><html><body><svg></svg></body></html>', '{"svg": 1}', 'GIF8', 'BM\0\0\0\0', '%PDF-1.4']) {
      expect(sniffImageFormat(Buffer.from(text, 'latin1')), text).toBeUndefined();
    }
    expect(imageDimensions('png', fixture('embedgravitybird.png').subarray(0, 18))).toBeUndefined();
    expect(imageDimensions('jpg', jpegHeader(20, 10).subarray(0, 8))).toBeUndefined();
  });

  it('lets only image, generic binary or absent content types through before the body is read', () => {
    for (const type of [undefined, '', 'image/png', 'IMAGE/JPEG; q=1', 'application/octet-stream', 'binary/octet-stream']) {
      expect(mayBeImageContentType(type), String(type)).toBe(true);
    }
    for (const type of ['text/html; charset=utf-8', 'application/json', 'video/mp4', 'application/pdf']) {
      expect(mayBeImageContentType(type), type).toBe(false);
    }
  });
});

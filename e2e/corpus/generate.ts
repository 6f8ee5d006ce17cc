import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

// Payloads of the bad-input corpus that are made, not committed: image bombs whose bytes are large
// or whose structure is easier to read as code than as base64, hostile SVGs that only need to be big.
// Each is deterministic. The corpus names them as `{ "generated": "<name>" }`; run this file to write
// them all to a directory for inspection: `node e2e/corpus/generate.ts /tmp/corpus-payloads`.

/** A 1x1 RGBA PNG (the same bytes every time). */
export const TINY_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

function u16le(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(value);
  return bytes;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32(data.length), typeAndData, u32(crc32(typeAndData))]);
}

function ihdr(width: number, height: number, bitDepth: number, colorType: number): Buffer {
  return pngChunk('IHDR', Buffer.concat([u32(width), u32(height), Buffer.from([bitDepth, colorType, 0, 0, 0])]));
}

/** A PNG whose rows are all zero: `rowBytes` per row after the filter byte, compressed as hard as zlib can. */
function zeroPng(width: number, height: number, bitDepth: number, colorType: number, rowBytes: number, extra: Buffer[] = []): Buffer {
  const raw = Buffer.alloc(height * (rowBytes + 1));
  return Buffer.concat([
    PNG_SIGNATURE,
    ihdr(width, height, bitDepth, colorType),
    ...extra,
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG header declaring any size, with a token IDAT: the size is all a header check sees. */
function declaredPng(width: number, height: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ihdr(width, height, 8, 6), pngChunk('IDAT', deflateSync(Buffer.alloc(64))), pngChunk('IEND', Buffer.alloc(0))]);
}

function textChunks(count: number): Buffer[] {
  return Array.from({ length: count }, (_, index) => pngChunk('tEXt', Buffer.from(`Comment\0chunk ${index}`, 'latin1')));
}

/** A GIF89a with the given logical screen and one image of the given size, whose LZW data stops early. */
function gif(screenWidth: number, screenHeight: number, frameWidth: number, frameHeight: number, frames = 1): Buffer {
  const header = Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    u16le(screenWidth),
    u16le(screenHeight),
    Buffer.from([0xf0, 0, 0]),
    Buffer.from([0, 0, 0, 255, 255, 255]),
  ]);
  const frame = Buffer.concat([
    Buffer.from([0x2c]),
    u16le(0),
    u16le(0),
    u16le(frameWidth),
    u16le(frameHeight),
    Buffer.from([0]),
    // LZW minimum code size 2; one sub-block: clear, 0, end of information.
    Buffer.from([0x02, 0x02, 0x44, 0x01, 0x00]),
  ]);
  return Buffer.concat([header, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}

/** A baseline JPEG that declares a size in its SOF0 and then ends: no tables, no scan. */
function declaredJpeg(width: number, height: number): Buffer {
  const sof = Buffer.from([
    0xff,
    0xc0,
    0x00,
    0x11,
    0x08,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    0x03,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
  ]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    Buffer.from([0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'),
    sof,
    Buffer.from([0xff, 0xd9]),
  ]);
}

function riff(fourcc: string, chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from(fourcc, 'latin1'), ...chunks]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]);
}

function webpChunk(type: string, data: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  return Buffer.concat([Buffer.from(type, 'latin1'), size, data, data.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** WebP extended format: a VP8X canvas of the given size (24-bit fields, minus one) and nothing to draw. */
function webpCanvas(width: number, height: number): Buffer {
  const data = Buffer.alloc(10);
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return riff('WEBP', [webpChunk('VP8X', data)]);
}

/** Lossless WebP whose header declares the size (14-bit fields) followed by a few bytes of bitstream. */
function webpLossless(width: number, height: number): Buffer {
  const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
  const data = Buffer.concat([Buffer.from([0x2f]), u32le(bits), Buffer.alloc(8)]);
  return riff('WEBP', [webpChunk('VP8L', data)]);
}

function u32le(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return bytes;
}

/** A little-endian TIFF with one IFD declaring the size and a one-byte strip. */
function declaredTiff(width: number, height: number): Buffer {
  const entries: Array<[tag: number, type: number, value: number]> = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 8],
    [277, 3, 1],
    [278, 4, height],
    [279, 4, 1],
  ];
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, value], index) => {
    const at = 2 + index * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(1, at + 4);
    if (type === 3) ifd.writeUInt16LE(value, at + 8);
    else ifd.writeUInt32LE(value >>> 0, at + 8);
  });
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x0c, 0x00, 0x00, 0x00]);
  return Buffer.concat([header, Buffer.from([0, 0, 0, 0]), ifd]);
}

function svg(inner: string, attributes = 'width="64" height="64"'): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ${attributes}>${inner}</svg>\n`);
}

const GENERATORS: Record<string, () => Buffer> = {
  'tiny-png': () => TINY_PNG,
  // Declared sizes past MAX_IMAGE_PIXELS (100 million by default): refused from the header.
  'png-declared-100000x100000': () => declaredPng(100_000, 100_000),
  'png-declared-2147483647-square': () => declaredPng(0x7fffffff, 0x7fffffff),
  'png-declared-0x0': () => declaredPng(0, 0),
  'png-declared-1x2147483647': () => declaredPng(1, 0x7fffffff),
  // Decompression bombs inside the pixel limit: small files that decode to tens or hundreds of megabytes.
  'png-bomb-1bit-10000x10000': () => zeroPng(10_000, 10_000, 1, 0, 1250),
  'png-bomb-1bit-10000x10000-base64': () => Buffer.from(generatedPayload('png-bomb-1bit-10000x10000').toString('base64')),
  'png-bomb-rgba-6000x6000': () => zeroPng(6000, 6000, 8, 6, 24_000),
  'png-bomb-1bit-20000x20000': () => zeroPng(20_000, 20_000, 1, 0, 2500),
  'png-10000-text-chunks': () => zeroPng(16, 16, 8, 0, 16, textChunks(10_000)),
  'png-ztxt-bomb': () =>
    zeroPng(16, 16, 8, 0, 16, [
      pngChunk('zTXt', Buffer.concat([Buffer.from('Comment\0\0', 'latin1'), deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })])),
    ]),
  'png-iccp-bomb': () =>
    zeroPng(16, 16, 8, 2, 48, [
      pngChunk('iCCP', Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(Buffer.alloc(32 * 1024 * 1024), { level: 9 })])),
    ]),
  'png-bad-ihdr-crc': () => {
    const bytes = Buffer.from(TINY_PNG);
    bytes[29] = (bytes[29] ?? 0) ^ 0xff;
    return bytes;
  },
  'png-idat-missing': () => Buffer.concat([PNG_SIGNATURE, ihdr(64, 64, 8, 6), pngChunk('IEND', Buffer.alloc(0))]),
  'png-chunk-length-4gb': () => Buffer.concat([PNG_SIGNATURE, ihdr(64, 64, 8, 6), u32(0xfffffff0), Buffer.from('IDAT', 'latin1'), Buffer.alloc(32)]),
  'gif-screen-65535x65535': () => gif(65_535, 65_535, 1, 1),
  'gif-frame-10000x10000-truncated': () => gif(10_000, 10_000, 10_000, 10_000),
  'gif-frame-outside-screen': () => gif(10, 10, 65_535, 65_535),
  'gif-5000-frames': () => gif(1, 1, 1, 1, 5000),
  'jpeg-declared-65500x65500': () => declaredJpeg(65_500, 65_500),
  'jpeg-declared-9000x9000-no-scan': () => declaredJpeg(9000, 9000),
  'jpeg-declared-0x0': () => declaredJpeg(0, 0),
  'webp-canvas-16777216-square': () => webpCanvas(16_777_216, 16_777_216),
  'webp-canvas-9000x9000': () => webpCanvas(9000, 9000),
  'webp-lossless-16384x16384': () => webpLossless(16_384, 16_384),
  'webp-lossless-9000x9000-truncated': () => webpLossless(9000, 9000),
  'tiff-declared-100000x100000': () => declaredTiff(100_000, 100_000),
  'tiff-declared-9000x9000-one-byte-strip': () => declaredTiff(9000, 9000),
  // SVGs that are hostile by size.
  'svg-deep-nesting-20000': () => svg(`${'<g>'.repeat(20_000)}<rect width="1" height="1"/>${'</g>'.repeat(20_000)}`),
  'svg-30000-elements': () => svg('<rect width="1" height="1"/>'.repeat(30_000)),
  'svg-quadratic-blowup': () =>
    Buffer.from(
      `<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY a "${'a'.repeat(50_000)}">]>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><text>${'&a;'.repeat(5000)}</text></svg>\n`,
    ),
  'svg-100000-attributes': () => svg('', `width="64" height="64" ${Array.from({ length: 100_000 }, (_, index) => `a${index}="1"`).join(' ')}`),
  'svg-long-path-data': () => svg(`<path d="M0 0${' L1 1'.repeat(200_000)}"/>`),
};

export const GENERATED_PAYLOADS: readonly string[] = Object.keys(GENERATORS);

const cache = new Map<string, Buffer>();

/** The bytes of a generated payload (made once per process). */
export function generatedPayload(name: string): Buffer {
  const known = cache.get(name);
  if (known) return known;
  const generator = GENERATORS[name];
  if (!generator) throw new Error(`no generated corpus payload named ${name}`);
  const bytes = generator();
  cache.set(name, bytes);
  return bytes;
}

if (import.meta.filename === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('Usage: node e2e/corpus/generate.ts <directory>\n');
    process.exit(2);
  }
  mkdirSync(out, { recursive: true });
  for (const name of GENERATED_PAYLOADS) {
    const bytes = generatedPayload(name);
    writeFileSync(join(out, name), bytes);
    process.stdout.write(`${name}\t${bytes.length}\n`);
  }
}

/**
 * What a fetched body is, from its first bytes: fetch delivery stores only images the derive workers
 * can decode, and the API process loads no media library, so the type and (where the header says it
 * cheaply) the size are read here from the bytes themselves. The origin's Content-Type is not trusted
 * for either: it only lets a plainly non-image answer be refused before its body is read.
 */

/** Cloudinary's format names of the images a fetch may store (the derive workers' readable formats). */
export type SniffedFormat = 'jpg' | 'png' | 'gif' | 'webp' | 'avif' | 'heic' | 'tiff' | 'svg';

/** How many leading bytes sniffImageFormat needs at most (an SVG's root element may follow a long prolog). */
export const SNIFF_BYTES = 4096;

const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

export function sniffImageFormat(head: Buffer): SniffedFormat | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpg';
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  const ascii = head.subarray(0, 12).toString('latin1');
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'gif';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  if (ascii.startsWith('II*\0') || ascii.startsWith('MM\0*')) return 'tiff';
  if (ascii.slice(4, 8) === 'ftyp') return isoImageFormat(head);
  return isSvg(head) ? 'svg' : undefined;
}

/** AVIF or HEIC from an ISO-BMFF `ftyp` box: its major brand, else its compatible brands. */
function isoImageFormat(head: Buffer): SniffedFormat | undefined {
  const boxSize = Math.min(head.readUInt32BE(0), head.length);
  const brands: string[] = [head.subarray(8, 12).toString('latin1')];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(head.subarray(offset, offset + 4).toString('latin1'));
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'avif';
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heic';
  return undefined;
}

/** An XML document (after an optional BOM, prolog, comments and doctype) whose root element is `<svg`. */
function isSvg(head: Buffer): boolean {
  let text = head
    .subarray(0, SNIFF_BYTES)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  for (;;) {
    text = text.trimStart();
    const skipped = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)/i.exec(text);
    if (!skipped) break;
    text = text.slice(skipped[0].length);
  }
  return /^<svg[\s>/]/i.test(text);
}

/**
 * Width and height as displayed, where the header gives them within `head`: PNG, GIF, WebP and JPEG
 * (a JPEG's EXIF orientation 5 to 8 turns it, so its sides are swapped). Undefined otherwise: the
 * asset is then stored without dimensions, and the derive worker reads them when it decodes.
 */
export function imageDimensions(format: SniffedFormat, head: Buffer): { width: number; height: number } | undefined {
  try {
    const size = readDimensions(format, head);
    return size !== undefined && size.width > 0 && size.height > 0 ? size : undefined;
  } catch {
    // A header cut short by `head`'s end (a RangeError): no dimensions.
    return undefined;
  }
}

function readDimensions(format: SniffedFormat, head: Buffer): { width: number; height: number } | undefined {
  switch (format) {
    case 'png':
      return head.subarray(12, 16).toString('latin1') === 'IHDR' ? { width: head.readUInt32BE(16), height: head.readUInt32BE(20) } : undefined;
    case 'gif':
      return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
    case 'webp':
      return webpDimensions(head);
    case 'jpg':
      return jpegDimensions(head);
    default:
      return undefined;
  }
}

function webpDimensions(head: Buffer): { width: number; height: number } | undefined {
  const chunk = head.subarray(12, 16).toString('latin1');
  if (chunk === 'VP8 ') return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  if (chunk === 'VP8L') {
    const bits = head.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
  return undefined;
}

/** The first SOFn frame header's size, turned by the EXIF orientation of an APP1 segment before it. */
function jpegDimensions(head: Buffer): { width: number; height: number } | undefined {
  let offset = 2;
  let orientation = 1;
  while (offset + 4 <= head.length) {
    if (head[offset] !== 0xff) return undefined;
    const marker = head[offset + 1] ?? 0;
    if (marker === 0xff) {
      offset++;
      continue;
    }
    // Markers without a length: TEM and RST0-7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    const length = head.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) {
      const height = head.readUInt16BE(offset + 5);
      const width = head.readUInt16BE(offset + 7);
      return orientation >= 5 && orientation <= 8 ? { width: height, height: width } : { width, height };
    }
    if (marker === 0xda || marker === 0xd9) return undefined;
    if (marker === 0xe1) orientation = exifOrientation(head.subarray(offset + 4, offset + 2 + length)) ?? orientation;
    offset += 2 + length;
  }
  return undefined;
}

/** Tag 0x0112 of IFD0 of an APP1 `Exif\0\0` payload. */
function exifOrientation(segment: Buffer): number | undefined {
  if (segment.subarray(0, 6).toString('latin1') !== 'Exif\0\0') return undefined;
  const tiff = segment.subarray(6);
  const order = tiff.subarray(0, 2).toString('latin1');
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  const entries = u16(ifd);
  for (let index = 0; index < entries; index++) {
    const entry = ifd + 2 + index * 12;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return undefined;
}

/**
 * Whether the origin's Content-Type lets the body be an image at all: an image type, a generic binary
 * one (what many object stores send for everything), or none. Others (HTML error pages, JSON, video)
 * are refused before the body is read.
 */
export function mayBeImageContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' || type.startsWith('image/') || type === 'application/octet-stream' || type === 'binary/octet-stream';
}

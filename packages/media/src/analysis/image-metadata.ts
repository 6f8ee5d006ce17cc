import { open } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import * as exifrModule from 'exifr';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import type { ImageInput } from '../image-source.ts';

// Cloudinary's `image_metadata` (`media_metadata=true` on an image): a flat map string → string whose
// keys are ExifTool's tag names and whose values are ExifTool's printed values (`"ResolutionUnit":
// "inches"`, `"Orientation": "Horizontal (normal)"`), plus Cloudinary's own `Colorspace` and `DPI`
// (shared/spec/cloudinary-reference-wave2.md §5). exifr reads the segments; this file names and prints
// them as ExifTool does for the common tags (the tables below), and prints everything else plainly.
//
// Decisions (ExifTool's behaviour unless marked otherwise):
// - Groups: JFIF, EXIF (IFD0, ExifIFD, GPS, InterOp), IPTC, XMP, ICC, PNG (IHDR, tEXt, and pHYs and
//   zTXt XMP, which exifr skips and pngExtras reads from the chunks before IDAT). Not the
//   File group (the JPEG frame's size, encoding process) nor Composite tags (ImageSize, Megapixels,
//   GPSPosition): Cloudinary's sample for a plain JPEG has neither. The thumbnail IFD and binary
//   values (maker notes, ICC curves, embedded previews) are left out.
// - Duplicate names keep the higher-priority value: EXIF over JFIF and XMP (ExifTool gives JFIF and
//   XMP priority 0), so a camera JPEG's `XResolution` is the EXIF one.
// - Values are ExifTool's print conversions: `Orientation` as text ("Rotate 90 CW"), `ExposureTime`
//   "1/640", `FNumber` "5.6", `FocalLength` "55.0 mm", dates "2013:05:12 15:31:04", `GPSLatitude`
//   `37 deg 46' 29.64"` with `GPSLatitudeRef` "North" (the letter is in the Ref tag, as in the EXIF
//   group; the `… N` form is ExifTool's Composite tag). Lists join with ", " (Keywords, XMP bags) and
//   numeric arrays with " " (BitsPerSample "8 8 8").
// - `Colorspace` (RGB, GRAY, CMYK: ImageMagick's names) from libvips' header read; `DPI` from the resolution tags (inches
//   as is, cm × 2.54, PNG pixels per metre × 0.0254, rounded; "0" when the unit is unknown), absent
//   when the file states no resolution [GUESS].
// - `ImageWidth`/`ImageHeight`: for every format but JPEG (ExifTool puts the JPEG frame size in the
//   File group, which Cloudinary leaves out; PNG, GIF, WebP, TIFF and HEIF headers carry it) [GUESS].
// - Bounded: exifr reads only the first METADATA_HEAD_BYTES of the file (a TIFF whose directory lies
//   beyond is left with its header fields). WebP, AVIF and HEIC metadata come from libvips' header read
//   (exifr reads no WebP, and fails on libheif's EXIF item) and are then parsed by exifr. A value over
//   MAX_VALUE_LENGTH characters is left out.
// - Never throws on the file's contents: unreadable metadata leaves the fields that could be read
//   ({} at worst). A missing file is still an error.

// Node loads exifr's UMD build, where everything hangs on the default export; vitest and bundlers load
// its ESM build, whose default export lacks `sidecar` but which exports both by name.
const exifr = {
  parse: exifrModule.parse ?? exifrModule.default.parse,
  sidecar: exifrModule.sidecar ?? exifrModule.default.sidecar,
};

/** How much of the file exifr may read: EXIF, XMP, ICC and IPTC precede a JPEG's pixels. */
export const METADATA_HEAD_BYTES = 4 * 1024 * 1024;
/** Longer values are embedded blobs (base64 thumbnails, hex profiles), not fields. */
export const MAX_VALUE_LENGTH = 4096;
const MAX_LIST_LENGTH = 64;
const MAX_XMP_DEPTH = 4;

/** Formats whose file exifr parses. */
const EXIFR_FORMATS = new Set(['jpg', 'png', 'tiff']);
/** Formats whose metadata blobs libvips extracts. */
const BLOB_FORMATS = new Set(['webp', 'avif', 'heic']);
/** Formats libvips reads a header of (for Colorspace). */
const HEADER_FORMATS = new Set(['jpg', 'png', 'tiff', 'webp', 'avif', 'heic', 'gif']);
/** Image formats with no metadata reader here: the size only. */
const SIZE_ONLY_FORMATS = new Set(['bmp', 'ico', 'psd']);

// exifr caches parsed options by object identity: these must stay module constants.
const FILE_OPTIONS = {
  tiff: true,
  ifd1: false,
  exif: true,
  gps: true,
  interop: true,
  makerNote: false,
  userComment: true,
  jfif: true,
  ihdr: { translateValues: true },
  iptc: true,
  icc: { translateValues: true, multiSegment: true },
  xmp: { parse: false, multiSegment: true },
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  sanitize: true,
  mergeOutput: false,
  silentErrors: true,
};
const TIFF_BLOB_OPTIONS = { ...FILE_OPTIONS, jfif: false, ihdr: false, iptc: false, icc: false, xmp: false };
const XMP_OPTIONS = { xmp: true, translateValues: false, reviveValues: false, mergeOutput: false };
const ICC_OPTIONS = { icc: true, translateValues: true, reviveValues: false, mergeOutput: false };
const IPTC_OPTIONS = { iptc: true, translateValues: false, reviveValues: false, mergeOutput: false };

type Facts = { format: string; width: number | null; height: number | null };
type Parsed = Record<string, unknown>;

/** JFIF and XMP give way to every other group when names collide, as in ExifTool. */
const LOW = 0;
const NORMAL = 1;

/** Tags in insertion order; a name keeps its first position and its highest-priority value. */
class Tags {
  private readonly entries = new Map<string, { value: string; priority: number }>();

  put(key: string, value: string | undefined, priority = NORMAL): void {
    if (value === undefined || value.length === 0 || value.length > MAX_VALUE_LENGTH) return;
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) return;
    const existing = this.entries.get(key);
    if (existing !== undefined && existing.priority > priority) return;
    this.entries.set(key, { value, priority });
  }

  get(key: string): string | undefined {
    return this.entries.get(key)?.value;
  }

  toRecord(): Record<string, string> {
    const record: Record<string, string> = {};
    for (const [key, { value }] of this.entries) record[key] = value;
    return record;
  }
}

/**
 * Cloudinary's `image_metadata`: a flat map string → string (EXIF/IPTC/XMP/ICC tag names as keys, values
 * as text), of the file at a path or of the same bytes held in memory.
 */
export async function readImageMetadata(input: ImageInput, facts: Facts): Promise<Record<string, string>> {
  const format = facts.format.toLowerCase();
  const tags = new Tags();
  if (format !== 'jpg' && (HEADER_FORMATS.has(format) || SIZE_ONLY_FORMATS.has(format))) {
    // Placeholders in first position; the file's own header tags replace them.
    if (facts.width !== null) tags.put('ImageWidth', String(facts.width), LOW);
    if (facts.height !== null) tags.put('ImageHeight', String(facts.height), LOW);
  }
  if (!HEADER_FORMATS.has(format)) return tags.toRecord();

  const header = await readHeader(input);
  if (EXIFR_FORMATS.has(format)) {
    const head = typeof input === 'string' ? await readFileHead(input, format) : await headOf(input.byteLength, format, readFrom(input));
    const parsed = await parseQuietly(() => exifr.parse(head, FILE_OPTIONS));
    const png = format === 'png' ? pngExtras(head) : { physical: [] };
    const found = parsed ?? {};
    if (found.xmp === undefined && png.xmp !== undefined) found.xmp = png.xmp;
    await addParsed(tags, found, png.physical);
  } else if (BLOB_FORMATS.has(format) && header !== undefined) {
    await addBlobs(tags, header);
  }

  const colorspace = header === undefined ? undefined : colorspaceName(header.space);
  tags.put('Colorspace', colorspace);
  tags.put('DPI', dpiOf(tags, format));
  return tags.toRecord();
}

/** Cloudinary's `video_metadata` for a video asset, from the stored probe (assets.media, wire form): a flat map ([GUESS] per §1.3). */
export function videoMetadata(media: Record<string, unknown>): Record<string, unknown> {
  const audio = objectOf(media.audio);
  const video = objectOf(media.video);
  const pairs: Array<[string, unknown]> = [
    ['audio_codec', audio.codec],
    ['audio_bit_rate', audio.bit_rate],
    ['audio_frequency', audio.frequency],
    ['channels', audio.channels],
    ['channel_layout', audio.channel_layout],
    ['pix_format', video.pix_format],
    ['codec', video.codec],
    ['level', video.level],
    ['profile', video.profile],
    ['video_bit_rate', video.bit_rate],
    ['dar', video.dar],
  ];
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of pairs) {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) metadata[key] = value;
  }
  return metadata;
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** The first read of a file's head: a JPEG's metadata segments nearly always fit, so its head ends there. */
const FIRST_READ_BYTES = 128 * 1024;

/**
 * The head of the file exifr parses: at most METADATA_HEAD_BYTES, and for a JPEG only up to its image
 * data (metadata segments all come before it), so an ingest does not read and copy a whole photo for
 * its EXIF. Not zero-filled: every byte returned was read.
 */
async function readFileHead(path: string, format: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await headOf(size, format, async (buffer, offset, length) => (await handle.read(buffer, offset, length, offset)).bytesRead);
  } finally {
    await handle.close();
  }
}

/** Reads up to `length` bytes of the file at `offset` into the same offset of `buffer`; answers how many it read. */
type HeadReader = (buffer: Buffer, offset: number, length: number) => Promise<number>;

/** A HeadReader of a file's bytes held in memory: what reads of the file would give. */
const readFrom =
  (bytes: Buffer): HeadReader =>
  (buffer, offset, length) =>
    Promise.resolve(bytes.copy(buffer, offset, offset, offset + length));

/** The head as readFileHead describes it, read the same way from a file and from its bytes in memory (exifr gets the same head). */
async function headOf(size: number, format: string, read: HeadReader): Promise<Buffer> {
  const limit = Math.min(size, METADATA_HEAD_BYTES);
  let buffer = Buffer.allocUnsafe(Math.min(limit, FIRST_READ_BYTES));
  let filled = 0;
  for (;;) {
    while (filled < buffer.byteLength) {
      const bytesRead = await read(buffer, filled, buffer.byteLength - filled);
      if (bytesRead === 0) return buffer.subarray(0, filled);
      filled += bytesRead;
    }
    if (filled >= limit) return buffer.subarray(0, filled);
    if (format === 'jpg') {
      const end = jpegImageDataOffset(buffer.subarray(0, filled));
      if (end !== undefined) return buffer.subarray(0, end);
    }
    const grown = Buffer.allocUnsafe(Math.min(limit, buffer.byteLength * 4));
    buffer.copy(grown, 0, 0, filled);
    buffer = grown;
  }
}

/**
 * Where a JPEG's image data starts (its SOS marker), found by walking the segment lengths from the
 * SOI; undefined when the walk leaves `head` first (read more) or the bytes are no JPEG's (read all).
 */
export function jpegImageDataOffset(head: Buffer): number | undefined {
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= head.length) {
    if (head[offset] !== 0xff) return undefined;
    const marker = head[offset + 1]!;
    // Fill bytes (0xFF 0xFF…) may pad between segments.
    if (marker === 0xff) {
      offset += 1;
      continue;
    }
    if (marker === 0xda) return offset;
    const length = head.readUInt16BE(offset + 2);
    if (length < 2) return undefined;
    offset += 2 + length;
  }
  return undefined;
}

/** libvips' header read: colour space, and the metadata blobs of WebP and HEIF. Undefined when unreadable. */
async function readHeader(input: ImageInput): Promise<Metadata | undefined> {
  try {
    return await sharp(input, { limitInputPixels: false, failOn: 'none' }).metadata();
  } catch {
    return undefined;
  }
}

/** exifr's result, or undefined when it could not parse (it throws on unknown formats and bad input). */
async function parseQuietly(parse: () => Promise<unknown>): Promise<Parsed | undefined> {
  try {
    const result = await parse();
    return typeof result === 'object' && result !== null ? (result as Parsed) : undefined;
  } catch {
    return undefined;
  }
}

type PngExtras = { physical: Array<[string, string]>; xmp?: string };

/**
 * What exifr skips in a PNG: the pHYs chunk, and XMP in a compressed zTXt chunk (libvips writes it so).
 * Only the chunks before the first IDAT are looked at.
 */
function pngExtras(head: Buffer): PngExtras {
  const extras: PngExtras = { physical: [] };
  let offset = 8;
  while (offset + 8 <= head.byteLength) {
    const length = head.readUInt32BE(offset);
    const type = head.toString('latin1', offset + 4, offset + 8);
    const data = head.subarray(offset + 8, Math.min(offset + 8 + length, head.byteLength));
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'pHYs' && data.byteLength === 9) {
      const unit = data[8];
      extras.physical = [
        ['PixelsPerUnitX', String(data.readUInt32BE(0))],
        ['PixelsPerUnitY', String(data.readUInt32BE(4))],
        ['PixelUnits', unit === 1 ? 'meters' : unit === 0 ? 'Unknown' : `Unknown (${unit})`],
      ];
    }
    if (type === 'zTXt' && data.byteLength === length && data.subarray(0, PNG_XMP_KEYWORD.byteLength).equals(PNG_XMP_KEYWORD)) {
      try {
        // keyword, NUL, compression method (0: deflate), then the zlib stream
        extras.xmp = inflateSync(data.subarray(PNG_XMP_KEYWORD.byteLength + 1), { maxOutputLength: MAX_XMP_BYTES }).toString('utf8');
      } catch {
        // a corrupt or oversized packet is no XMP
      }
    }
    offset += 12 + length;
  }
  return extras;
}

const PNG_XMP_KEYWORD = Buffer.from('XML:com.adobe.xmp\0', 'latin1');
const MAX_XMP_BYTES = 1024 * 1024;

/** WebP, AVIF, HEIC: libvips' EXIF, XMP, ICC and IPTC blobs, each parsed by exifr. */
async function addBlobs(tags: Tags, header: Metadata): Promise<void> {
  const parsed: Parsed = {};
  if (header.exif !== undefined) {
    // libvips hands the APP1 payload: "Exif\0\0" then the TIFF structure exifr reads.
    const tiff = header.exif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? header.exif.subarray(6) : header.exif;
    Object.assign(parsed, await parseQuietly(() => exifr.parse(tiff, TIFF_BLOB_OPTIONS)));
  }
  if (header.xmp !== undefined) parsed.xmp = header.xmp.toString('utf8');
  if (header.icc !== undefined) {
    const icc = await parseQuietly(() => exifr.sidecar(header.icc as Buffer, ICC_OPTIONS, 'icc'));
    if (icc !== undefined) parsed.icc = icc;
  }
  if (header.iptc !== undefined) {
    const iptc = await parseQuietly(() => exifr.sidecar(header.iptc as Buffer, IPTC_OPTIONS, 'iptc'));
    if (iptc !== undefined) parsed.iptc = iptc;
  }
  await addParsed(tags, parsed, []);
}

/** exifr's output (mergeOutput: false) → tags, group by group in the order a JPEG stores them. */
async function addParsed(tags: Tags, parsed: Parsed, physical: Array<[string, string]>): Promise<void> {
  const jfif = objectOf(parsed.jfif);
  const jfifVersion = jfif.JFIFVersion;
  if (typeof jfifVersion === 'number') tags.put('JFIFVersion', `${jfifVersion >> 8}.${String(jfifVersion & 0xff).padStart(2, '0')}`, LOW);
  tags.put('ResolutionUnit', enumText(JFIF_UNITS, jfif.ResolutionUnit), LOW);
  tags.put('XResolution', plainText(jfif.XResolution), LOW);
  tags.put('YResolution', plainText(jfif.YResolution), LOW);

  addPng(tags, objectOf(parsed.ihdr), physical);
  for (const block of ['ifd0', 'exif', 'gps', 'interop']) {
    for (const [key, value] of Object.entries(objectOf(parsed[block]))) {
      if (SKIPPED_TIFF_TAGS.has(key)) continue;
      tags.put(key, exifText(key, value));
    }
    if (block === 'exif') tags.put('UserComment', encodedText(parsed.userComment));
  }

  if (typeof parsed.xmp === 'string') {
    const xmp = await parseQuietly(() => exifr.sidecar(Buffer.from(parsed.xmp as string, 'utf8'), XMP_OPTIONS, 'xmp'));
    if (xmp !== undefined) addXmp(tags, xmp);
  }
  for (const [key, value] of Object.entries(objectOf(parsed.icc))) {
    if (value instanceof Uint8Array) continue; // curves, matrices, LUTs
    const text = plainText(value);
    tags.put(key, text === undefined ? undefined : (ICC_PRINT[key]?.[text] ?? text));
  }
  for (const [key, value] of Object.entries(objectOf(parsed.iptc))) {
    tags.put(IPTC_NAMES[key] ?? key, iptcText(key, value));
  }
}

const IHDR_TAGS = ['ImageWidth', 'ImageHeight', 'BitDepth', 'ColorType', 'Compression', 'Filter', 'Interlace'];

/** PNG: IHDR, then pHYs, then the tEXt keywords (exifr puts those and iCCP's ProfileName beside IHDR's). */
function addPng(tags: Tags, ihdr: Record<string, unknown>, physical: Array<[string, string]>): void {
  for (const key of IHDR_TAGS) tags.put(key, plainText(ihdr[key]));
  for (const [key, value] of physical) tags.put(key, value);
  for (const [keyword, value] of Object.entries(ihdr)) {
    if (IHDR_TAGS.includes(keyword) || /^raw profile type/i.test(keyword)) continue;
    // ExifTool names an unknown keyword by its words, capitalised and joined ("Creation Time" → CreationTime).
    const name = keyword
      .split(/[^A-Za-z0-9]+/)
      .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
      .join('');
    tags.put(name, plainText(value));
  }
}

/** XMP: every namespace's properties by their ExifTool names; structures flattened (DerivedFrom + InstanceID). */
function addXmp(tags: Tags, xmp: Parsed): void {
  for (const [namespace, properties] of Object.entries(xmp)) {
    if (namespace === 'xmlns') continue;
    const object = objectOf(properties);
    for (const [name, value] of Object.entries(object)) addXmpValue(tags, XMP_NAMES[name] ?? capitalise(name), value, 0);
  }
}

function addXmpValue(tags: Tags, name: string, value: unknown, depth: number): void {
  const text = xmpText(value);
  if (text !== undefined) {
    tags.put(name, text, LOW);
    return;
  }
  if (depth >= MAX_XMP_DEPTH || typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const [field, inner] of Object.entries(value)) {
    if (field === 'parseType' || field === 'about') continue;
    addXmpValue(tags, name + capitalise(field), inner, depth + 1);
  }
}

/** A scalar, a list of scalars, or a language alternative ({lang, value}; x-default preferred). */
function xmpText(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    const alternatives = value.filter(isLanguageAlternative);
    if (alternatives.length === value.length && alternatives.length > 0) {
      return xmpText((alternatives.find((entry) => entry.lang === 'x-default') ?? alternatives[0])?.value);
    }
    const items = value.map(xmpText);
    return items.every((item) => item !== undefined) && items.length <= MAX_LIST_LENGTH ? items.join(', ') : undefined;
  }
  if (isLanguageAlternative(value)) return xmpText(value.value);
  if (typeof value === 'string') {
    const fraction = /^(-?\d+)\/(\d+)$/.exec(value.trim());
    if (fraction !== null) return numberText(Number(fraction[1]) / Number(fraction[2]));
    return xmpDate(value) ?? plainText(value);
  }
  if (typeof value === 'object' && value !== null) return undefined;
  return plainText(value);
}

function isLanguageAlternative(value: unknown): value is { lang: string; value: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'lang' in value && 'value' in value && Object.keys(value).length === 2;
}

/** XMP's ISO 8601 dates as ExifTool prints them: 2005-05-14T00:51:18+03:00 → 2005:05:14 00:51:18+03:00. */
function xmpDate(value: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?)?$/.exec(value.trim());
  if (match === null) return undefined;
  const [, year, month, day, time, zone] = match;
  const date = `${year}:${month}:${day}`;
  if (time === undefined) return date;
  return `${date} ${time.length === 5 ? `${time}:00` : time}${zone ?? ''}`;
}

function capitalise(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

// ---------------------------------------------------------------------------------------------------
// Printing

/** A value as ExifTool prints one without a conversion of its own. */
function plainText(value: unknown): string | undefined {
  if (typeof value === 'string') return cleanString(value);
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'bigint') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : exifDate(value);
  if (value instanceof Uint8Array) return bytesText(value);
  const list = listOf(value);
  if (list === undefined || list.length === 0 || list.length > MAX_LIST_LENGTH) return undefined;
  const items = list.map(plainText);
  if (items.some((item) => item === undefined)) return undefined;
  return items.join(list.every((item) => typeof item === 'number') ? ' ' : ', ');
}

function listOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<unknown>);
  return undefined;
}

function cleanString(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/\u0000+$/g, '').trim();
  return text.length === 0 ? undefined : text;
}

/** Rationals and floats to ten significant digits, as ExifTool rounds them; x/0 is "inf", 0/0 "undef". */
function numberText(value: number): string {
  if (Number.isNaN(value)) return 'undef';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(10)));
}

/** Bytes: one byte is a number; printable ASCII (an undefined-type version "0221") is text; anything else is binary. */
function bytesText(bytes: Uint8Array): string | undefined {
  if (bytes.length === 1) return String(bytes[0]);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end -= 1;
  const content = bytes.subarray(0, end);
  if (content.length === 0 || content.length > MAX_VALUE_LENGTH) return undefined;
  if (!content.every((byte) => byte >= 0x20 && byte < 0x7f)) return undefined;
  return cleanString(Buffer.from(content).toString('latin1'));
}

function exifDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}:${pad(date.getUTCMonth() + 1)}:${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

function numbersOf(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  const list = listOf(value);
  return list !== undefined && list.every((item) => typeof item === 'number') ? (list as number[]) : undefined;
}

/** One number, also from a one-element array (exifr gives a BYTE tag as a Uint8Array). */
function numberOf(value: unknown): number | undefined {
  const list = numbersOf(value);
  return list?.length === 1 ? list[0] : undefined;
}

function enumText(table: Readonly<Record<string | number, string>>, value: unknown): string | undefined {
  const key = typeof value === 'string' ? cleanString(value) : numberOf(value);
  if (key === undefined) return undefined;
  return table[key] ?? `Unknown (${key})`;
}

/** ExifTool's PrintExposureTime. */
function exposureTime(seconds: number): string {
  if (seconds > 0 && seconds < 0.25001) return `1/${Math.floor(0.5 + 1 / seconds)}`;
  return seconds.toFixed(1).replace(/\.0$/, '');
}

/** ExifTool's PrintFNumber. */
function fNumber(value: number): string {
  return value > 0 ? value.toFixed(value < 1 ? 2 : 1) : numberText(value);
}

/** ExifTool's PrintFraction (exposure compensation): 0, +1, -2/3, +1/2, else three digits. */
function fraction(raw: number): string {
  const value = raw * 1.00001;
  if (value === 0) return '0';
  const signed = (n: number): string => (n >= 0 ? `+${n}` : String(n));
  for (const denominator of [1, 2, 3]) {
    const scaled = value * denominator;
    if (Math.trunc(scaled) / scaled > 0.999) return denominator === 1 ? signed(Math.trunc(scaled)) : `${signed(Math.trunc(scaled))}/${denominator}`;
  }
  return signed(Number(value.toPrecision(3)));
}

/** Degrees, minutes, seconds as ExifTool's default CoordFormat prints them: 37 deg 46' 29.64". */
function degreesText(parts: number[]): string | undefined {
  if (parts.length === 0 || parts.length > 3) return undefined;
  const [d = 0, m = 0, s = 0] = parts;
  const decimal = Math.abs(d + m / 60 + s / 3600);
  let degrees = Math.trunc(decimal);
  const minutesExact = (decimal - degrees) * 60;
  let minutes = Math.trunc(minutesExact);
  let seconds = ((minutesExact - minutes) * 60).toFixed(2);
  if (Number(seconds) >= 60) {
    seconds = '0.00';
    minutes += 1;
    if (minutes >= 60) {
      minutes = 0;
      degrees += 1;
    }
  }
  return `${degrees} deg ${minutes}' ${seconds}"`;
}

/** GPSTimeStamp [h, m, s] → 15:31:04 (fractional seconds kept, trailing zeros dropped). */
function timeStamp(parts: number[]): string | undefined {
  if (parts.length !== 3) return undefined;
  const [h = 0, m = 0, s = 0] = parts;
  let rest = (h * 60 + m) * 60 + s;
  const hours = Math.trunc(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.trunc(rest / 60);
  rest -= minutes * 60;
  const seconds = rest
    .toFixed(6)
    .replace(/\.?0+$/, '')
    .padStart(2, '0');
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(hours)}:${pad(minutes)}:${/^\d\./.test(seconds) ? `0${seconds}` : seconds}`;
}

/** ExifTool's PrintLensInfo: [24, 70, 2.8, 2.8] → 24-70mm f/2.8. */
function lensInfo(parts: number[]): string | undefined {
  if (parts.length !== 4) return undefined;
  const [short = 0, long = 0, wide = 0, tele = 0] = parts.map((part) => Number(numberText(part)));
  let text = String(short);
  if (long && long !== short) text += `-${long}`;
  text += `mm f/${wide}`;
  if (tele && tele !== wide) text += `-${tele}`;
  return text;
}

/** UserComment, GPSProcessingMethod: an 8-byte character-code header, then the text. */
function encodedText(value: unknown): string | undefined {
  if (typeof value === 'string') return cleanString(value);
  if (!(value instanceof Uint8Array)) return undefined;
  if (value.length < 8) return bytesText(value);
  const code = Buffer.from(value.subarray(0, 8)).toString('latin1').replace(/\0+$/, '');
  const body = Buffer.from(value.subarray(8));
  if (code === 'UNICODE') {
    const even = body.subarray(0, body.length - (body.length % 2));
    // ExifTool follows the EXIF byte order; a leading zero byte is big-endian text.
    return cleanString((even[0] === 0 ? even.swap16() : even).toString('utf16le'));
  }
  if (code === 'JIS') return undefined;
  return cleanString(body.toString(code === 'ASCII' ? 'latin1' : 'utf8'));
}

/** Windows' XP* tags: UCS-2 little-endian bytes. */
function ucs2Text(value: unknown): string | undefined {
  if (!(value instanceof Uint8Array)) return plainText(value);
  return cleanString(
    Buffer.from(value.subarray(0, value.length - (value.length % 2)))
      .toString('utf16le')
      // eslint-disable-next-line no-control-regex
      .replace(/\u0000+$/, ''),
  );
}

function withNumbers(print: (parts: number[]) => string | undefined): (value: unknown) => string | undefined {
  return (value) => {
    const parts = numbersOf(value);
    return parts === undefined ? undefined : print(parts);
  };
}

function withNumber(print: (value: number) => string | undefined): (value: unknown) => string | undefined {
  return (value) => {
    const number = numberOf(value);
    return number === undefined ? undefined : print(number);
  };
}

function exifText(key: string, value: unknown): string | undefined {
  const print = EXIF_PRINT[key];
  return (print === undefined ? undefined : print(value)) ?? plainText(value);
}

/** IPTC dates CCYYMMDD and times HHMMSS±HHMM as ExifTool prints them. */
function iptcText(key: string, value: unknown): string | undefined {
  if (typeof value === 'string' && key.includes('Date')) {
    const date = /^(\d{4})(\d{2})(\d{2})$/.exec(value.trim());
    if (date !== null) return `${date[1]}:${date[2]}:${date[3]}`;
  }
  if (typeof value === 'string' && key.includes('Time')) {
    const time = /^(\d{2})(\d{2})(\d{2})(?:([+-]\d{2})(\d{2}))?$/.exec(value.trim());
    if (time !== null) return `${time[1]}:${time[2]}:${time[3]}${time[4] === undefined ? '' : `${time[4]}:${time[5]}`}`;
  }
  return plainText(value);
}

/** Cloudinary's Colorspace: ImageMagick's names for libvips' interpretations. */
function colorspaceName(space: string | undefined): string | undefined {
  switch (space) {
    case undefined:
      return undefined;
    case 'b-w':
    case 'grey16':
      return 'GRAY';
    case 'srgb':
    case 'rgb':
    case 'rgb16':
    case 'scrgb':
      return 'RGB';
    default:
      return space.toUpperCase();
  }
}

function dpiOf(tags: Tags, format: string): string | undefined {
  const perMetre = Number(tags.get('PixelsPerUnitX'));
  if (format === 'png' && tags.get('PixelUnits') !== undefined && Number.isFinite(perMetre)) {
    return tags.get('PixelUnits') === 'meters' ? String(Math.round(perMetre * 0.0254)) : '0';
  }
  const unit = tags.get('ResolutionUnit');
  const resolution = Number(tags.get('XResolution'));
  if (unit === undefined || tags.get('XResolution') === undefined || !Number.isFinite(resolution)) return undefined;
  if (unit === 'inches') return String(Math.round(resolution));
  if (unit === 'cm') return String(Math.round(resolution * 2.54));
  return '0';
}

// ---------------------------------------------------------------------------------------------------
// Tables (ExifTool's tag names and print conversions)

/** Pointers, strip/tile layout and embedded blobs: ExifTool shows none of them as fields. */
const SKIPPED_TIFF_TAGS = new Set([
  'StripOffsets',
  'StripByteCounts',
  'TileOffsets',
  'TileByteCounts',
  'ThumbnailOffset',
  'ThumbnailLength',
  'JPEGTables',
  'MakerNote',
  'IPTC',
  'ICC',
  'ApplicationNotes',
  'ExifIFD',
  'GpsIFD',
  'InteropIFD',
  'SubIFD',
  'Padding',
  'OffsetSchema',
  'latitude',
  'longitude',
]);

const JFIF_UNITS = { 0: 'None', 1: 'inches', 2: 'cm' };
const RESOLUTION_UNITS = { 1: 'None', 2: 'inches', 3: 'cm' };
const ORIENTATIONS = {
  1: 'Horizontal (normal)',
  2: 'Mirror horizontal',
  3: 'Rotate 180',
  4: 'Mirror vertical',
  5: 'Mirror horizontal and rotate 270 CW',
  6: 'Rotate 90 CW',
  7: 'Mirror horizontal and rotate 90 CW',
  8: 'Rotate 270 CW',
};
const COMPRESSIONS = {
  1: 'Uncompressed',
  2: 'CCITT 1D',
  3: 'T4/Group 3 Fax',
  4: 'T6/Group 4 Fax',
  5: 'LZW',
  6: 'JPEG (old-style)',
  7: 'JPEG',
  8: 'Adobe Deflate',
  32773: 'PackBits',
  32946: 'Deflate',
  34712: 'JPEG 2000',
  50000: 'ZStandard',
  50001: 'WebP',
};
const PHOTOMETRIC = {
  0: 'WhiteIsZero',
  1: 'BlackIsZero',
  2: 'RGB',
  3: 'RGB Palette',
  4: 'Transparency Mask',
  5: 'CMYK',
  6: 'YCbCr',
  8: 'CIELab',
  9: 'ICCLab',
  10: 'ITULab',
};
const SUBSAMPLING: Readonly<Record<string, string>> = {
  '1 1': 'YCbCr4:4:4 (1 1)',
  '2 1': 'YCbCr4:2:2 (2 1)',
  '2 2': 'YCbCr4:2:0 (2 2)',
  '4 1': 'YCbCr4:1:1 (4 1)',
  '4 2': 'YCbCr4:1:0 (4 2)',
  '1 2': 'YCbCr4:4:0 (1 2)',
  '1 4': 'YCbCr4:4:1 (1 4)',
  '2 4': 'YCbCr4:2:1 (2 4)',
};
const EXPOSURE_PROGRAMS = {
  0: 'Not Defined',
  1: 'Manual',
  2: 'Program AE',
  3: 'Aperture-priority AE',
  4: 'Shutter speed priority AE',
  5: 'Creative (Slow speed)',
  6: 'Action (High speed)',
  7: 'Portrait',
  8: 'Landscape',
  9: 'Bulb',
};
const METERING_MODES = {
  0: 'Unknown',
  1: 'Average',
  2: 'Center-weighted average',
  3: 'Spot',
  4: 'Multi-spot',
  5: 'Multi-segment',
  6: 'Partial',
  255: 'Other',
};
const LIGHT_SOURCES = {
  0: 'Unknown',
  1: 'Daylight',
  2: 'Fluorescent',
  3: 'Tungsten (Incandescent)',
  4: 'Flash',
  9: 'Fine Weather',
  10: 'Cloudy',
  11: 'Shade',
  12: 'Daylight Fluorescent',
  13: 'Day White Fluorescent',
  14: 'Cool White Fluorescent',
  15: 'White Fluorescent',
  16: 'Warm White Fluorescent',
  17: 'Standard Light A',
  18: 'Standard Light B',
  19: 'Standard Light C',
  20: 'D55',
  21: 'D65',
  22: 'D75',
  23: 'D50',
  24: 'ISO Studio Tungsten',
  255: 'Other',
};
const FLASH = {
  0x00: 'No Flash',
  0x01: 'Fired',
  0x05: 'Fired, Return not detected',
  0x07: 'Fired, Return detected',
  0x08: 'On, Did not fire',
  0x09: 'On, Fired',
  0x0d: 'On, Return not detected',
  0x0f: 'On, Return detected',
  0x10: 'Off, Did not fire',
  0x14: 'Off, Did not fire, Return not detected',
  0x18: 'Auto, Did not fire',
  0x19: 'Auto, Fired',
  0x1d: 'Auto, Fired, Return not detected',
  0x1f: 'Auto, Fired, Return detected',
  0x20: 'No flash function',
  0x30: 'Off, No flash function',
  0x41: 'Fired, Red-eye reduction',
  0x45: 'Fired, Red-eye reduction, Return not detected',
  0x47: 'Fired, Red-eye reduction, Return detected',
  0x49: 'On, Red-eye reduction',
  0x4d: 'On, Red-eye reduction, Return not detected',
  0x4f: 'On, Red-eye reduction, Return detected',
  0x50: 'Off, Red-eye reduction',
  0x58: 'Auto, Did not fire, Red-eye reduction',
  0x59: 'Auto, Fired, Red-eye reduction',
  0x5d: 'Auto, Fired, Red-eye reduction, Return not detected',
  0x5f: 'Auto, Fired, Red-eye reduction, Return detected',
};
const COLOR_SPACES = { 1: 'sRGB', 2: 'Adobe RGB', 0xfffd: 'Wide Gamut RGB', 0xfffe: 'ICC Profile', 0xffff: 'Uncalibrated' };
const SENSING_METHODS = {
  1: 'Not defined',
  2: 'One-chip color area',
  3: 'Two-chip color area',
  4: 'Three-chip color area',
  5: 'Color sequential area',
  7: 'Trilinear',
  8: 'Color sequential linear',
};
const SENSITIVITY_TYPES = {
  0: 'Unknown',
  1: 'Standard Output Sensitivity',
  2: 'Recommended Exposure Index',
  3: 'ISO Speed',
  4: 'Standard Output Sensitivity and Recommended Exposure Index',
  5: 'Standard Output Sensitivity and ISO Speed',
  6: 'Recommended Exposure Index and ISO Speed',
  7: 'Standard Output Sensitivity, Recommended Exposure Index and ISO Speed',
};
const COMPONENTS = ['-', 'Y', 'Cb', 'Cr', 'R', 'G', 'B'];
const NORMAL_LOW_HIGH = { 0: 'Normal', 1: 'Low', 2: 'High' };
const NORTH_SOUTH = { N: 'North', S: 'South' };
const EAST_WEST = { E: 'East', W: 'West' };
const BEARING_REFS = { M: 'Magnetic North', T: 'True North' };

const enumOf =
  (table: Readonly<Record<string | number, string>>) =>
  (value: unknown): string | undefined =>
    enumText(table, value);

/** Print conversions by ExifTool tag name (exifr's key names are ExifTool's for these groups). */
const EXIF_PRINT: Readonly<Record<string, (value: unknown) => string | undefined>> = {
  Orientation: enumOf(ORIENTATIONS),
  ResolutionUnit: enumOf(RESOLUTION_UNITS),
  FocalPlaneResolutionUnit: enumOf({ 1: 'None', 2: 'inches', 3: 'cm', 4: 'mm', 5: 'um' }),
  YCbCrPositioning: enumOf({ 1: 'Centered', 2: 'Co-sited' }),
  YCbCrSubSampling: (value) => SUBSAMPLING[numbersOf(value)?.join(' ') ?? ''],
  Compression: enumOf(COMPRESSIONS),
  PhotometricInterpretation: enumOf(PHOTOMETRIC),
  PlanarConfiguration: enumOf({ 1: 'Chunky', 2: 'Planar' }),
  ExposureTime: withNumber(exposureTime),
  ShutterSpeedValue: withNumber((apex) => exposureTime(Math.abs(apex) < 100 ? 2 ** -apex : 0)),
  FNumber: withNumber(fNumber),
  ApertureValue: withNumber((apex) => fNumber(2 ** (apex / 2))),
  MaxApertureValue: withNumber((apex) => fNumber(2 ** (apex / 2))),
  ExposureCompensation: withNumber(fraction),
  FocalLength: withNumber((mm) => `${mm.toFixed(1)} mm`),
  FocalLengthIn35mmFormat: withNumber((mm) => `${numberText(mm)} mm`),
  SubjectDistance: withNumber((m) => `${numberText(m)} m`),
  ExposureProgram: enumOf(EXPOSURE_PROGRAMS),
  MeteringMode: enumOf(METERING_MODES),
  LightSource: enumOf(LIGHT_SOURCES),
  Flash: enumOf(FLASH),
  ColorSpace: enumOf(COLOR_SPACES),
  SensingMethod: enumOf(SENSING_METHODS),
  SensitivityType: enumOf(SENSITIVITY_TYPES),
  FileSource: enumOf({ 1: 'Film Scanner', 2: 'Reflection Print Scanner', 3: 'Digital Camera' }),
  SceneType: enumOf({ 1: 'Directly photographed' }),
  CustomRendered: enumOf({ 0: 'Normal', 1: 'Custom' }),
  ExposureMode: enumOf({ 0: 'Auto', 1: 'Manual', 2: 'Auto bracket' }),
  WhiteBalance: enumOf({ 0: 'Auto', 1: 'Manual' }),
  SceneCaptureType: enumOf({ 0: 'Standard', 1: 'Landscape', 2: 'Portrait', 3: 'Night' }),
  GainControl: enumOf({ 0: 'None', 1: 'Low gain up', 2: 'High gain up', 3: 'Low gain down', 4: 'High gain down' }),
  Contrast: enumOf(NORMAL_LOW_HIGH),
  Saturation: enumOf(NORMAL_LOW_HIGH),
  Sharpness: enumOf({ 0: 'Normal', 1: 'Soft', 2: 'Hard' }),
  SubjectDistanceRange: enumOf({ 0: 'Unknown', 1: 'Macro', 2: 'Close', 3: 'Distant' }),
  ComponentsConfiguration: withNumbers((parts) => parts.map((part) => COMPONENTS[part] ?? String(part)).join(', ')),
  LensInfo: withNumbers(lensInfo),
  XPTitle: ucs2Text,
  XPComment: ucs2Text,
  XPAuthor: ucs2Text,
  XPKeywords: ucs2Text,
  XPSubject: ucs2Text,
  GPSVersionID: withNumbers((parts) => parts.join('.')),
  GPSLatitudeRef: enumOf(NORTH_SOUTH),
  GPSDestLatitudeRef: enumOf(NORTH_SOUTH),
  GPSLongitudeRef: enumOf(EAST_WEST),
  GPSDestLongitudeRef: enumOf(EAST_WEST),
  GPSLatitude: withNumbers(degreesText),
  GPSLongitude: withNumbers(degreesText),
  GPSDestLatitude: withNumbers(degreesText),
  GPSDestLongitude: withNumbers(degreesText),
  GPSAltitudeRef: enumOf({ 0: 'Above Sea Level', 1: 'Below Sea Level' }),
  GPSAltitude: withNumber((m) => `${numberText(m)} m`),
  GPSTimeStamp: withNumbers(timeStamp),
  GPSStatus: enumOf({ A: 'Measurement Active', V: 'Measurement Void' }),
  GPSMeasureMode: enumOf({ 2: '2-Dimensional Measurement', 3: '3-Dimensional Measurement' }),
  GPSSpeedRef: enumOf({ K: 'km/h', M: 'mph', N: 'knots' }),
  GPSTrackRef: enumOf(BEARING_REFS),
  GPSImgDirectionRef: enumOf(BEARING_REFS),
  GPSDestBearingRef: enumOf(BEARING_REFS),
  GPSDestDistanceRef: enumOf({ K: 'Kilometers', M: 'Miles', N: 'Nautical Miles' }),
  GPSDifferential: enumOf({ 0: 'No Correction', 1: 'Differential Corrected' }),
  GPSProcessingMethod: encodedText,
  GPSAreaInformation: encodedText,
  InteropIndex: enumOf({ R98: 'R98 - DCF basic file (sRGB)', R03: 'R03 - DCF option file (Adobe RGB)', THM: 'THM - DCF thumbnail file' }),
};

/** exifr's ICC value names where ExifTool's differ (exifr's are abridged from ExifTool's). */
const ICC_PRINT: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  ProfileClass: {
    Scanner: 'Input Device Profile',
    Monitor: 'Display Device Profile',
    Printer: 'Output Device Profile',
    'Device Link': 'DeviceLink Profile',
    Abstract: 'Abstract Profile',
    'Color Space Conversion Profile': 'ColorSpace Conversion Profile',
    'Named Color': 'NamedColor Profile',
  },
  RenderingIntent: { 'Relative Colorimetric': 'Media-Relative Colorimetric', 'Absolute Colorimetric': 'ICC-Absolute Colorimetric' },
  PrimaryPlatform: {
    'Apple Computer': 'Apple Computer Inc.',
    Microsoft: 'Microsoft Corporation',
    SGI: 'Silicon Graphics Inc.',
    SUNW: 'Sun Microsystems Inc.',
    TGNT: 'Taligent Inc.',
  },
};

/** exifr's IPTC names where ExifTool's differ. */
const IPTC_NAMES: Readonly<Record<string, string>> = {
  Byline: 'By-line',
  BylineTitle: 'By-lineTitle',
  Caption: 'Caption-Abstract',
  State: 'Province-State',
  CountryCode: 'Country-PrimaryLocationCode',
  Country: 'Country-PrimaryLocationName',
  Writer: 'Writer-Editor',
  Sublocation: 'Sub-location',
};

/** XMP properties ExifTool names differently from their local name. */
const XMP_NAMES: Readonly<Record<string, string>> = {
  PixelXDimension: 'ExifImageWidth',
  PixelYDimension: 'ExifImageHeight',
  ISOSpeedRatings: 'ISO',
  DateTimeDigitized: 'CreateDate',
  DateTime: 'ModifyDate',
  ExposureBiasValue: 'ExposureCompensation',
  ICCProfile: 'ICCProfileName',
};

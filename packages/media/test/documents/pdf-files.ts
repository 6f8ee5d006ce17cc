// PDFs written by the tests themselves: PDF is text syntax plus a table of byte offsets, so a few
// lines make any page count, page size or hostile structure without a PDF library.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deflateSync } from 'node:zlib';

const run = promisify(execFile);

/**
 * A PDF file of the given objects (bodies, numbered from 1 in order) with `trailer` entries beyond
 * /Size and /Root (object 1 is the catalog). Offsets are counted in bytes (latin1), as the xref needs.
 */
export function buildPdf(objects: (string | Buffer)[], trailer = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, index) => {
    offsets.push(length);
    const part = Buffer.concat([
      Buffer.from(`${index + 1} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(part);
    length += part.length;
  });
  const xref = [
    `xref\n0 ${objects.length + 1}\n`,
    '0000000000 65535 f \n',
    ...offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`),
  ].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer}>>\nstartxref\n${length}\n%%EOF\n`, 'latin1'));
  return Buffer.concat(parts);
}

/** A stream object's body: the dictionary entries and the (optionally deflated) data. */
export function stream(data: string | Buffer, entries = '', deflate = false): Buffer {
  const raw = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  const bytes = deflate ? deflateSync(raw) : raw;
  return Buffer.concat([
    Buffer.from(`<< /Length ${bytes.length}${deflate ? ' /Filter /FlateDecode' : ''} ${entries}>>\nstream\n`, 'latin1'),
    bytes,
    Buffer.from('\nendstream', 'latin1'),
  ]);
}

export type PagesOptions = {
  count?: number;
  /** Page size in points. */
  width?: number;
  height?: number;
  rotate?: number;
  /** Each page's content stream (shared by all pages); may use /F1 (Helvetica) and /X (see `xobject`). */
  content?: string | Buffer;
  deflate?: boolean;
  /** A form XObject's content, named /X in the page resources. */
  xobject?: string | Buffer;
  /** Extra catalog entries (object 1). */
  catalog?: string;
  /** Extra objects appended after the fixed ones (numbered from 6). */
  extra?: (string | Buffer)[];
  trailer?: string;
};

/**
 * Objects: 1 catalog, 2 pages, 3 font, 4 content, 5 form XObject, 6.. extra, then the page objects.
 */
export function pagesPdf(options: PagesOptions = {}): Buffer {
  const { count = 1, width = 612, height = 792, content = '', deflate = false, catalog = '', extra = [] } = options;
  const firstPage = 6 + extra.length;
  const kids = Array.from({ length: count }, (_, index) => `${firstPage + index} 0 R`).join(' ');
  const rotate = options.rotate === undefined ? '' : ` /Rotate ${options.rotate}`;
  const page = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}]${rotate} /Contents 4 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /X 5 0 R >> >> >>`;
  return buildPdf(
    [
      `<< /Type /Catalog /Pages 2 0 R ${catalog}>>`,
      `<< /Type /Pages /Count ${count} /Kids [${kids}] >>`,
      '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
      stream(content, '', deflate),
      stream(options.xobject ?? '', '/Type /XObject /Subtype /Form /BBox [0 0 1000 1000] /Resources << /Font << /F1 3 0 R >> >> ', deflate),
      ...extra,
      ...Array.from({ length: count }, () => page),
    ],
    options.trailer,
  );
}

/** A text line drawn with Helvetica at (x, y). Only ASCII without parentheses or backslashes. */
export const textAt = (text: string, x = 72, y = 700, size = 24): string => `BT /F1 ${size} Tf ${x} ${y} Td (${text}) Tj ET\n`;

/** `pdfinfo`'s page count and page-1 size (points, unrounded, rotation applied) for `path`. */
export async function pdfinfo(path: string): Promise<{ pages: number; width: number; height: number }> {
  const { stdout } = await run('pdfinfo', [path]);
  const field = (name: string) => new RegExp(`^${name}:\\s+(.+)$`, 'm').exec(stdout)?.[1] ?? '';
  const size = /^([\d.]+) x ([\d.]+) pts/.exec(field('Page size'));
  if (size === null) throw new Error(`pdfinfo gave no page size:\n${stdout}`);
  const [width, height] = [Number(size[1]), Number(size[2])];
  const rotated = Number(field('Page rot')) % 180 !== 0;
  return { pages: Number(field('Pages')), width: rotated ? height : width, height: rotated ? width : height };
}

/** `pdftotext`'s text of one page (1-based), UTF-8. */
export async function pdftotext(path: string, page: number): Promise<string> {
  const { stdout } = await run('pdftotext', ['-q', '-enc', 'UTF-8', '-f', String(page), '-l', String(page), path, '-'], { maxBuffer: 64 << 20 });
  return stdout;
}

/** Renders one page with `pdftoppm` to `<prefix>.png`, returns its path. */
export async function pdftoppm(path: string, page: number, density: number, prefix: string): Promise<string> {
  await run('pdftoppm', ['-r', String(density), '-f', String(page), '-l', String(page), '-png', '-singlefile', path, prefix]);
  return `${prefix}.png`;
}

/** Whitespace removed, so that two extractors' spacing and line breaks do not matter. */
export const squeeze = (text: string): string => text.replace(/\s+/g, '');

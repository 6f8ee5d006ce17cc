import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import sharp from 'sharp';
import { MediaError } from '../media-error.ts';
import { toMediaError } from '../sharp-errors.ts';
import { Deadline } from '../image-pipeline.ts';
import { assertCanvas, frameSizes, type ComposeLimits, type ComposedImage } from './compose-limits.ts';

/** JPEG quality of a page's picture: the PDF holds the JPEG as it is (DCTDecode). */
const PAGE_JPEG_QUALITY = 90;

/**
 * Writes one PDF page per frame, each page the frame's own size at 72 dpi (one point per pixel, the
 * density at which delivery renders a PDF page back: `pg_<n>` of the result gives the frame's size).
 * Pages are encoded and written one at a time, so only one frame is ever decoded. Transparency is
 * flattened on white, as a printed page would be.
 */
export async function writePdf(frames: readonly string[], outputPath: string, options: { limits: ComposeLimits }): Promise<ComposedImage> {
  const sizes = await frameSizes(frames);
  for (const size of sizes) assertCanvas(size, 1, options.limits, 'PDF page');
  const pixels = sizes.reduce((sum, size) => sum + size.width * size.height, 0);
  if (pixels > options.limits.maxOutputPixels) {
    throw new MediaError(
      'too_large',
      `PDF of ${frames.length} pages and ${pixels} pixels exceeds the maximum of ${options.limits.maxOutputPixels} pixels`,
    );
  }
  const deadline = new Deadline(options.limits.timeoutSeconds);
  const temporary = `${outputPath}.tmp`;
  const file = await open(temporary, 'w');
  try {
    const bytes = await writeDocument(new PdfWriter(file), frames, sizes, deadline);
    await file.close();
    await rename(temporary, outputPath);
    const first = sizes[0]!;
    return { width: first.width, height: first.height, pages: frames.length, bytes };
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Objects: 1 the catalog, 2 the page tree, then three per page (page, picture, content stream). */
async function writeDocument(
  pdf: PdfWriter,
  frames: readonly string[],
  sizes: readonly { width: number; height: number }[],
  deadline: Deadline,
): Promise<number> {
  const pageObject = (index: number) => 3 + index * 3;
  await pdf.raw('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n');
  await pdf.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  const kids = frames.map((_, index) => `${pageObject(index)} 0 R`).join(' ');
  await pdf.object(2, `<< /Type /Pages /Kids [${kids}] /Count ${frames.length} >>`);
  for (const [index, frame] of frames.entries()) {
    const { width, height } = sizes[index]!;
    const number = pageObject(index);
    await pdf.object(
      number,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources << /XObject << /Im0 ${number + 1} 0 R >> >> /Contents ${number + 2} 0 R >>`,
    );
    const jpeg = await pageJpeg(frame, deadline);
    await pdf.stream(
      number + 1,
      `/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode`,
      jpeg,
    );
    await pdf.stream(number + 2, '', Buffer.from(`q ${width} 0 0 ${height} 0 0 cm /Im0 Do Q`, 'latin1'));
  }
  return pdf.finish(1);
}

async function pageJpeg(frame: string, deadline: Deadline): Promise<Buffer> {
  try {
    return await sharp(frame, { limitInputPixels: false })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: PAGE_JPEG_QUALITY })
      .timeout({ seconds: deadline.secondsLeft() })
      .toBuffer();
  } catch (error) {
    throw toMediaError(error);
  }
}

/** A PDF written front to back: each object's offset is noted for the cross-reference table. */
class PdfWriter {
  private readonly file: FileHandle;
  private readonly offsets = new Map<number, number>();
  private position = 0;

  constructor(file: FileHandle) {
    this.file = file;
  }

  async raw(data: string | Buffer): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    await this.file.write(bytes);
    this.position += bytes.length;
  }

  async object(number: number, body: string): Promise<void> {
    this.offsets.set(number, this.position);
    await this.raw(`${number} 0 obj\n${body}\nendobj\n`);
  }

  async stream(number: number, dictionary: string, data: Buffer): Promise<void> {
    this.offsets.set(number, this.position);
    await this.raw(`${number} 0 obj\n<< ${dictionary} /Length ${data.length} >>\nstream\n`);
    await this.raw(data);
    await this.raw('\nendstream\nendobj\n');
  }

  /** The cross-reference table and trailer; returns the file's size. */
  async finish(root: number): Promise<number> {
    const count = Math.max(...this.offsets.keys()) + 1;
    const start = this.position;
    const rows = ['0000000000 65535 f \n'];
    for (let number = 1; number < count; number += 1) {
      const offset = this.offsets.get(number);
      rows.push(offset === undefined ? '0000000000 65535 f \n' : `${String(offset).padStart(10, '0')} 00000 n \n`);
    }
    await this.raw(`xref\n0 ${count}\n${rows.join('')}trailer\n<< /Size ${count} /Root ${root} 0 R >>\nstartxref\n${start}\n%%EOF\n`);
    return this.position;
  }
}

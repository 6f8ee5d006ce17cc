import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

// poppler-utils (installed by scripts/setup.sh) as the reference the document tests compare with.

const run = promisify(execFile);

/** What poppler's pdfinfo says of a PDF: its page count and page 1's size in points, rounded. */
export async function pdfinfo(path: string): Promise<{ pages: number; width: number; height: number }> {
  const { stdout } = await run('pdfinfo', [path]);
  const pages = /^Pages:\s+(\d+)$/m.exec(stdout);
  const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(stdout);
  if (!pages || !size) throw new Error(`unexpected pdfinfo output: ${stdout}`);
  return { pages: Number(pages[1]), width: Math.round(Number(size[1])), height: Math.round(Number(size[2])) };
}

/** poppler's own rendering of one page at `dpi` (pdftoppm), as PNG bytes. */
export async function popplerPage(path: string, page: number, dpi: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'pdftoppm-'));
  try {
    await run('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-png', '-singlefile', path, join(dir, 'page')]);
    return await readFile(join(dir, 'page.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * How alike two renderings of a page are: the difference of their mean luminance (0..255, flattened on
 * white) and the mean absolute difference of their 64-pixel-wide grey thumbnails. The same page of the
 * tracemonkey paper rendered by pdf.js and by poppler differs by under 1.5 in luminance and about 1 pixel
 * for pixel (4 once JPEG-compressed); two different pages differ by 1.4 to 4.5 and by more than 10.
 */
export async function renderingLikeness(ours: Buffer, theirs: Buffer): Promise<{ luminance: number; pixels: number }> {
  const grey = (bytes: Buffer) => sharp(bytes).flatten({ background: '#ffffff' }).greyscale();
  const mean = async (bytes: Buffer) => (await grey(bytes).stats()).channels[0]!.mean;
  const thumbnail = (bytes: Buffer) => grey(bytes).resize(64, 83, { fit: 'fill' }).raw().toBuffer();
  const [a, b] = await Promise.all([thumbnail(ours), thumbnail(theirs)]);
  let sum = 0;
  for (let index = 0; index < a.length; index += 1) sum += Math.abs(a[index]! - b[index]!);
  return { luminance: Math.abs((await mean(ours)) - (await mean(theirs))), pixels: sum / a.length };
}

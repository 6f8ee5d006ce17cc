import { join } from 'node:path';
import { mkdir, readdir } from 'node:fs/promises';
import { fixturePath } from '@rendition/testing';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS } from '../../src/index.ts';
import { useTempDir } from '../media-files.ts';
import { pagesPdf, pdfinfo, pdftoppm, pdftotext, squeeze, textAt } from './pdf-files.ts';

// The engine against poppler (pdfinfo, pdftotext, pdftoppm), the reference every Linux box has.
const temp = useTempDir();
const engine = createDocumentEngine({ ...DEFAULT_DOCUMENT_LIMITS, concurrency: 2 });
afterAll(() => engine.close());

const document = (name: string) => fixturePath(`documents/${name}`);
const FIXTURES = ['tracemonkey.pdf', 'TAMReview.pdf', 'basicapi.pdf', 'ArabicCIDTrueType.pdf', '160F-2019.pdf', 'alphatrans.pdf'];

/** For comparing two extractors: compatibility forms folded, bidi controls and whitespace dropped. */
const comparable = (text: string) => squeeze(text.normalize('NFKC').replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\f]/g, ''));

/**
 * The words of a text (letters and digits), line-end hyphenation undone: pdftotext joins "com-" +
 * "pile", pdf.js keeps the line as drawn.
 */
const words = (text: string) =>
  text
    .normalize('NFKC')
    .replace(/[-\u00ad]\n/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');

/**
 * How much two word lists share, as a multiset, over the longer one. Order is left out: pdftotext
 * reorders a page by its layout analysis (columns, floats), pdf.js keeps the order of the content.
 */
function shared(a: string[], b: string[]): number {
  const counts = new Map<string, number>();
  for (const word of a) counts.set(word, (counts.get(word) ?? 0) + 1);
  let common = 0;
  for (const word of b) {
    const count = counts.get(word) ?? 0;
    if (count > 0) {
      common += 1;
      counts.set(word, count - 1);
    }
  }
  return common / Math.max(a.length, b.length, 1);
}

describe('probePdf', () => {
  it.each(FIXTURES)('%s: page count and page-1 size as pdfinfo reports them', async (name) => {
    const [facts, reference] = await Promise.all([engine.probePdf(document(name)), pdfinfo(document(name))]);
    expect(facts).toEqual({ pages: reference.pages, width: Math.round(reference.width), height: Math.round(reference.height) });
  });

  it('reports a rotated page with width and height swapped, as displayed', async () => {
    const path = await temp.file('rotated.pdf', pagesPdf({ width: 300, height: 500, rotate: 90, count: 2 }));
    const reference = await pdfinfo(path);
    expect(await engine.probePdf(path)).toEqual({ pages: 2, width: 500, height: 300 });
    expect(reference).toEqual({ pages: 2, width: 500, height: 300 });
  });

  it('runs operations side by side on the pool', async () => {
    const results = await Promise.all(FIXTURES.map((name) => engine.probePdf(document(name))));
    expect(results.map((facts) => facts.pages)).toEqual([14, 23, 3, 1, 1, 1]);
  });
});

describe('extractText', () => {
  it('returns every page of tracemonkey.pdf, numbered from 1, with its text', async () => {
    const pages = await engine.extractText(document('tracemonkey.pdf'));
    expect(pages.map((page) => page.page)).toEqual(Array.from({ length: 14 }, (_, index) => index + 1));
    expect(pages[0]?.text).toContain('Trace-based Just-in-Time Type Specialization for Dynamic');
    expect(pages[0]?.text).toContain('Andreas Gal');
    expect(pages[3]?.text).toContain('Trace Trees');
    expect(pages[13]?.text).toContain('LuaJIT roadmap 2008');
    // Lines end where pdf.js marks the end of a line.
    expect(pages[0]?.text.split('\n')[0]).toBe('Trace-based Just-in-Time Type Specialization for Dynamic');
  });

  // (TAMReview's pages 2-22 use a font with neither a standard encoding nor a ToUnicode map: both
  // extractors produce different gibberish there, so its first and last pages are compared.)
  it.each([
    ['tracemonkey.pdf', 1],
    ['tracemonkey.pdf', 9],
    ['TAMReview.pdf', 1],
    ['TAMReview.pdf', 23],
    ['basicapi.pdf', 2],
    ['160F-2019.pdf', 1],
    ['alphatrans.pdf', 1],
  ])('%s page %i: the words pdftotext finds', async (name, page) => {
    const [pages, reference] = await Promise.all([engine.extractText(document(name)), pdftotext(document(name), page)]);
    const ours = words(pages[page - 1]?.text ?? '');
    expect(ours.length).toBeGreaterThan(3);
    expect(shared(ours, words(reference))).toBeGreaterThanOrEqual(0.97);
  });

  it('basicapi.pdf page 1: the same characters in the same order as pdftotext', async () => {
    const [pages, reference] = await Promise.all([engine.extractText(document('basicapi.pdf')), pdftotext(document('basicapi.pdf'), 1)]);
    expect(comparable(pages[0]?.text ?? '')).toBe(comparable(reference));
  });

  it('reads the Arabic CID TrueType fixture in reading order, like pdftotext (the CMaps come from pdfjs-dist)', async () => {
    const [pages, reference] = await Promise.all([
      engine.extractText(document('ArabicCIDTrueType.pdf')),
      pdftotext(document('ArabicCIDTrueType.pdf'), 1),
    ]);
    expect(pages).toHaveLength(1);
    expect(comparable(pages[0]?.text ?? '')).toBe(comparable(reference));
    expect(pages[0]?.text.normalize('NFKC').split('\n')[0]).toBe('انواع الخطوط العربية');
  });

  it('gives a page without a text layer an empty string', async () => {
    const path = await temp.file('blank-and-text.pdf', pagesPdf({ count: 1, content: textAt('Only page') }));
    const blank = await temp.file('blank.pdf', pagesPdf({ count: 3 }));
    expect(await engine.extractText(path)).toEqual([{ page: 1, text: 'Only page' }]);
    expect(await engine.extractText(blank)).toEqual([
      { page: 1, text: '' },
      { page: 2, text: '' },
      { page: 3, text: '' },
    ]);
  });
});

describe('renderPdfPage', () => {
  /** Grey mean of the whole image, and the mean absolute difference of two images shrunk to 32x32 grey. */
  const grey = (path: string) => sharp(path).flatten({ background: '#ffffff' }).greyscale();
  const mean = async (path: string) => (await grey(path).stats()).channels[0]?.mean ?? Number.NaN;
  async function difference(a: string, b: string): Promise<number> {
    const [x, y] = await Promise.all([a, b].map((path) => grey(path).resize(32, 32, { fit: 'fill' }).raw().toBuffer()));
    let sum = 0;
    for (let index = 0; index < (x as Buffer).length; index += 1) sum += Math.abs((x as Buffer)[index]! - (y as Buffer)[index]!);
    return sum / (x as Buffer).length;
  }

  it.each([
    ['tracemonkey.pdf', 1, 50],
    ['tracemonkey.pdf', 4, 72],
    ['TAMReview.pdf', 1, 72],
    ['basicapi.pdf', 2, 60],
    ['ArabicCIDTrueType.pdf', 1, 72],
    ['160F-2019.pdf', 1, 72],
    ['alphatrans.pdf', 1, 100],
  ])('%s page %i at %i dpi: the size and look of pdftoppm’s rendering', async (name, page, density) => {
    const output = join(temp.path, `${name}-${page}.png`);
    const [size, info, reference] = await Promise.all([
      engine.renderPdfPage(document(name), output, { page, density }),
      pdfinfo(document(name)),
      pdftoppm(document(name), page, density, join(temp.path, `reference-${name}-${page}`)),
    ]);
    // Every page of these fixtures has page 1's size.
    expect(size).toEqual({ width: Math.round((info.width * density) / 72), height: Math.round((info.height * density) / 72) });
    const [written, expected] = await Promise.all([sharp(output).metadata(), sharp(reference).metadata()]);
    expect(written).toMatchObject({ format: 'png', width: size.width, height: size.height });
    expect(Math.abs(size.width - (expected.width ?? 0))).toBeLessThanOrEqual(1);
    expect(Math.abs(size.height - (expected.height ?? 0))).toBeLessThanOrEqual(1);
    expect(Math.abs((await mean(output)) - (await mean(reference)))).toBeLessThan(4);
    expect(await difference(output, reference)).toBeLessThan(6);
  });

  it('renders a rotated page as displayed, and leaves no temporary file', async () => {
    const path = await temp.file('rotated-text.pdf', pagesPdf({ width: 300, height: 500, rotate: 90, content: textAt('Rotated', 20, 450, 30) }));
    const output = join(temp.path, 'rotated-out', 'page.png');
    await mkdir(join(temp.path, 'rotated-out'));
    expect(await engine.renderPdfPage(path, output, { page: 1, density: 144 })).toEqual({ width: 1000, height: 600 });
    expect(await readdir(join(temp.path, 'rotated-out'))).toEqual(['page.png']);
    const reference = await pdftoppm(path, 1, 144, join(temp.path, 'rotated-reference'));
    expect(await difference(output, reference)).toBeLessThan(6);
  });

  it('refuses a page beyond the last one', async () => {
    await expect(engine.renderPdfPage(document('basicapi.pdf'), join(temp.path, 'none.png'), { page: 4, density: 72 })).rejects.toMatchObject({
      name: 'MediaError',
      kind: 'unsupported',
      message: 'Invalid page 4: the document has 3 pages',
    });
  });
});

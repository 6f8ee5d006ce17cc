// The pdf.js work itself. Loaded only inside a PDF runner (a child process started through
// pdf-runner.ts), never in the caller's process: whatever a hostile file makes pdf.js do stays there.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import { getDocument, normalizeUnicode, VerbosityLevel } from 'pdfjs-dist/legacy/build/pdf.mjs';
import type { PDFDocumentLoadingTask, PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { MediaError } from '../media-error.ts';
import type { PageText, PdfFacts } from './document-engine.ts';
import { pageText } from './page-text.ts';
import type { TextPiece } from './page-text.ts';
import type { RunnerRequest, RunnerSettings } from './runner-protocol.ts';

// In Node, pdf.js runs its parser ("worker") in the same thread. Loading the parser module now,
// when the runner starts, keeps that cost out of the first operation; pdf.js finds it on
// globalThis.pdfjsWorker instead of importing GlobalWorkerOptions.workerSrc.
const PARSER_MODULE = import.meta.resolve('pdfjs-dist/legacy/build/pdf.worker.mjs');
(globalThis as { pdfjsWorker?: unknown }).pdfjsWorker = await import(PARSER_MODULE);

/** The package's own data files (local paths, read with fs; pdf.js never fetches anything). */
const PDFJS_ROOT = fileURLToPath(new URL('../../', PARSER_MODULE));
const PDFJS_DATA = {
  standardFontDataUrl: `${PDFJS_ROOT}standard_fonts/`,
  cMapUrl: `${PDFJS_ROOT}cmaps/`,
  wasmUrl: `${PDFJS_ROOT}wasm/`,
  iccUrl: `${PDFJS_ROOT}iccs/`,
};

type RenderedPage = { width: number; height: number };
/** pdf.js types its canvas as the DOM's; in Node it draws on @napi-rs/canvas (its NodeCanvasFactory's own choice). */
type PdfCanvas = Parameters<PDFPageProxy['render']>[0]['canvas'];

export async function perform(request: RunnerRequest, settings: RunnerSettings): Promise<PdfFacts | PageText[] | RenderedPage> {
  switch (request.op) {
    case 'probe':
      return withPdf(request.path, settings, probe);
    case 'text':
      return withPdf(request.path, settings, extractText);
    case 'render':
      return withPdf(request.path, settings, (pdf) => render(pdf, request, settings));
  }
}

/** Opens the file, checks the page count against the limit, runs `work`, and always destroys the document. */
async function withPdf<T>(path: string, settings: RunnerSettings, work: (pdf: PDFDocumentProxy) => Promise<T>): Promise<T> {
  const file = await readFile(path); // an fs error is ours, not the file's: it stays a plain Error
  // A plain Uint8Array over the Buffer's own memory: pdf.js takes it as is (a Buffer it would copy).
  const data = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  let task: PDFDocumentLoadingTask | undefined;
  try {
    task = getDocument({
      data,
      ...PDFJS_DATA,
      cMapPacked: true,
      // No font is handed to a browser-style FontFace and no system font is looked up: glyphs are
      // drawn from the file's own fonts or pdf.js's standard font data. (pdf.js 6 has no eval path
      // at all, so the isEvalSupported switch of CVE-2024-4367 no longer exists.)
      disableFontFace: true,
      useSystemFonts: false,
      useWorkerFetch: false,
      isOffscreenCanvasSupported: false,
      isImageDecoderSupported: false,
      enableXfa: false,
      // An embedded image larger than a whole rendered page is skipped rather than decoded.
      maxImageSize: settings.maxRenderPixels,
      verbosity: VerbosityLevel.ERRORS,
    });
    const pdf = await pdfCall(task.promise);
    if (pdf.numPages > settings.maxPages) {
      throw new MediaError('too_large', `The PDF document has ${pdf.numPages} pages, more than the limit of ${settings.maxPages}`);
    }
    if (pdf.numPages < 1) throw new MediaError('corrupt', 'The PDF document has no pages');
    return await work(pdf);
  } finally {
    await task?.destroy();
  }
}

async function probe(pdf: PDFDocumentProxy): Promise<PdfFacts> {
  const page = await pdfCall(pdf.getPage(1));
  const viewport = page.getViewport({ scale: 1 }); // the crop box, after /Rotate
  return { pages: pdf.numPages, width: Math.round(viewport.width), height: Math.round(viewport.height) };
}

/** Every page's text, page by page (page-text.ts puts it together). */
async function extractText(pdf: PDFDocumentProxy): Promise<PageText[]> {
  const pages: PageText[] = [];
  for (let number = 1; number <= pdf.numPages; number += 1) {
    const page = await pdfCall(pdf.getPage(number));
    // Normalised by pageText once the items are in reading order.
    const content = await pdfCall(page.getTextContent({ disableNormalization: true }));
    const items = content.items.filter((item): item is TextPiece & typeof item => 'str' in item); // marked-content markers carry no text
    pages.push({ page: number, text: pageText(items, normalizeUnicode) });
    page.cleanup();
  }
  return pages;
}

async function render(pdf: PDFDocumentProxy, request: Extract<RunnerRequest, { op: 'render' }>, settings: RunnerSettings): Promise<RenderedPage> {
  if (request.page > pdf.numPages) {
    const pages = pdf.numPages === 1 ? '1 page' : `${pdf.numPages} pages`;
    throw new MediaError('unsupported', `Invalid page ${request.page}: the document has ${pages}`);
  }
  const page = await pdfCall(pdf.getPage(request.page));
  const viewport = page.getViewport({ scale: request.density / 72 });
  const width = Math.max(1, Math.round(viewport.width));
  const height = Math.max(1, Math.round(viewport.height));
  if (width * height > settings.maxRenderPixels) {
    throw new MediaError('too_large', `The page would render at ${width}x${height} pixels, more than the limit of ${settings.maxRenderPixels}`);
  }
  const canvas = createCanvas(width, height);
  try {
    // pdf.js fills the page white first, as a viewer (and pdftoppm) shows it.
    await pdfCall(page.render({ canvas: canvas as unknown as PdfCanvas, viewport }).promise);
    const png = await canvas.encode('png');
    await writeFile(request.output, png);
    return { width, height };
  } finally {
    page.cleanup();
    // Give the pixel buffer back now rather than when the garbage collector finds the canvas.
    canvas.width = 1;
    canvas.height = 1;
  }
}

/**
 * A pdf.js promise, its rejection turned into what the client may be told. pdf.js reports a file it
 * cannot parse as InvalidPDFException and a parse failure deeper in as a FormatError or an
 * UnknownErrorException carrying the parser's text; all of them are the file's fault.
 */
async function pdfCall<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw pdfError(error);
  }
}

export function pdfError(error: unknown): unknown {
  if (error instanceof MediaError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'PasswordException') return new MediaError('unsupported', 'Encrypted PDF documents are not supported', { cause: error });
  if (/allocation failed|invalid (typed )?array length/i.test(message)) {
    return new MediaError('too_large', 'The PDF document needs more memory than allowed', { cause: error });
  }
  if (name === 'InvalidPDFException') return new MediaError('corrupt', 'The file is not a readable PDF document', { cause: error });
  return new MediaError('corrupt', 'The PDF document could not be read', { cause: error });
}

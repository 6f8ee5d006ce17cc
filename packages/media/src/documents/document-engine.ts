import { randomUUID } from 'node:crypto';
import { getCompileCacheDir } from 'node:module';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RunnerPool } from './runner-pool.ts';
import type { RunnerRequest, RunnerSettings } from './runner-protocol.ts';

export interface DocumentLimits {
  /** A PDF with more pages is refused (MediaError 'too_large'). */
  maxPages: number;
  /** Largest pixel count of one rendered page (width*height after density); over it: MediaError 'too_large', before rendering. */
  maxRenderPixels: number;
  /** Per operation; past it the work is killed: MediaError 'timeout'. */
  timeoutMs: number;
  /** Heap cap of the isolated runner (MB); exceeding it kills only the runner: MediaError 'too_large'. */
  memoryMb: number;
  /** Runners kept (pool size). */
  concurrency: number;
}

/** Page 1's size in PDF points (1/72 inch), rounded, after /Rotate; and the page count. */
export interface PdfFacts {
  pages: number;
  width: number;
  height: number;
}

/** One page's text; pages are numbered from 1. */
export interface PageText {
  page: number;
  text: string;
}

export interface DocumentEngine {
  probePdf(path: string): Promise<PdfFacts>;
  extractText(path: string): Promise<PageText[]>;
  /** Renders page `page` (1-based) at `density` dpi (72 = one pixel per point) to a PNG written at outputPath. */
  renderPdfPage(path: string, outputPath: string, options: { page: number; density: number }): Promise<{ width: number; height: number }>;
  close(): Promise<void>;
}

export const DEFAULT_DOCUMENT_LIMITS: DocumentLimits = Object.freeze({
  maxPages: 2000,
  maxRenderPixels: 50_000_000,
  timeoutMs: 60_000,
  memoryMb: 512,
  concurrency: 2,
});

/** Highest density taken; the pixel limit is what really bounds a render, this only refuses nonsense. */
const MAX_DENSITY = 10_000;

/**
 * The PDF operations, each run by pdf.js in a pool of runner processes (runner-pool.ts) with a heap
 * cap and a timeout, so a hostile file can neither block the caller's event loop nor take its process
 * down. Errors: MediaError 'corrupt' (not a PDF, truncated, unreadable), 'unsupported' (encrypted; a
 * page beyond the last), 'too_large' (maxPages, maxRenderPixels, the heap cap), 'timeout'; anything
 * else (the file missing, a bug) is a plain Error.
 */
export function createDocumentEngine(limits: DocumentLimits): DocumentEngine {
  assertDocumentLimits(limits);
  const settings: RunnerSettings = { maxPages: limits.maxPages, maxRenderPixels: limits.maxRenderPixels, compileCacheDir: getCompileCacheDir() };
  const pool = new RunnerPool({
    entry: new URL('./pdf-runner.ts', import.meta.url),
    size: limits.concurrency,
    memoryMb: limits.memoryMb,
    settings,
  });
  const run = <T>(request: RunnerRequest, onAbandoned?: () => Promise<void>): Promise<T> =>
    pool.run<T>(request, onAbandoned === undefined ? { timeoutMs: limits.timeoutMs } : { timeoutMs: limits.timeoutMs, onAbandoned });

  return {
    probePdf: (path) => run<PdfFacts>({ op: 'probe', path }),
    extractText: (path) => run<PageText[]>({ op: 'text', path }),
    async renderPdfPage(path, outputPath, { page, density }) {
      if (!Number.isSafeInteger(page) || page < 1) throw new TypeError(`page must be a positive integer, got ${page}`);
      if (!Number.isFinite(density) || density <= 0 || density > MAX_DENSITY) {
        throw new TypeError(`density must be a number above 0 and at most ${MAX_DENSITY}, got ${density}`);
      }
      // The runner writes a temporary file next to the output; it appears under its name complete or not at all.
      const temporary = join(dirname(outputPath), `.${basename(outputPath)}.${randomUUID()}.tmp`);
      const removeTemporary = () => rm(temporary, { force: true });
      try {
        const size = await run<{ width: number; height: number }>({ op: 'render', path, output: temporary, page, density }, removeTemporary);
        await rename(temporary, outputPath);
        return size;
      } catch (error) {
        await removeTemporary();
        throw error;
      }
    },
    close: () => pool.close(),
  };
}

function assertDocumentLimits(limits: DocumentLimits): void {
  for (const name of ['maxPages', 'maxRenderPixels', 'timeoutMs', 'memoryMb', 'concurrency'] as const) {
    if (!Number.isSafeInteger(limits[name]) || limits[name] < 1) throw new TypeError(`${name} must be a positive integer, got ${limits[name]}`);
  }
}

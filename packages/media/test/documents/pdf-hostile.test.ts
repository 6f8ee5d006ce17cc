import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturePath } from '@rendition/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS, MediaError } from '../../src/index.ts';
import type { DocumentEngine } from '../../src/index.ts';
import { noise, useTempDir } from '../media-files.ts';
import { pagesPdf, textAt } from './pdf-files.ts';

// Each hostile file gets a clear MediaError, and the same engine probes a good file afterwards: the
// runner that failed (or was killed) is replaced and the calling process is untouched.
const temp = useTempDir();
const limits = { ...DEFAULT_DOCUMENT_LIMITS, maxPages: 5000, timeoutMs: 4000, concurrency: 1 };
const engine = createDocumentEngine(limits);
const engines: DocumentEngine[] = [engine];
afterAll(() => Promise.all(engines.map((each) => each.close())));

const good = fixturePath('documents/basicapi.pdf');
async function stillWorks(on: DocumentEngine = engine): Promise<void> {
  expect(await on.probePdf(good)).toEqual({ pages: 3, width: 595, height: 842 });
}
const failure = (work: Promise<unknown>) =>
  work.then(
    () => expect.fail('expected a MediaError'),
    (error: unknown) => error,
  );

describe('hostile PDFs', () => {
  it('a truncated PDF (the first half of a fixture) is corrupt', async () => {
    const bytes = await readFile(fixturePath('documents/tracemonkey.pdf'));
    const path = await temp.file('truncated.pdf', bytes.subarray(0, bytes.length >> 1));
    for (const operation of [
      engine.probePdf(path),
      engine.extractText(path),
      engine.renderPdfPage(path, join(temp.path, 't.png'), { page: 1, density: 72 }),
    ]) {
      const error = await failure(operation);
      expect(error).toBeInstanceOf(MediaError);
      expect(error).toMatchObject({ kind: 'corrupt', message: 'The file is not a readable PDF document' });
    }
    await stillWorks();
  });

  it('bytes that are no PDF at all are corrupt', async () => {
    const path = await temp.file('noise.pdf', noise(20_000));
    expect(await failure(engine.probePdf(path))).toMatchObject({ name: 'MediaError', kind: 'corrupt' });
    const text = await temp.file('text.pdf', 'hello, I am not a PDF\n'.repeat(100));
    expect(await failure(engine.extractText(text))).toMatchObject({ name: 'MediaError', kind: 'corrupt' });
    await stillWorks();
  });

  it('an encrypted PDF (a user password) is unsupported, whichever operation', async () => {
    // Standard security handler, revision 2: /U that no empty password produces, so a password is needed.
    const encrypt = `<< /Filter /Standard /V 1 /R 2 /Length 40 /O <${'ab'.repeat(32)}> /U <${'cd'.repeat(32)}> /P -4 >>`;
    const id = `<${'01'.repeat(16)}>`;
    const path = await temp.file(
      'encrypted.pdf',
      pagesPdf({ content: textAt('Secret'), extra: [encrypt], trailer: `/Encrypt 6 0 R /ID [${id} ${id}] ` }),
    );
    for (const operation of [
      engine.probePdf(path),
      engine.extractText(path),
      engine.renderPdfPage(path, join(temp.path, 'e.png'), { page: 1, density: 72 }),
    ]) {
      const error = await failure(operation);
      expect(error).toBeInstanceOf(MediaError);
      expect(error).toMatchObject({ kind: 'unsupported', message: 'Encrypted PDF documents are not supported' });
    }
    await stillWorks();
  });

  it('JavaScript in a PDF is ignored: the text comes out and nothing runs or calls out', async () => {
    const requests: string[] = [];
    const server = createServer((request, response) => {
      requests.push(request.url ?? '');
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const script = `app.launchURL('${url}/launch'); this.submitForm('${url}/submit'); while (true) {}`;
      const path = await temp.file(
        'javascript.pdf',
        pagesPdf({
          content: textAt('Text beside a script'),
          catalog: `/OpenAction << /S /JavaScript /JS (${script}) >> /Names << /JavaScript << /Names [(a) 6 0 R] >> >> /AA << /WC 6 0 R >> `,
          extra: [`<< /S /JavaScript /JS (${script}) /Next << /S /URI /URI (${url}/uri) >> >>`],
        }),
      );
      expect(await engine.extractText(path)).toEqual([{ page: 1, text: 'Text beside a script' }]);
      expect(await engine.probePdf(path)).toEqual({ pages: 1, width: 612, height: 792 });
      expect(await engine.renderPdfPage(path, join(temp.path, 'javascript.png'), { page: 1, density: 36 })).toEqual({ width: 306, height: 396 });
      expect(requests).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('10,000 pages: too_large over maxPages, before any page is read; probed quickly under a higher limit', async () => {
    const path = await temp.file('many-pages.pdf', pagesPdf({ count: 10_000 }));
    const started = performance.now();
    const error = await failure(engine.extractText(path));
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'too_large', message: 'The PDF document has 10000 pages, more than the limit of 5000' });
    expect(performance.now() - started).toBeLessThan(3000);
    await stillWorks();

    const roomy = createDocumentEngine({ ...limits, maxPages: 20_000, timeoutMs: 20_000 });
    engines.push(roomy);
    const probed = performance.now();
    expect(await roomy.probePdf(path)).toEqual({ pages: 10_000, width: 612, height: 792 });
    expect(performance.now() - probed).toBeLessThan(5000);
  });

  it('a page of 100,000 x 100,000 points is too_large to render, refused before a canvas is made', async () => {
    const path = await temp.file('huge-page.pdf', pagesPdf({ width: 100_000, height: 100_000, content: textAt('Huge') }));
    expect(await engine.probePdf(path)).toEqual({ pages: 1, width: 100_000, height: 100_000 });
    const started = performance.now();
    const error = await failure(engine.renderPdfPage(path, join(temp.path, 'huge.png'), { page: 1, density: 72 }));
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'too_large', message: 'The page would render at 100000x100000 pixels, more than the limit of 50000000' });
    expect(performance.now() - started).toBeLessThan(2000);
    // The limit counts pixels after density: the same page at 1 dpi is 1389 x 1389.
    expect(await engine.renderPdfPage(path, join(temp.path, 'huge.png'), { page: 1, density: 1 })).toEqual({ width: 1389, height: 1389 });
    await stillWorks();
  });

  it('an operation past timeoutMs is killed: timeout, no temporary file left, and the next call works', async () => {
    // 2,000 draws of a form with 2,000 strokes: millions of operations, many seconds of rendering.
    const path = await temp.file(
      'slow.pdf',
      pagesPdf({ content: '/X Do\n'.repeat(2000), xobject: 'q 0 0 m 1000 1000 l S Q\n'.repeat(2000), deflate: true }),
    );
    const before = await readdir(temp.path);
    const started = performance.now();
    const error = await failure(engine.renderPdfPage(path, join(temp.path, 'slow.png'), { page: 1, density: 72 }));
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'timeout', message: 'Document processing took too long' });
    expect(performance.now() - started).toBeLessThan(limits.timeoutMs + 1500);
    await stillWorks();
    expect(await readdir(temp.path)).toEqual(before);
  });

  it('a 1 ms timeout fails a big render with timeout', async () => {
    const hasty = createDocumentEngine({ ...limits, timeoutMs: 1 });
    engines.push(hasty);
    const error = await failure(hasty.renderPdfPage(fixturePath('documents/tracemonkey.pdf'), join(temp.path, 'hasty.png'), { page: 1, density: 300 }));
    expect(error).toMatchObject({ name: 'MediaError', kind: 'timeout' });
    await stillWorks();
  });

  it('a runner that exhausts its heap cap fails with too_large and only that runner dies', async () => {
    // A deflated content stream holding one 30-million-character string: pdf.js's lexer builds it in memory.
    const path = await temp.file('heap-bomb.pdf', pagesPdf({ content: `(${'a'.repeat(30_000_000)}) Tj`, deflate: true }));
    const small = createDocumentEngine({ ...limits, memoryMb: 64, timeoutMs: 30_000 });
    engines.push(small);
    const error = await failure(small.extractText(path));
    expect(error).toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ kind: 'too_large', message: 'The document needs more memory than allowed' });
    await stillWorks(small);
  }, 40_000);

  it('a missing file is our fault, not the client’s: a plain Error with its code', async () => {
    const error = await failure(engine.probePdf(join(temp.path, 'absent.pdf')));
    expect(error).not.toBeInstanceOf(MediaError);
    expect(error).toMatchObject({ code: 'ENOENT' });
  });

  it('a closed engine refuses work', async () => {
    const closing = createDocumentEngine(limits);
    await stillWorks(closing);
    await closing.close();
    await expect(closing.probePdf(good)).rejects.toThrow('The document engine is closed');
  });
});

describe('limits', () => {
  it('are checked when the engine is made', () => {
    expect(() => createDocumentEngine({ ...limits, maxPages: 0 })).toThrow(TypeError);
    expect(() => createDocumentEngine({ ...limits, timeoutMs: 1.5 })).toThrow(TypeError);
  });

  it('page and density are checked before anything runs', async () => {
    await expect(engine.renderPdfPage(good, join(temp.path, 'x.png'), { page: 0, density: 72 })).rejects.toThrow(TypeError);
    await expect(engine.renderPdfPage(good, join(temp.path, 'x.png'), { page: 1, density: Number.NaN })).rejects.toThrow(TypeError);
  });
});

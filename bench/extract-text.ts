/**
 * Documents: pages per second through the whole pipeline (async uploads with raw_convert=extract_text,
 * timed to each conversion's notification) against poppler's `pdftotext` on the same files, and page
 * renders per second (delivery of `pg_N/….png` at 72 dpi, first hits) against `pdftoppm`, all in the
 * same run on the same machine. Not part of `npm run bench`: `node bench/extract-text.ts`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createDocumentEngine, DEFAULT_DOCUMENT_LIMITS } from '@rendition/media';
import { fixturePath } from '@rendition/testing';
import { startBenchCluster } from './lib/bench-cluster.ts';
import { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { pool } from './lib/pool.ts';
import { fixed } from './lib/stats.ts';
import { startArrivalReceiver } from './lib/webhook-arrivals.ts';

const ROUNDS = envInt('BENCH_DOCUMENT_ROUNDS', 3, 1, 50);
const RENDERS = envInt('BENCH_DOCUMENT_RENDERS', 24, 1, 500);
const DOCUMENTS = ['tracemonkey.pdf', 'TAMReview.pdf', 'basicapi.pdf', 'ArabicCIDTrueType.pdf', '160F-2019.pdf', 'alphatrans.pdf'];
const run = promisify(execFile);

const cleanup = new Cleanup('extract-text', 15 * 60_000);
try {
  await main();
} finally {
  await cleanup.run();
}
process.exit(process.exitCode ?? 0);

async function pageCount(path: string): Promise<number> {
  const { stdout } = await run('pdfinfo', [path]);
  return Number(/^Pages:\s+(\d+)/m.exec(stdout)?.[1] ?? Number.NaN);
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const cores = cpus().length;
  const files = await Promise.all(
    DOCUMENTS.map(async (name) => {
      const path = fixturePath(`documents/${name}`);
      return { name, path, bytes: await readFile(path), pages: await pageCount(path) };
    }),
  );
  const pagesPerRound = files.reduce((sum, file) => sum + file.pages, 0);
  console.log(
    `extract-text: ${cores} CPU(s), Node ${process.version}, ${files.length} PDFs (${pagesPerRound} pages) x ${ROUNDS} round(s), ` +
      `${RENDERS} page renders; DOCUMENT_THREADS and WORKER_CONCURRENCY_DOCUMENTS from the environment (defaults 2 and 2)`,
  );

  // Reference: pdftotext on every file of a round, one process at a time (the issue's reference: the
  // pipeline must use the cores to beat it), and as many at once as there are cores (all cores each).
  const referenceJobs = () => Array.from({ length: ROUNDS }, () => files.map((file) => () => run('pdftotext', [file.path, '-']))).flat();
  let started = performance.now();
  await pool(referenceJobs(), 1);
  const pdftotextRate = (pagesPerRound * ROUNDS) / ((performance.now() - started) / 1000);
  started = performance.now();
  await pool(referenceJobs(), cores);
  const pdftotextParallelRate = (pagesPerRound * ROUNDS) / ((performance.now() - started) / 1000);

  // Floor: the document engine alone (pdf.js in the same runner processes the workers use, as many as
  // DOCUMENT_THREADS), on the same files, no upload, storage, catalog or notification around it.
  const threads = envInt('DOCUMENT_THREADS', DEFAULT_DOCUMENT_LIMITS.concurrency, 1, 64);
  const engine = createDocumentEngine({ ...DEFAULT_DOCUMENT_LIMITS, concurrency: threads });
  cleanup.add('document engine', () => engine.close());
  await Promise.all(files.map((file) => engine.extractText(file.path)));
  started = performance.now();
  await Promise.all(Array.from({ length: ROUNDS }, () => files.map((file) => engine.extractText(file.path))).flat());
  const engineRate = (pagesPerRound * ROUNDS) / ((performance.now() - started) / 1000);
  await engine.close();

  const env = Object.fromEntries(
    ['DOCUMENT_THREADS', 'DOCUMENT_TIMEOUT_MS'].filter((name) => process.env[name] !== undefined).map((name) => [name, String(process.env[name])]),
  );
  const bench = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32', ...env }, ['api', 'worker']);
  cleanup.add('rendition', () => bench.stop());
  const { url, arrivals } = await startArrivalReceiver(cleanup);
  const auth = `Basic ${Buffer.from(`${bench.credentials.apiKey}:${bench.credentials.apiSecret}`).toString('base64')}`;

  const uploadOne = async (file: (typeof files)[number], index: number): Promise<void> => {
    const path = `/doc-${index}`;
    const notified = new Promise<string>((resolve) => arrivals.set(path, (_at, body) => resolve(body)));
    const form = new FormData();
    form.append('file', new Blob([file.bytes]), file.name);
    form.append('raw_convert', 'extract_text');
    form.append('async', 'true');
    form.append('notification_url', `${url}${path}`);
    const response = await fetch(`${bench.baseUrl}/v1_1/${bench.cloud}/image/upload`, { method: 'POST', body: form, headers: { authorization: auth } });
    if (response.status !== 200) throw new Error(`upload of ${file.name} answered ${response.status}: ${await response.text()}`);
    const body = JSON.parse(await notified) as { info?: { raw_convert?: { extract_text?: { status?: string } } } };
    if (body.info?.raw_convert?.extract_text?.status !== 'complete') throw new Error(`${file.name}: ${JSON.stringify(body.info)}`);
  };
  // Warm-up: one of each (threads started, modules compiled).
  await Promise.all(files.map((file, index) => uploadOne(file, -1 - index)));
  started = performance.now();
  await Promise.all(Array.from({ length: ROUNDS }, (_, round) => files.map((file, index) => uploadOne(file, round * 100 + index))).flat());
  const pipelineSeconds = (performance.now() - started) / 1000;
  const pipelineRate = (pagesPerRound * ROUNDS) / pipelineSeconds;

  // Page renders: distinct pages of tracemonkey as PNG at 72 dpi, first hits (each a derive job).
  const tracemonkey = files[0] as (typeof files)[number];
  const renders = Array.from({ length: RENDERS }, (_, index) => ({
    page: (index % tracemonkey.pages) + 1,
    width: 300 + Math.floor(index / tracemonkey.pages),
  }));
  const reference = fixturePath('documents/tracemonkey.pdf');
  started = performance.now();
  await pool(
    renders.map(
      ({ page }) =>
        () =>
          run('pdftoppm', ['-r', '72', '-f', String(page), '-l', String(page), '-png', reference], { encoding: 'buffer', maxBuffer: 64 << 20 }),
    ),
    cores,
  );
  const pdftoppmRate = RENDERS / ((performance.now() - started) / 1000);

  const uploaded = new FormData();
  uploaded.append('file', new Blob([tracemonkey.bytes]), 'tracemonkey.pdf');
  uploaded.append('public_id', 'bench-tracemonkey');
  const stored = await fetch(`${bench.baseUrl}/v1_1/${bench.cloud}/image/upload`, { method: 'POST', body: uploaded, headers: { authorization: auth } });
  if (stored.status !== 200) throw new Error(`upload answered ${stored.status}: ${await stored.text()}`);
  const version = ((await stored.json()) as { version: number }).version;
  started = performance.now();
  await pool(
    renders.map(({ page, width }) => async () => {
      const response = await fetch(`${bench.baseUrl}/${bench.cloud}/image/upload/pg_${page},w_${width}/v${version}/bench-tracemonkey.png`);
      if (response.status !== 200) throw new Error(`render of page ${page} answered ${response.status}`);
      await response.arrayBuffer();
    }),
    cores,
  );
  const renderRate = RENDERS / ((performance.now() - started) / 1000);

  console.log(
    [
      `pdftotext, one at a time: ${fixed(pdftotextRate)} pages/s; ${cores} at once: ${fixed(pdftotextParallelRate)} pages/s`,
      `rendition (async upload -> extract_text -> notification, all at once): ${fixed(pipelineRate)} pages/s (${fixed(pipelineSeconds, 2)} s)`,
      `floor: the document engine alone (${threads} runner(s), no pipeline): ${fixed(engineRate)} pages/s = ${fixed(engineRate / pdftotextRate, 2)} of pdftotext`,
      `ratio rendition / pdftotext (one at a time) = ${fixed(pipelineRate / pdftotextRate, 2)} (goal >= 0.5); / pdftotext (${cores} at once) = ${fixed(pipelineRate / pdftotextParallelRate, 2)}; / engine alone = ${fixed(pipelineRate / engineRate, 2)}`,
      `pdftoppm -r 72 (${cores} at once): ${fixed(pdftoppmRate)} pages/s; rendition pg_N first hits at 72 dpi (${cores} at once): ${fixed(renderRate)} pages/s; ratio ${fixed(renderRate / pdftoppmRate, 2)}`,
      `1-min load average: ${fixed(loadBefore, 2)} at start, ${fixed(loadavg()[0] ?? Number.NaN, 2)} at end`,
    ].join('\n'),
  );
}

/**
 * Archive download: a ~2 GB zip of 20 × 100 MB raw files (random bytes) built by generate_archive in
 * download mode (`utils.download_zip_url` of the official SDK) and streamed to nowhere, with the API
 * role and the worker role each in a child process of its own (`rendition api`, `rendition worker
 * --queues archive`), for the peak RSS of each (VmHWM) and the MB/s from request to last byte; beside,
 * in the same run, `zip -0` of the same files to /dev/null and yazl alone over them. See
 * docs/archives.md ("Benchmark"). Not part of `npm run bench`: it takes about a minute.
 */
import { execFile } from 'node:child_process';
import { createHash, randomFillSync, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yazl from 'yazl';
import { commitAssetVersion } from '@rendition/catalog';
import { freePort, loadCloudinarySdk } from '@rendition/testing';
import { originalKey } from '@rendition/storage';
import { startBenchCluster } from './lib/bench-cluster.ts';
import { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { roleEnv, startApiProcess, startWorkerProcess } from './lib/role-process.ts';
import { fixed } from './lib/stats.ts';

const MB = 1_000_000;
const MiB = 1024 * 1024;
const FILES = envInt('BENCH_ARCHIVE_FILES', 20, 1, 1_000);
const FILE_BYTES = envInt('BENCH_ARCHIVE_FILE_BYTES', 100 * MB, 1, 1_000 * MB);
const TOTAL = FILES * FILE_BYTES;
const SAMPLE_MS = 50;
// Two minutes plus 1 s per 5 MB (the files' generation, the references, the archive's build and its
// download), so that a stalled run ends.
const DEADLINE_MS = 120_000 + Math.ceil(TOTAL / (5 * MB)) * 1_000;

const run = promisify(execFile);
const cleanup = new Cleanup('archive', DEADLINE_MS);
try {
  await main();
} finally {
  await cleanup.run();
}
process.exit(process.exitCode ?? 0);

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const scratch = await mkdtemp(join(tmpdir(), 'rendition-bench-archive-'));
  cleanup.add('scratch directory', () => rm(scratch, { recursive: true, force: true }));
  console.log(
    `archive: ${cpus().length} CPU(s), Node ${process.version}, ${FILES} raw files × ${FILE_BYTES} bytes = ${fixed(TOTAL / MB)} MB, ` +
      `scratch and storage under ${tmpdir()}`,
  );

  const dir = join(scratch, 'files');
  await mkdir(dir);
  const generating = performance.now();
  const paths: string[] = [];
  for (let index = 0; index < FILES; index++) {
    const path = join(dir, `file-${String(index).padStart(3, '0')}.bin`);
    await writeRandomFile(path, FILE_BYTES);
    paths.push(path);
  }
  console.log(`files: generated in ${fixed((performance.now() - generating) / 1000, 1)} s`);

  // References first, on the same files (in the page cache for every run alike).
  const zipping = performance.now();
  await run('sh', ['-c', `cd "${dir}" && zip -0 -q - *.bin > /dev/null`], { maxBuffer: 1024 * 1024 });
  const zipSeconds = (performance.now() - zipping) / 1000;
  const yazling = performance.now();
  const zip = new yazl.ZipFile();
  for (const path of paths) zip.addFile(path, `bench/${path.split('/').pop()}`, { compress: false });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream('/dev/null'));
  const yazlSeconds = (performance.now() - yazling) / 1000;

  // The catalog and storage of a throwaway Rendition (no role in this process); the files are stored
  // as raw assets directly, as an upload would have left them.
  const bench = await startBenchCluster({}, []);
  cleanup.add('rendition services', () => bench.stop());
  const { config } = bench;
  const { db, store } = bench.cluster.services;
  for (const path of paths) {
    const assetId = createHash('md5').update(randomUUID()).digest('hex');
    const versionId = createHash('md5').update(randomUUID()).digest('hex');
    const storageKey = originalKey(assetId, versionId);
    await store.putFile(storageKey, path);
    const publicId = `bench/${path.split('/').pop()}`;
    await commitAssetVersion(db, {
      asset: {
        cloudName: bench.cloud,
        resourceType: 'raw',
        type: 'upload',
        publicId,
        assetId,
        version: 1,
        versionId,
        format: null,
        width: null,
        height: null,
        pages: null,
        bytes: FILE_BYTES,
        etag: '0'.repeat(32),
        contentType: 'application/octet-stream',
        storageKey,
        tags: [],
        context: {},
        metadata: {},
        assetFolder: '',
        displayName: publicId,
        originalFilename: null,
        accessMode: 'public',
        createdAt: new Date(),
      },
      overwrite: false,
    });
  }

  const env = roleEnv(config);
  const worker = await startWorkerProcess({ ...env, WORKER_QUEUES: 'archive' });
  cleanup.add('rendition worker', () => worker.stop());
  const port = await freePort();
  const api = await startApiProcess({ ...env, PORT: String(port), LOG_LEVEL: 'error' });
  cleanup.add('rendition api', () => api.stop());
  const booted = { api: await api.memory(), worker: await worker.memory() };

  const { apiKey, apiSecret } = bench.credentials;
  process.env.CLOUDINARY_URL = `cloudinary://${apiKey}:${apiSecret}@${bench.cloud}?upload_prefix=http://127.0.0.1:${port}`;
  const cloudinary = loadCloudinarySdk();
  const url = cloudinary.utils.download_zip_url({ prefixes: 'bench/', resource_type: 'raw', target_public_id: 'bench' });

  const highest = { api: booted.api.rss, worker: booted.worker.rss };
  const sampler = setInterval(() => {
    for (const [name, role] of [
      ['api', api],
      ['worker', worker],
    ] as const) {
      role
        .memory()
        .then((memory) => {
          highest[name] = Math.max(highest[name], memory.rss);
        })
        .catch(() => {});
    }
  }, SAMPLE_MS);
  cleanup.add('RSS sampler', async () => clearInterval(sampler));

  const requesting = performance.now();
  const download = await drain(url);
  const seconds = (performance.now() - requesting) / 1000;
  const firstByte = (download.firstByteAt - requesting) / 1000;
  clearInterval(sampler);
  const after = { api: await api.memory(), worker: await worker.memory() };

  const problems: string[] = [];
  if (download.status !== 200) problems.push(`the download answered ${download.status}: ${download.text.slice(0, 300)}`);
  if (download.bytes !== Number(download.contentLength)) problems.push(`${download.bytes} bytes read, Content-Length ${download.contentLength}`);
  if (download.bytes < TOTAL) problems.push(`the archive (${download.bytes} bytes) is smaller than its files (${TOTAL} bytes)`);
  if (api.output().length > 0) problems.push(`the API logged errors: ${api.output().slice(0, 2000)}`);
  const rate = (bytes: number, time: number) => bytes / MB / time;
  console.log(
    [
      `rendition: download_zip_url of ${FILES} files answered ${download.status}, ${download.bytes} bytes in ${fixed(seconds, 2)} s ` +
        `(${fixed(rate(download.bytes, seconds))} MB/s end to end; first byte after ${fixed(firstByte, 2)} s: the job built the archive ` +
        `into storage at ${fixed(rate(download.bytes, firstByte))} MB/s, then the API streamed it at ${fixed(rate(download.bytes, seconds - firstByte))} MB/s)`,
      `  API process RSS: ${fixed(booted.api.rss / MiB)} MiB after boot, peak ${fixed(after.api.peak / MiB)} MiB (VmHWM), ` +
        `highest sample ${fixed(highest.api / MiB)} MiB, growth over boot ${fixed((after.api.peak - booted.api.peak) / MiB)} MiB`,
      `  worker process RSS: ${fixed(booted.worker.rss / MiB)} MiB after boot, peak ${fixed(after.worker.peak / MiB)} MiB (VmHWM), ` +
        `highest sample ${fixed(highest.worker / MiB)} MiB, growth over boot ${fixed((after.worker.peak - booted.worker.peak) / MiB)} MiB`,
      `zip -0 to /dev/null: ${fixed(zipSeconds, 2)} s (${fixed(rate(TOTAL, zipSeconds))} MB/s); yazl alone to /dev/null: ${fixed(yazlSeconds, 2)} s (${fixed(rate(TOTAL, yazlSeconds))} MB/s)`,
      `ratio rendition ÷ zip -0 MB/s = ${fixed(zipSeconds / seconds, 3)}; rendition ÷ yazl = ${fixed(yazlSeconds / seconds, 3)}`,
      `1-min load average: ${fixed(loadBefore, 2)} at start, ${fixed(loadavg()[0] ?? Number.NaN, 2)} at end`,
    ].join('\n'),
  );
  if (problems.length > 0) {
    console.error(`archive: the run is wrong:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

/** Random bytes streamed to disk in 4 MiB writes (bounded memory). */
async function writeRandomFile(path: string, size: number): Promise<void> {
  const buffer = Buffer.alloc(Math.min(4 * MiB, size));
  const handle = await open(path, 'wx');
  try {
    for (let written = 0; written < size;) {
      const slice = buffer.subarray(0, Math.min(buffer.length, size - written));
      randomFillSync(slice);
      for (let offset = 0; offset < slice.length;) {
        const { bytesWritten } = await handle.write(slice, offset, slice.length - offset, written + offset);
        offset += bytesWritten;
      }
      written += slice.length;
    }
  } finally {
    await handle.close();
  }
}

/** GETs `url` and throws the body away as it arrives, counting it. */
function drain(url: string): Promise<{ status: number; bytes: number; contentLength: string | undefined; firstByteAt: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, (response) => {
      const firstByteAt = performance.now();
      let bytes = 0;
      let text = '';
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (response.statusCode !== 200 && text.length < 4096) text += chunk.toString();
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, bytes, contentLength: response.headers['content-length'], firstByteAt, text }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/**
 * On-the-fly delivery: first-hit requests per second (every URL a new `w_<n>,h_<n>,c_fill`, derived
 * on request) and cached-hit requests per second (one URL over and over, served from storage) of a
 * whole Rendition (API and workers in this process), beside ipx serving the same transformation
 * from the same file, and, for cached hits, a bare static-file server streaming the very same
 * derivative from disk, in the same run. See bench/README.md.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';
import { request } from 'undici';
import { fixturePath } from '@rendition/testing';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { envInt } from './lib/env.ts';
import { profiled } from './lib/cpu-profile.ts';
import { forkServer } from './lib/forked-server.ts';
import { formatThreadCpu, threadCpu, threadCpuSince } from './lib/thread-cpu.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { printLoadComparisons, rate } from './lib/load-report.ts';
import { multipartBody } from './lib/multipart.ts';
import { pause, runBench, scratchDirectory } from './lib/run-bench.ts';
import { fixed } from './lib/stats.ts';

const FIRST_HITS = envInt('BENCH_FIRST_HITS', 150, 10, 1_000);
const FIRST_CONCURRENCY = envInt('BENCH_FIRST_CONCURRENCY', 4, 1, 64);
const CACHED_CONCURRENCY = envInt('BENCH_CACHED_CONCURRENCY', 16, 1, 256);
const WARMUP_MS = envInt('BENCH_WARMUP_MS', 2_000, 0, 5_000);
const DURATION_MS = envInt('BENCH_DURATION_MS', 10_000, 1_000, 20_000);
const IPX_SHARP = process.env.BENCH_IPX_SHARP ?? 'ours';
if (IPX_SHARP !== 'ours' && IPX_SHARP !== 'own') throw new Error('BENCH_IPX_SHARP must be ours or own');
const IPX_VIPS_CACHE = process.env.BENCH_IPX_VIPS_CACHE ?? 'on';
if (IPX_VIPS_CACHE !== 'on' && IPX_VIPS_CACHE !== 'off') throw new Error('BENCH_IPX_VIPS_CACHE must be on or off');
const SETTLE_MS = 2_000;
const WARMUP_HITS = 8;
/** The goal for cached hits: Rendition req/s ÷ the bare static-file server's. */
const CACHED_GOAL = 0.8;

const SOURCE = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const PUBLIC_ID = 'bench-photo';
/** First hits: n = FIRST_N, FIRST_N + 1, ... (warm-up below it); cached hits: CACHED_N. The same n on both servers. */
const FIRST_N = 400;
const WARMUP_N = 200;
const CACHED_N = 640;

// A third cached run (the static floor) and a loaded machine's slower first hits need more than the common 115 s.
await runBench('delivery', main, 150_000);

async function main(cleanup: Cleanup): Promise<void> {
  const photo = await readFile(SOURCE);
  const source = await sharp(photo).metadata();

  const rendition = await startBenchCluster({}, ['api', 'worker']);
  cleanup.add('rendition', () => rendition.stop());
  const upload = multipartBody([['public_id', PUBLIC_ID]], { name: 'file', filename: basename(SOURCE), type: 'image/jpeg', bytes: photo });
  const uploaded = await request(`${rendition.baseUrl}/v1_1/demo/image/upload`, {
    method: 'POST',
    headers: { 'content-type': upload.contentType, authorization: basicAuthHeader(rendition.credentials) },
    body: upload.body,
  });
  const uploadAnswer = await uploaded.body.text();
  if (uploaded.statusCode !== 200) throw new Error(`upload failed: HTTP ${uploaded.statusCode}: ${uploadAnswer.slice(0, 200)}`);

  const ipx = await startIpx(dirname(SOURCE), basename(SOURCE));
  cleanup.add('ipx', () => ipx.stop());

  // The cached phase's floor serves the very bytes Rendition serves for it, from a file of their own.
  const renditionPath = (n: number) => `/demo/image/upload/w_${n},h_${n},c_fill/${PUBLIC_ID}.jpg`;
  const derivative = await fetchAnswer(`${rendition.baseUrl}${renditionPath(CACHED_N)}`);
  const derivativeFile = join(await scratchDirectory(cleanup), 'derivative.jpg');
  await writeFile(derivativeFile, derivative.bytes);
  const bare = await forkServer<{ port: number }>(
    new URL('./lib/static-server.ts', import.meta.url),
    [derivativeFile, derivative.contentType],
    'static server',
  );
  cleanup.add('static server', () => bare.stop());

  const servers = {
    ipx: { origin: ipx.origin, path: (n: number) => `/s_${n}x${n},fit_cover/${encodeURIComponent(basename(SOURCE))}` },
    static: { origin: bare.origin, path: (_n: number) => '/derivative.jpg' },
    rendition: { origin: rendition.baseUrl, path: renditionPath },
  };
  console.log(
    `delivery: ${cpus().length} CPU(s), Node ${process.version}; source ${basename(SOURCE)} (${source.width}x${source.height} JPEG, ${photo.length} bytes)\n` +
      `  rendition: GET /demo/image/upload/w_<n>,h_<n>,c_fill/${PUBLIC_ID}.jpg, API + worker in this process ` +
      `(derive concurrency ${rendition.config.worker.concurrency.derive}), file storage, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips})\n` +
      `  ipx: GET /s_<n>x<n>,fit_cover/${basename(SOURCE)} (ipxFSStorage, createIPXNodeServer, baseline JPEG), own process, ` +
      `sharp ${ipx.sharp} (libvips ${ipx.vips}; BENCH_IPX_SHARP=${IPX_SHARP}, BENCH_IPX_VIPS_CACHE=${IPX_VIPS_CACHE})\n` +
      `  first hits: ${FIRST_HITS} distinct n (${FIRST_N}..${FIRST_N + FIRST_HITS - 1}) once each, ${FIRST_CONCURRENCY} concurrent, after ${WARMUP_HITS} warm-up n\n` +
      `  static: a bare node:http server streaming rendition's n=${CACHED_N} derivative (${derivative.bytes.length} bytes, ${derivative.contentType}) ` +
      `from a file with fs.createReadStream, own process (cached hits only)\n` +
      `  cached hits: n=${CACHED_N} (requested once before), ${CACHED_CONCURRENCY} concurrent, warm-up ${WARMUP_MS / 1000} s + ${DURATION_MS / 1000} s measured`,
  );

  // Same transformation, same kind of output: size, format, encoding and pixels compared once.
  const sample = await Promise.all([servers.rendition, servers.ipx].map((server) => fetchBytes(`${server.origin}${server.path(333)}`)));
  const [ours, theirs] = await Promise.all(sample.map((bytes) => sharp(bytes).metadata()));
  if (
    ours!.width !== 333 ||
    ours!.height !== 333 ||
    theirs!.width !== 333 ||
    theirs!.height !== 333 ||
    ours!.format !== 'jpeg' ||
    theirs!.format !== 'jpeg'
  ) {
    throw new Error(
      `the servers disagree on n=333: rendition ${ours!.width}x${ours!.height} ${ours!.format}, ipx ${theirs!.width}x${theirs!.height} ${theirs!.format}`,
    );
  }
  console.log(
    `  check n=333: both 333x333 JPEG; bytes rendition ${sample[0]!.length} (progressive ${ours!.isProgressive}), ipx ${sample[1]!.length} ` +
      `(progressive ${theirs!.isProgressive}); mean absolute pixel difference ${fixed(await meanAbsoluteDifference(sample[0]!, sample[1]!), 2)} / 255`,
  );

  const results = new Map<string, LoadResult>();
  let firstHitCpu = '';
  for (const phase of ['first', 'cached'] as const) {
    for (const name of phase === 'first' ? (['ipx', 'rendition'] as const) : (['ipx', 'static', 'rendition'] as const)) {
      const server = servers[name];
      const expectContentType = 'image/jpeg';
      await pause(SETTLE_MS);
      if (phase === 'first') {
        const warmPaths = Array.from({ length: WARMUP_HITS }, (_, i) => server.path(WARMUP_N + i));
        await runLoad({
          method: 'GET',
          origin: server.origin,
          mode: 'once',
          paths: warmPaths,
          concurrency: FIRST_CONCURRENCY,
          warmupMs: 0,
          durationMs: 0,
          expectContentType,
        });
        const paths = Array.from({ length: FIRST_HITS }, (_, i) => server.path(FIRST_N + i));
        const cpuBefore = await threadCpu();
        const wallBefore = performance.now();
        results.set(
          `first/${name}`,
          await runLoad({
            method: 'GET',
            origin: server.origin,
            mode: 'once',
            paths,
            concurrency: FIRST_CONCURRENCY,
            warmupMs: 0,
            durationMs: 0,
            expectContentType,
          }),
        );
        if (name === 'rendition') {
          const spent = threadCpuSince(await threadCpu(), cpuBefore);
          firstHitCpu = `CPU time during Rendition's first hits, per thread kind (bench/lib/thread-cpu.ts; this process holds the API and the worker):\n${formatThreadCpu(spent, (performance.now() - wallBefore) / 1000)}`;
        }
      } else {
        const path = server.path(CACHED_N);
        await fetchBytes(`${server.origin}${path}`);
        const load = () =>
          runLoad({
            method: 'GET',
            origin: server.origin,
            mode: 'repeat',
            paths: [path],
            concurrency: CACHED_CONCURRENCY,
            warmupMs: WARMUP_MS,
            durationMs: DURATION_MS,
            expectContentType,
          });
        // Rendition's API runs in this process, so its cached hits can be profiled (BENCH_CPU_PROFILE, bench/README.md).
        results.set(`cached/${name}`, await (name === 'rendition' ? profiled('delivery-cached-hit', load) : load()));
      }
    }
  }

  printLoadComparisons('phase', [
    { label: 'first hit', ours: results.get('first/rendition')!, references: [{ name: 'ipx', result: results.get('first/ipx')! }] },
    {
      label: 'cached hit',
      ours: results.get('cached/rendition')!,
      references: [
        { name: 'ipx', result: results.get('cached/ipx')! },
        { name: 'static', result: results.get('cached/static')! },
      ],
    },
  ]);
  const cachedRatio = rate(results.get('cached/rendition')!) / rate(results.get('cached/static')!);
  console.log(`cached hits: goal rendition ÷ static >= ${CACHED_GOAL}: ${cachedRatio >= CACHED_GOAL ? 'met' : 'not met'} (${fixed(cachedRatio, 3)})`);
  console.log(firstHitCpu);
}

interface IpxServer {
  origin: string;
  sharp: string;
  vips: string;
  stop(): Promise<void>;
}

/** ipx in a process of its own (lib/ipx-server.ts), stopped by closing its IPC channel. */
async function startIpx(directory: string, file: string): Promise<IpxServer> {
  const server = await forkServer<{ port: number; sharp: string; vips: string }>(
    new URL('./lib/ipx-server.ts', import.meta.url),
    [directory, IPX_SHARP, file, IPX_VIPS_CACHE],
    'ipx',
  );
  return { origin: server.origin, sharp: server.ready.sharp, vips: server.ready.vips, stop: server.stop };
}

async function fetchBytes(url: string): Promise<Buffer> {
  return (await fetchAnswer(url)).bytes;
}

async function fetchAnswer(url: string): Promise<{ bytes: Buffer; contentType: string }> {
  const response = await request(url);
  const bytes = Buffer.from(await response.body.arrayBuffer());
  if (response.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${response.statusCode}: ${bytes.subarray(0, 200).toString('utf8')}`);
  return { bytes, contentType: String(response.headers['content-type'] ?? 'application/octet-stream') };
}

async function meanAbsoluteDifference(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((bytes) => sharp(bytes).removeAlpha().raw().toBuffer()));
  if (x!.length !== y!.length) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < x!.length; i += 1) sum += Math.abs(x![i]! - y![i]!);
  return sum / x!.length;
}

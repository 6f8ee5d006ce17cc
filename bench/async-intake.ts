/**
 * Async intake throughput: `async=true` uploads accepted per second by Rendition's API (API role
 * only: the jobs just queue under a throwaway Redis prefix), beside a bare Fastify route that
 * parses the same body the same way, measured in the same run. See bench/README.md.
 */
import { createServer } from 'node:http';
import { cpus } from 'node:os';
import { basicAuthHeader, startBenchCluster } from './lib/bench-cluster.ts';
import { startBareServer } from './lib/bare-server.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { profiled } from './lib/cpu-profile.ts';
import { envInt } from './lib/env.ts';
import { runLoad, type LoadResult } from './lib/load.ts';
import { printLoadComparison } from './lib/load-report.ts';
import { multipartBody } from './lib/multipart.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { cpuPerRequest, formatThreadCpu, threadCpu, threadCpuSince, type CpuPerRequest } from './lib/thread-cpu.ts';
import { smallPng } from './lib/small-png.ts';

const CONCURRENCY = envInt('BENCH_CONCURRENCY', 16, 1, 256);
const WARMUP_MS = envInt('BENCH_WARMUP_MS', 2_000, 0, 5_000);
const DURATION_MS = envInt('BENCH_DURATION_MS', 10_000, 1_000, 20_000);
const SETTLE_MS = 2_000;

await runBench('async-intake', main);

async function main(cleanup: Cleanup): Promise<void> {
  const png = await smallPng();
  const source = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png));
  await new Promise<void>((resolve) => source.listen(0, '127.0.0.1', resolve));
  cleanup.add('image source', () => new Promise((resolve) => source.close(resolve)));
  const sourcePort = (source.address() as { port: number }).port;

  const rendition = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32' }, ['api']);
  cleanup.add('rendition', () => rendition.stop());
  const bare = await startBareServer(rendition.config.limits);
  cleanup.add('bare server', () => bare.app.close());

  const multipart = multipartBody([['async', 'true']], { name: 'file', filename: 'bench.png', type: 'image/png', bytes: png });
  const urlForm = Buffer.from(new URLSearchParams({ file: `http://127.0.0.1:${sourcePort}/x.png`, async: 'true' }).toString());
  const workloads = [
    { name: 'multipart', body: multipart.body, contentType: multipart.contentType },
    { name: 'url', body: urlForm, contentType: 'application/x-www-form-urlencoded' },
  ];
  console.log(
    `async-intake: ${cpus().length} CPU(s), Node ${process.version}, concurrency ${CONCURRENCY}, warm-up ${WARMUP_MS / 1000} s + ` +
      `${DURATION_MS / 1000} s measured per run\n  multipart: ${png.length}-byte PNG + async=true, Basic auth (${multipart.body.length}-byte body)\n` +
      `  url: urlencoded file=http://127.0.0.1:${sourcePort}/x.png&async=true, Basic auth (${urlForm.length}-byte body)\n` +
      `  bare: Fastify + @fastify/multipart + @fastify/formbody, same limits and route, file part to /dev/null`,
  );

  // All bare runs first, on a quiet machine: Rendition's writes leave PostgreSQL and the disk busy for
  // a while after its own runs (checkpoints, page flushes), which is its cost, not the reference's.
  const auth = basicAuthHeader(rendition.credentials);
  const results = new Map<string, LoadResult>();
  const profiles: string[] = [];
  const perRequest = new Map<string, CpuPerRequest>();
  for (const server of ['bare', 'rendition'] as const) {
    for (const workload of workloads) {
      await pause(SETTLE_MS);
      const cpuBefore = await threadCpu();
      const wallBefore = performance.now();
      const load = (): ReturnType<typeof runLoad> =>
        runLoad({
          method: 'POST',
          url: `${server === 'bare' ? bare.baseUrl : rendition.baseUrl}/v1_1/demo/image/upload`,
          headers: { 'content-type': workload.contentType, authorization: auth },
          body: workload.body,
          concurrency: CONCURRENCY,
          warmupMs: WARMUP_MS,
          durationMs: DURATION_MS,
          expect: '"status":"pending"',
        });
      results.set(`${workload.name}/${server}`, await profiled(`async-intake-${workload.name}-${server}`, load));
      const spent = threadCpuSince(await threadCpu(), cpuBefore);
      perRequest.set(`${workload.name}/${server}`, cpuPerRequest(spent, results.get(`${workload.name}/${server}`)!.sent));
      if (server === 'rendition') {
        profiles.push(`  ${workload.name} (warm-up and measured run together):\n${formatThreadCpu(spent, (performance.now() - wallBefore) / 1000)}`);
      }
    }
  }
  printLoadComparison(
    'workload',
    'bare',
    workloads.map((workload) => ({
      label: workload.name,
      ours: results.get(`${workload.name}/rendition`)!,
      reference: results.get(`${workload.name}/bare`)!,
    })),
  );
  // Steadier than req/s on a shared machine: the CPU each server spent per request it was sent.
  console.log('CPU per request sent (µs; warm-up and measured run; the load generator not counted):');
  for (const workload of workloads) {
    const ours = perRequest.get(`${workload.name}/rendition`)!;
    const reference = perRequest.get(`${workload.name}/bare`)!;
    console.log(
      `  ${workload.name.padEnd(9)} main thread ${ours.mainThread.toFixed(0)} (bare ${reference.mainThread.toFixed(0)}), ` +
        `everything ${ours.total.toFixed(0)} (bare ${reference.total.toFixed(0)}): bare ÷ rendition ${(reference.total / ours.total).toFixed(3)}`,
    );
  }
  // Where Rendition's CPU time went (this process: its API and the load generator's thread; the servers).
  console.log(`CPU time during Rendition's runs, per thread kind (bench/lib/thread-cpu.ts):\n${profiles.join('\n')}`);
}

// A/B of two intake configurations in one process: two API-only Rendition servers that differ by the
// environment given as JSON (e.g. '{"INTAKE_GROUP_IN_FLIGHT":"1"}' '{}'), loads alternated A, B, A, B…
// so both meet the same machine. Prints req/s and the CPU per request sent (bench/lib/thread-cpu.ts).
//   node bench/intake-ab.ts '<env A>' '<env B>' [rounds=3] [url|multipart]
import { basicAuthHeader, startBenchCluster, type BenchCluster } from './lib/bench-cluster.ts';
import { runLoad } from './lib/load.ts';
import { multipartBody } from './lib/multipart.ts';
import type { Cleanup } from './lib/cleanup.ts';
import { pause, runBench } from './lib/run-bench.ts';
import { smallPng } from './lib/small-png.ts';
import { cpuPerRequest, threadCpu, threadCpuSince } from './lib/thread-cpu.ts';

// Deadline: two clusters' start-up and 6.5 s per load.
await runBench('intake-ab', main, 60_000 + Number(process.argv[4] ?? 3) * 2 * 7_000);

async function main(cleanup: Cleanup): Promise<void> {
  const envs = [process.argv[2] ?? '{}', process.argv[3] ?? '{}'].map((text) => JSON.parse(text) as Record<string, string>);
  const rounds = Number(process.argv[4] ?? 3);
  const workload = process.argv[5] === 'multipart' ? 'multipart' : 'url';
  const clusters: BenchCluster[] = [];
  for (const env of envs) {
    const cluster = await startBenchCluster({ SSRF_ALLOW: '127.0.0.1/32', ...env }, ['api']);
    cleanup.add('Rendition', () => cluster.stop());
    clusters.push(cluster);
  }
  const multipart = multipartBody([['async', 'true']], { name: 'file', filename: 'bench.png', type: 'image/png', bytes: await smallPng() });
  const body = workload === 'url' ? Buffer.from('file=http%3A%2F%2F127.0.0.1%3A9%2Fx.png&async=true') : multipart.body;
  const contentType = workload === 'url' ? 'application/x-www-form-urlencoded' : multipart.contentType;
  const sums = clusters.map(() => ({ rps: 0, main: 0, total: 0 }));
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, cluster] of clusters.entries()) {
      await pause(1500);
      const before = await threadCpu();
      const result = await runLoad({
        method: 'POST',
        url: `${cluster.baseUrl}/v1_1/demo/image/upload`,
        headers: { 'content-type': contentType, authorization: basicAuthHeader(cluster.credentials) },
        body,
        concurrency: 16,
        warmupMs: 1000,
        durationMs: 5000,
        expect: '"status":"pending"',
      });
      const perRequest = cpuPerRequest(threadCpuSince(await threadCpu(), before), result.sent);
      const rps = (result.requests * 1000) / result.elapsedMs;
      sums[index]!.rps += rps;
      sums[index]!.main += perRequest.mainThread;
      sums[index]!.total += perRequest.total;
      console.log(
        `${'AB'[index]} ${workload} round ${round + 1}: ${rps.toFixed(0)} req/s, CPU per request: main thread ${perRequest.mainThread.toFixed(0)} µs, ` +
          `everything ${perRequest.total.toFixed(0)} µs, errors ${result.errors}${result.firstError ? ` (${result.firstError})` : ''}`,
      );
    }
  }
  for (const [index, sum] of sums.entries()) {
    console.log(
      `${'AB'[index]} ${JSON.stringify(envs[index])} mean: ${(sum.rps / rounds).toFixed(0)} req/s, main thread ${(sum.main / rounds).toFixed(0)} µs, everything ${(sum.total / rounds).toFixed(0)} µs`,
    );
  }
}

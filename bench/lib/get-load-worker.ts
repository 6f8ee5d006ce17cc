import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import type { GetLoadSpec } from './get-load.ts';
import type { LoadResult } from './load.ts';

const spec = workerData as GetLoadSpec;
const target = new URL(spec.origin);
if (target.hostname !== '127.0.0.1') throw new Error(`bench traffic stays on 127.0.0.1, not ${target.hostname}`);
if (spec.paths.length === 0) throw new Error('no paths to request');
// A first hit waits for a derivation: generous timeouts, the bench's own deadline bounds the run.
const pool = new Pool(target.origin, { connections: spec.concurrency, pipelining: 1, headersTimeout: 60_000, bodyTimeout: 60_000 });

const latencies: number[] = [];
let errors = 0;
let firstError: string | undefined;
let measuring = spec.mode === 'once';

async function once(path: string): Promise<void> {
  const started = performance.now();
  let failure: string | undefined;
  try {
    const response = await pool.request({ path, method: 'GET' });
    const body = Buffer.from(await response.body.arrayBuffer());
    const type = String(response.headers['content-type'] ?? '');
    if (response.statusCode !== 200 || !type.startsWith(spec.expectContentType) || body.length === 0) {
      failure = `HTTP ${response.statusCode} ${type} on ${path}: ${body.subarray(0, 200).toString('utf8')}`;
    }
  } catch (error) {
    failure = error instanceof Error ? `${error.name}: ${error.message} on ${path}` : String(error);
  }
  if (!measuring) return;
  if (failure === undefined) {
    latencies.push(performance.now() - started);
  } else {
    errors += 1;
    firstError ??= failure;
  }
}

let elapsedMs: number;
if (spec.mode === 'once') {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (next < spec.paths.length) await once(spec.paths[next++]!);
    }),
  );
  elapsedMs = performance.now() - start;
} else {
  let turn = 0;
  const phase = async (durationMs: number): Promise<number> => {
    const start = performance.now();
    const end = start + durationMs;
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (performance.now() < end) await once(spec.paths[turn++ % spec.paths.length]!);
      }),
    );
    return performance.now() - start;
  };
  await phase(spec.warmupMs);
  measuring = true;
  elapsedMs = await phase(spec.durationMs);
}
await pool.close();

const latenciesMs = Float64Array.from(latencies).sort();
const result: LoadResult = { requests: latencies.length, errors, elapsedMs, latenciesMs, ...(firstError ? { firstError } : {}) };
parentPort!.postMessage(result, [latenciesMs.buffer]);

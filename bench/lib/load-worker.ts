import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load.ts';

const spec = workerData as LoadSpec;
const target = new URL(spec.url);
if (target.hostname !== '127.0.0.1') throw new Error(`bench traffic stays on 127.0.0.1, not ${target.hostname}`);
const pool = new Pool(target.origin, { connections: spec.concurrency, pipelining: 1, headersTimeout: 10_000, bodyTimeout: 10_000 });
const path = `${target.pathname}${target.search}`;
const body = Buffer.from(spec.body.buffer, spec.body.byteOffset, spec.body.byteLength);

const latencies: number[] = [];
let errors = 0;
let firstError: string | undefined;
let measuring = false;

async function once(): Promise<void> {
  const started = performance.now();
  let failure: string | undefined;
  try {
    const response = await pool.request({ path, method: 'POST', headers: spec.headers, body });
    const text = await response.body.text();
    if (response.statusCode !== 200 || !text.includes(spec.expect)) failure = `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
  } catch (error) {
    failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  if (!measuring) return;
  if (failure === undefined) {
    latencies.push(performance.now() - started);
  } else {
    errors += 1;
    firstError ??= failure;
  }
}

async function loop(until: () => boolean): Promise<void> {
  while (!until()) await once();
}

async function phase(durationMs: number): Promise<number> {
  const start = performance.now();
  const end = start + durationMs;
  await Promise.all(Array.from({ length: spec.concurrency }, () => loop(() => performance.now() >= end)));
  return performance.now() - start;
}

await phase(spec.warmupMs);
measuring = true;
const elapsedMs = await phase(spec.durationMs);
await pool.close();

const latenciesMs = Float64Array.from(latencies).sort();
const result: LoadResult = { requests: latencies.length, errors, elapsedMs, latenciesMs, ...(firstError ? { firstError } : {}) };
parentPort!.postMessage(result, [latenciesMs.buffer]);

import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import type { LoadResult, LoadSpec } from './load.ts';

const spec = workerData as LoadSpec;
const target = new URL(spec.method === 'GET' ? spec.origin : spec.url);
if (target.hostname !== '127.0.0.1') throw new Error(`bench traffic stays on 127.0.0.1, not ${target.hostname}`);
const paths = spec.method === 'GET' ? spec.paths : [`${target.pathname}${target.search}`];
if (paths.length === 0) throw new Error('no paths to request');
const mode = spec.method === 'GET' ? spec.mode : 'repeat';
// A first GET may wait for a derivation: generous timeouts, the bench's own deadline bounds the run.
const timeoutMs = spec.method === 'GET' ? 60_000 : 10_000;
const pool = new Pool(target.origin, { connections: spec.concurrency, pipelining: 1, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

/** One request; what was wrong with it, or undefined. */
const send: (path: string) => Promise<string | undefined> =
  spec.method === 'GET'
    ? async (path) => {
        try {
          const response = await pool.request({ path, method: 'GET' });
          const body = Buffer.from(await response.body.arrayBuffer());
          const type = String(response.headers['content-type'] ?? '');
          if (response.statusCode !== 200 || !type.startsWith(spec.expectContentType) || body.length === 0) {
            return `HTTP ${response.statusCode} ${type} on ${path}: ${body.subarray(0, 200).toString('utf8')}`;
          }
        } catch (error) {
          return error instanceof Error ? `${error.name}: ${error.message} on ${path}` : String(error);
        }
        return undefined;
      }
    : (() => {
        const body = Buffer.from(spec.body.buffer, spec.body.byteOffset, spec.body.byteLength);
        return async (path) => {
          try {
            const response = await pool.request({ path, method: 'POST', headers: spec.headers, body });
            const text = await response.body.text();
            if (response.statusCode !== 200 || !text.includes(spec.expect)) return `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
          } catch (error) {
            return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          }
          return undefined;
        };
      })();

const latencies: number[] = [];
let errors = 0;
let firstError: string | undefined;
let measuring = mode === 'once';
let sent = 0;

async function once(path: string): Promise<void> {
  sent += 1;
  const started = performance.now();
  const failure = await send(path);
  if (!measuring) return;
  if (failure === undefined) {
    latencies.push(performance.now() - started);
  } else {
    errors += 1;
    firstError ??= failure;
  }
}

let elapsedMs: number;
if (mode === 'once') {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (next < paths.length) await once(paths[next++]!);
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
        while (performance.now() < end) await once(paths[turn++ % paths.length]!);
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
const result: LoadResult = { requests: latencies.length, sent, errors, elapsedMs, latenciesMs, ...(firstError ? { firstError } : {}) };
parentPort!.postMessage(result, [latenciesMs.buffer]);

import { Worker } from 'node:worker_threads';

export interface LoadSpec {
  /** Full URL of the endpoint, on 127.0.0.1. */
  url: string;
  headers: Record<string, string>;
  /** The same request body for every request. */
  body: Uint8Array;
  concurrency: number;
  /** Requests are sent but not counted for this long first. */
  warmupMs: number;
  durationMs: number;
  /** A 200 whose body lacks this text counts as an error. */
  expect: string;
}

export interface LoadResult {
  /** Successful requests in the measured window. */
  requests: number;
  errors: number;
  elapsedMs: number;
  /** Latency of each successful request, in ms, ascending. */
  latenciesMs: Float64Array;
  firstError?: string;
}

/**
 * Closed-loop load at a fixed concurrency: `concurrency` loops, each sending the next POST when
 * the previous answer is read, over keep-alive connections. The loops run in a worker thread so
 * the client never shares an event loop with the server it measures.
 */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), { workerData: spec });
    let settled = false;
    worker.once('message', (result: LoadResult) => {
      settled = true;
      resolve(result);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`load worker exited with ${code} before reporting`));
    });
  });
}

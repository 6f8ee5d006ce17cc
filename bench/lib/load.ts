import { Worker } from 'node:worker_threads';

interface LoadPacing {
  concurrency: number;
  /** Requests are sent but not counted for this long first (`repeat` only). */
  warmupMs: number;
  durationMs: number;
}

/** The same POST, body included, over and over: warmupMs (not counted) then durationMs. */
export interface PostLoadSpec extends LoadPacing {
  method: 'POST';
  /** Full URL of the endpoint, on 127.0.0.1. */
  url: string;
  headers: Record<string, string>;
  /** The same request body for every request. */
  body: Uint8Array;
  /** A 200 whose body lacks this text counts as an error. */
  expect: string;
}

/** GETs of a list of paths. */
export interface GetLoadSpec extends LoadPacing {
  method: 'GET';
  /** Origin of the server, on 127.0.0.1 (e.g. http://127.0.0.1:PORT). */
  origin: string;
  /**
   * `once`: every path is requested exactly once, the loops taking the next one in order, and the run
   * lasts until the last answer (no warm-up: the caller warms up with other paths). `repeat`: the
   * paths are requested in turn, over and over, for warmupMs (not counted) then durationMs.
   */
  mode: 'once' | 'repeat';
  paths: string[];
  /** A 200 whose content-type does not start with this, or whose body is empty, counts as an error. */
  expectContentType: string;
}

export type LoadSpec = PostLoadSpec | GetLoadSpec;

export interface LoadResult {
  /** Successful requests in the measured window. */
  requests: number;
  /** Every request sent, warm-up included (what the server's CPU time over the whole run served). */
  sent: number;
  errors: number;
  elapsedMs: number;
  /** Latency of each successful request, in ms, ascending. */
  latenciesMs: Float64Array;
  firstError?: string;
}

/**
 * Closed-loop load at a fixed concurrency: `concurrency` loops, each sending the next request when
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

import { Worker } from 'node:worker_threads';
import type { LoadResult } from './load.ts';

export interface GetLoadSpec {
  /** Origin of the server, on 127.0.0.1 (e.g. http://127.0.0.1:PORT). */
  origin: string;
  /**
   * `once`: every path is requested exactly once, the loops taking the next one in order, and the run
   * lasts until the last answer (no warm-up: the caller warms up with other paths). `repeat`: the
   * paths are requested in turn, over and over, for warmupMs (not counted) then durationMs.
   */
  mode: 'once' | 'repeat';
  paths: string[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** A 200 whose content-type does not start with this, or whose body is empty, counts as an error. */
  expectContentType: string;
}

/**
 * Closed-loop GET load at a fixed concurrency over keep-alive connections, in a worker thread (the
 * client never shares an event loop with the server it measures). Same result shape as runLoad.
 */
export function runGetLoad(spec: GetLoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./get-load-worker.ts', import.meta.url), { workerData: spec });
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

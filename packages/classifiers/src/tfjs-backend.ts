import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfjsBackend = 'wasm' | 'cpu';

let chosen: Promise<TfjsBackend> | undefined;

/**
 * Selects the process's TensorFlow.js backend once: WebAssembly (SIMD, single-threaded in Node; about
 * 15x faster than the plain JavaScript kernels), else the cpu backend, which always works. The choice
 * is explicit because @tensorflow/tfjs would otherwise try WebGL first, which Node lacks. A failure is
 * not remembered, so a later call tries again.
 */
export function tfjsBackend(): Promise<TfjsBackend> {
  if (chosen === undefined) {
    chosen = choose();
    chosen.catch(() => {
      chosen = undefined;
    });
  }
  return chosen;
}

async function choose(): Promise<TfjsBackend> {
  // Production mode only silences tfjs's own console chatter (the cpu backend's advert for tfjs-node,
  // a failed backend's stack): the worker's console is its log stream, and the choice is ours to report.
  tf.enableProdMode();
  try {
    // The .wasm files ship inside the package: point the loader at them instead of a CDN.
    const wasmFile = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    setWasmPaths(`${dirname(wasmFile)}/`);
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return 'wasm';
    }
  } catch {
    // falls back below: a slower classifier beats none
  }
  if (await tf.setBackend('cpu')) {
    await tf.ready();
    return 'cpu';
  }
  throw new Error('TensorFlow.js could start neither its wasm nor its cpu backend');
}

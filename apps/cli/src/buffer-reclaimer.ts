import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What the reclaimer reads and calls: the process's own by default; tests pass their own. */
export interface ReclaimerProbe {
  /** Bytes held by ArrayBuffers (Buffers), live or awaiting collection. */
  arrayBufferBytes(): number;
  /** A full collection. */
  collect(): void;
  /** A collection that also gives back what the heap grew to while the modules loaded. */
  compact(): void;
}

export interface BufferReclaimerOptions {
  /** Collect once Buffers hold this many bytes more than after the last collection; 0 turns the reclaimer off. */
  thresholdBytes: number;
  /** How often the held bytes are read. */
  intervalMs: number;
  probe?: ReclaimerProbe;
}

export interface BufferReclaimer {
  stop(): void;
  /** Collections run so far (the one at start not counted). */
  collections(): number;
}

/**
 * Streaming a body allocates a Buffer per read from the socket, garbage a moment later. V8 does not
 * count those bytes toward its heap: it collects them only once they have grown by ~64 MiB since the
 * last collection, so a process streaming an upload swells by that much (plus what the allocator
 * keeps), whatever the file's size. The same rule with a small margin keeps the API's RSS flat while
 * large uploads stream (docs/large-uploads.md, "Memory").
 */
export function startBufferReclaimer(options: BufferReclaimerOptions): BufferReclaimer {
  if (options.thresholdBytes <= 0) return { stop: () => {}, collections: () => 0 };
  const probe = options.probe ?? processProbe();
  // Start-up garbage goes now, while nothing is being served.
  probe.compact();
  // Buffers still live after a collection (a request's file part in flight, an image being
  // worked on) are not garbage: only what was allocated since counts, or a process holding more
  // than the threshold would collect on every tick for nothing.
  let baseline = probe.arrayBufferBytes();
  let count = 0;
  const timer = setInterval(() => {
    if (probe.arrayBufferBytes() - baseline < options.thresholdBytes) return;
    probe.collect();
    count += 1;
    baseline = probe.arrayBufferBytes();
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), collections: () => count };
}

type Collector = (options: { type: 'major'; flavor?: 'regular' | 'last-resort' }) => void;

function processProbe(): ReclaimerProbe {
  // JavaScript reaches the collector only through --expose-gc; setting the flag at run time and
  // reading `gc` from a new context gives the same function without a command-line flag.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Collector;
  return {
    arrayBufferBytes: () => process.memoryUsage().arrayBuffers,
    collect: () => gc({ type: 'major' }),
    compact: () => gc({ type: 'major', flavor: 'last-resort' }),
  };
}

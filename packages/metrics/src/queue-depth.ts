import { Gauge } from 'prom-client';
import { registry } from './registry.ts';

/** The jobs of each queue by state, as one scrape reads them from Redis. */
export type QueueDepths = ReadonlyArray<{ queue: string; counts: Readonly<Record<string, number>> }>;

export interface QueueDepthSource {
  read(): Promise<QueueDepths>;
  /** A scrape never waits longer than this for Redis: past it the gauge has no samples this time. */
  timeoutMs: number;
}

/** The sources added and not yet removed; the newest is read (one per process, but tests start several APIs). */
const sources: QueueDepthSource[] = [];

/**
 * rendition_queue_jobs{queue, state}: read from Redis on every scrape (no timer in between), by whichever
 * process set a source (the API). Without a source, or when Redis does not answer within the source's
 * timeout, the gauge has no samples: a stale depth would look like a real one.
 */
export const queueJobs = new Gauge({
  name: 'rendition_queue_jobs',
  help: 'Jobs in each queue by state (waiting, prioritized, active, delayed, failed), read from Redis at scrape time.',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    const current = sources.at(-1);
    if (current === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, current.timeoutMs, undefined);
    });
    try {
      const depths = await Promise.race([current.read().catch(() => undefined), timeout]);
      for (const { queue, counts } of depths ?? []) {
        for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
      }
    } finally {
      clearTimeout(timer);
    }
  },
});

/** Makes the gauge read from `source` (the newest source wins); returns what removes it when its queues close. */
export function addQueueDepthSource(source: QueueDepthSource): () => void {
  sources.push(source);
  return () => {
    const index = sources.lastIndexOf(source);
    if (index >= 0) sources.splice(index, 1);
  };
}

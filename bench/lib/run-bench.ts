import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanup } from './cleanup.ts';
import { fixed } from './stats.ts';

/**
 * A bench's whole run: `main` under a Cleanup with a deadline (the common 115 s unless the bench
 * says otherwise), the 1-min load average at start and at end printed after it (see
 * bench/README.md), whatever it started stopped, then exit.
 */
export async function runBench(name: string, main: (cleanup: Cleanup) => Promise<void>, deadlineMs = 115_000): Promise<never> {
  const cleanup = new Cleanup(name, deadlineMs);
  try {
    const loadBefore = loadavg()[0]!;
    await main(cleanup);
    console.log(`1-min load average: ${fixed(loadBefore, 2)} at start, ${fixed(loadavg()[0]!, 2)} at end (see bench/README.md)`);
  } finally {
    await cleanup.run();
  }
  process.exit(0);
}

/** A scratch directory for a reference's writes, removed with the rest of the bench. */
export async function scratchDirectory(cleanup: Cleanup): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'rendition-bench-ref-'));
  cleanup.add('reference scratch directory', () => rm(scratch, { recursive: true, force: true }));
  return scratch;
}

export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

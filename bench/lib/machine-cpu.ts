import { readFile } from 'node:fs/promises';

/** Linux's USER_HZ: /proc's CPU times count ticks of 10 ms. */
export const CLOCK_TICKS = 100;

/** Busy CPU seconds of the whole machine so far (every core), from /proc/stat; NaN off Linux. */
export async function machineBusySeconds(): Promise<number> {
  try {
    const [user, nice, system, , , irq, softirq, steal] = (await readFile('/proc/stat', 'utf8'))
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

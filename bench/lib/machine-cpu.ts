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

/** User + system CPU seconds of process `pid` so far, from /proc/<pid>/stat; rejects once it has ended (or off Linux). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // After the command (which may hold spaces): state is field 3, so utime (14) and stime (15) are at indexes 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

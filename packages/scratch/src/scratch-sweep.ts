import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'rendition-scratch-';
/** `rendition-scratch-<pid>@<host>-<random>`: mkdtemp adds the six random characters. */
const NAME = /^rendition-scratch-(\d+)@([A-Za-z0-9.-]{1,64})-[A-Za-z0-9]{6}$/;

/** The scratch directories this process is using now: never swept, whatever their age. */
export const activeScratchDirs = new Set<string>();

function hostLabel(): string {
  return (
    hostname()
      .replace(/[^A-Za-z0-9.-]/g, '-')
      .slice(0, 64) || 'host'
  );
}

/** What a scratch directory made by this process is called before mkdtemp's random suffix. */
export function scratchDirPrefix(): string {
  return `${PREFIX}${process.pid}@${hostLabel()}-`;
}

export interface ScratchSweepResult {
  removed: string[];
  /** Scratch directories left in place: in use here, or another live process's and not yet too old. */
  kept: number;
}

/**
 * Removes the scratch directories under `parent` that nobody will remove: those of a process on this
 * host that no longer runs (a worker killed in the middle of a job), and any older than `maxAgeMs` that
 * this process is not using (another host's on a shared volume, or a pid reused since). Only names made
 * by withTempDir are considered, so nothing else in a shared temp directory is touched.
 */
export async function sweepScratchDirs(parent: string, options: { maxAgeMs: number; now?: number }): Promise<ScratchSweepResult> {
  const now = options.now ?? Date.now();
  const host = hostLabel();
  const removed: string[] = [];
  let kept = 0;
  let names: string[];
  try {
    names = await readdir(parent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { removed, kept };
    throw error;
  }
  for (const name of names) {
    const match = NAME.exec(name);
    if (!match) continue;
    const path = join(parent, name);
    if (activeScratchDirs.has(path)) {
      kept++;
      continue;
    }
    const pid = Number(match[1]);
    const ownerGone = match[2] === host && pid !== process.pid && !isRunning(pid);
    const modified = await stat(path).then(
      (stats) => stats.mtimeMs,
      () => undefined,
    );
    if (modified === undefined) continue;
    // Age alone also covers this process's own directories whose removal failed: one that mkdtemp has
    // just made is not registered yet, and is young.
    const tooOld = now - modified > options.maxAgeMs;
    if (ownerGone || tooOld) {
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } else {
      kept++;
    }
  }
  return { removed, kept };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

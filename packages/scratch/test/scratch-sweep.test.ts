import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDirPrefix, sweepScratchDirs, withTempDir } from '@rendition/scratch';

// Scratch directories carry who made them, so a sweep removes those of processes that are gone (a
// worker killed in the middle of a job) and nothing else in a shared temp directory.

let parent: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'scratch-sweep-test-'));
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const host =
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, '-')
    .slice(0, 64) || 'host';

/** The pid of a process that has ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

async function scratchOf(pid: number, who = host, suffix = 'abc123'): Promise<string> {
  const path = join(parent, `rendition-scratch-${pid}@${who}-${suffix}`);
  await mkdir(path);
  return path;
}

async function age(path: string, ms: number): Promise<void> {
  const then = new Date(Date.now() - ms);
  await utimes(path, then, then);
}

describe('withTempDir', () => {
  it('names its directory after this process and host, and removes it', async () => {
    let made = '';
    await withTempDir(parent, async (dir) => {
      made = dir;
      expect(dir.startsWith(join(parent, scratchDirPrefix()))).toBe(true);
      expect(scratchDirPrefix()).toBe(`rendition-scratch-${process.pid}@${host}-`);
    });
    expect(made).not.toBe('');
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('sweepScratchDirs', () => {
  it("removes an ended process's directory at once, and keeps a live process's until it is too old", async () => {
    const dead = await scratchOf(endedPid());
    const live = await scratchOf(process.ppid);
    const result = await sweepScratchDirs(parent, { maxAgeMs: 3_600_000 });
    expect(result).toEqual({ removed: [dead], kept: 1 });
    await age(live, 7_200_000);
    expect((await sweepScratchDirs(parent, { maxAgeMs: 3_600_000 })).removed).toEqual([live]);
  });

  it("judges another host's directories by age only", async () => {
    const young = await scratchOf(endedPid(), 'other-host', 'aaaaaa');
    const old = await scratchOf(endedPid(), 'other-host', 'bbbbbb');
    await age(old, 7_200_000);
    expect(await sweepScratchDirs(parent, { maxAgeMs: 3_600_000 })).toEqual({ removed: [old], kept: 1 });
    expect(await readdir(parent)).toEqual([young.split('/').at(-1)]);
  });

  it('never removes a directory this process is using, however old', async () => {
    await withTempDir(parent, async (dir) => {
      await age(dir, 7_200_000);
      expect(await sweepScratchDirs(parent, { maxAgeMs: 1 })).toEqual({ removed: [], kept: 1 });
    });
  });

  it('leaves everything that is not a scratch directory alone', async () => {
    await mkdir(join(parent, 'rendition-data-abc123'));
    await mkdir(join(parent, 'rendition-abc123'));
    await mkdir(join(parent, 'other'));
    for (const name of await readdir(parent)) await age(join(parent, name), 7_200_000);
    expect(await sweepScratchDirs(parent, { maxAgeMs: 1 })).toEqual({ removed: [], kept: 0 });
    expect((await readdir(parent)).sort()).toEqual(['other', 'rendition-abc123', 'rendition-data-abc123']);
  });

  it('is a no-op for a missing parent', async () => {
    expect(await sweepScratchDirs(join(parent, 'missing'), { maxAgeMs: 1 })).toEqual({ removed: [], kept: 0 });
  });
});

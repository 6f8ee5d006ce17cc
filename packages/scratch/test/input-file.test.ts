import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inputInMemory, inputOnDisk, scratchDirPrefix, withLazyTempDir, withTempDir } from '@rendition/scratch';

let parent: string;

beforeEach(async () => {
  parent = await mkdtemp(join(tmpdir(), 'input-file-test-'));
});

afterEach(async () => {
  await rm(parent, { recursive: true, force: true });
});

const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex');

describe('withLazyTempDir', () => {
  it('makes no directory for work that never asks for one', async () => {
    const answer = await withLazyTempDir(parent, async () => {
      expect(await readdir(parent)).toEqual([]);
      return 42;
    });
    expect(answer).toBe(42);
    expect(await readdir(parent)).toEqual([]);
  });

  it('makes one directory, named as a scratch directory, at the first ask, and removes it with what it holds', async () => {
    let seen: string[] = [];
    await withLazyTempDir(parent, async (dir) => {
      const first = await dir();
      expect(await dir()).toBe(first);
      await writeFile(join(first, 'a'), 'x');
      seen = await readdir(parent);
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.startsWith(scratchDirPrefix())).toBe(true);
    expect(await readdir(parent)).toEqual([]);
  });

  it('removes the directory when the work fails, and passes the failure on', async () => {
    await expect(
      withLazyTempDir(parent, async (dir) => {
        await writeFile(join(await dir(), 'a'), 'x');
        throw new Error('work failed');
      }),
    ).rejects.toThrow('work failed');
    expect(await readdir(parent)).toEqual([]);
  });

  it("fails with mkdtemp's error where the directory cannot be made, only when one is asked for", async () => {
    const absent = join(parent, 'absent');
    expect(await withLazyTempDir(absent, async () => 'no file needed')).toBe('no file needed');
    await expect(withLazyTempDir(absent, async (dir) => dir())).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(withTempDir(absent, async () => 'unreached')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('InputFile', () => {
  it('reads bytes held in memory as they are, and writes them to a file once, at the first ask for a path', async () => {
    const bytes = Buffer.from('small upload bytes');
    await withLazyTempDir(parent, async (dir) => {
      let asked = 0;
      const input = inputInMemory(bytes, md5(bytes), async () => {
        asked += 1;
        return join(await dir(), 'source');
      });
      expect({ bytes: input.bytes, md5: input.md5, source: input.source }).toEqual({ bytes: bytes.length, md5: md5(bytes), source: bytes });
      expect(await readdir(parent)).toEqual([]);
      const [path, again] = await Promise.all([input.path(), input.path()]);
      expect(again).toBe(path);
      expect(asked).toBe(1);
      expect((await readFile(path)).equals(bytes)).toBe(true);
    });
    expect(await readdir(parent)).toEqual([]);
  });

  it('never writes over a file already at the path it is given', async () => {
    const path = join(parent, 'taken');
    await writeFile(path, 'someone else');
    const input = inputInMemory(Buffer.from('mine'), md5(Buffer.from('mine')), async () => path);
    await expect(input.path()).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('someone else');
  });

  it('hands a file on disk over by its path', async () => {
    const path = join(parent, 'on-disk');
    await writeFile(path, 'abc');
    const input = inputOnDisk({ path, bytes: 3, md5: md5(Buffer.from('abc')) });
    expect({ bytes: input.bytes, md5: input.md5, source: input.source }).toEqual({ bytes: 3, md5: md5(Buffer.from('abc')), source: path });
    expect(await input.path()).toBe(path);
  });
});

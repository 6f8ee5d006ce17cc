import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeArchive, type ArchiveEntry } from '../src/archive-writer.ts';

const run = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-archive-writer-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const mtime = new Date('2024-05-06T07:08:10Z');

function entry(name: string, bytes: Buffer, compress = false): ArchiveEntry & { opened: () => number } {
  let opened = 0;
  return {
    name,
    size: bytes.length,
    mtime,
    compress,
    opened: () => opened,
    async open() {
      opened++;
      // Many small chunks: the archivers must keep their order and backpressure.
      const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, index) => bytes.subarray(index * 1000, (index + 1) * 1000));
      return Readable.from(chunks);
    },
  };
}

describe('writeArchive', () => {
  const files = {
    'a/photo.jpg': randomBytes(300_000),
    'notes.txt': Buffer.from('hello archive\n'.repeat(2000)),
    'empty.bin': Buffer.alloc(0),
  };
  const entries = () => Object.entries(files).map(([name, bytes]) => entry(name, bytes, name.endsWith('.txt')));

  it('writes a zip that unzip reads back byte for byte, deflating only what it is told to', async () => {
    const path = join(work, 'out.zip');
    await writeFile(path, await buffer(writeArchive('zip', entries())));
    const { stdout } = await run('unzip', ['-v', path]);
    expect(stdout).toMatch(/Stored.*a\/photo\.jpg/);
    expect(stdout).toMatch(/Defl:N.*notes\.txt/);
    for (const [name, bytes] of Object.entries(files)) {
      const { stdout: read } = await run('unzip', ['-p', path, name], { encoding: 'buffer', maxBuffer: 4 * 1024 * 1024 });
      expect(read.equals(bytes)).toBe(true);
    }
  });

  it('writes a tgz that tar reads back byte for byte, with a long UTF-8 name', async () => {
    const long = `${'dossier-é/'.repeat(12)}file.bin`;
    const path = join(work, 'out.tgz');
    await writeFile(path, await buffer(writeArchive('tgz', [...entries(), entry(long, Buffer.from('long'))])));
    const dir = join(work, 'untar');
    await run('mkdir', ['-p', dir]);
    await run('tar', ['-xzf', path, '-C', dir]);
    for (const [name, bytes] of Object.entries(files)) expect((await readFile(join(dir, name))).equals(bytes)).toBe(true);
    expect((await readFile(join(dir, long))).toString()).toBe('long');
  });

  it.each(['zip', 'tgz'] as const)('%s: holds one entry open at a time, each opened once', async (format) => {
    let open = 0;
    let mostOpen = 0;
    const list = entries().map((item) => ({
      ...item,
      async open() {
        const source = await item.open();
        mostOpen = Math.max(mostOpen, ++open);
        source.once('close', () => open--);
        return source;
      },
    }));
    await buffer(writeArchive(format, [...list, ...entries().map((item) => ({ ...item, name: `again/${item.name}` }))]));
    expect(mostOpen).toBe(1);
    expect(list.map((item) => item.opened())).toEqual([1, 1, 1]);
  });

  it.each(['zip', 'tgz'] as const)('%s: fails the output when an entry cannot be read', async (format) => {
    const broken: ArchiveEntry = {
      name: 'broken.bin',
      size: 10,
      mtime,
      compress: false,
      open: async () => {
        throw new Error('blob is gone');
      },
    };
    await expect(buffer(writeArchive(format, [entry('ok.bin', randomBytes(10)), broken]))).rejects.toThrow(/blob is gone/);
  });

  it.each(['zip', 'tgz'] as const)('%s: fails the output when an entry fails midway', async (format) => {
    const failing: ArchiveEntry = {
      name: 'failing.bin',
      size: 1_000_000,
      mtime,
      compress: false,
      async open() {
        let sent = 0;
        return new Readable({
          read() {
            if (sent > 100_000) this.destroy(new Error('storage went away'));
            else this.push(randomBytes(50_000));
            sent += 50_000;
          },
        });
      },
    };
    await expect(buffer(writeArchive(format, [failing]))).rejects.toThrow(/storage went away/);
  });

  it.each(['zip', 'tgz'] as const)('%s: fails when an entry is shorter than announced', async (format) => {
    const short = { ...entry('short.bin', randomBytes(100)), size: 200 };
    await expect(buffer(writeArchive(format, [short]))).rejects.toThrow();
  });

  it.each(['zip', 'tgz'] as const)('%s: releases the entry being read when the reader gives up', async (format) => {
    let released = false;
    const endless: ArchiveEntry = {
      name: 'endless.bin',
      size: 1024 * 1024 * 1024,
      mtime,
      compress: false,
      async open() {
        const source = new Readable({
          read() {
            this.push(randomBytes(64 * 1024));
          },
        });
        source.once('close', () => {
          released = true;
        });
        return source;
      },
    };
    const output = writeArchive(format, [endless]);
    let read = 0;
    for await (const chunk of output) {
      read += (chunk as Buffer).length;
      if (read > 1024 * 1024) break;
    }
    await expect.poll(() => released).toBe(true);
  });
});

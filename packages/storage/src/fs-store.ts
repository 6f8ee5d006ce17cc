import { randomUUID } from 'node:crypto';
import { constants, createWriteStream, type Dirent } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertWellFormedRange,
  BlobNotFoundError,
  InvalidRangeError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
} from './blob-store.ts';
import { assertSafeKey, assertSafePrefix, InvalidKeyError } from './keys.ts';

// Temp files live inside root so that rename() never crosses a filesystem and stays atomic.
const TMP_DIR = '.tmp';

/** Codes meaning "nothing is at this path" (ENOTDIR: a parent segment is a file). */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Objects are plain files under root, one directory per key segment. Content types are not kept:
 * the catalog knows each object's format.
 */
export class FsBlobStore implements BlobStore {
  readonly #root: string;
  readonly #tmp: string;

  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
    this.#tmp = join(this.#root, TMP_DIR);
  }

  #path(key: string): string {
    assertSafeKey(key);
    if (key === TMP_DIR || key.startsWith(`${TMP_DIR}/`)) throw new InvalidKeyError(key, `"${TMP_DIR}" is reserved`);
    return join(this.#root, ...key.split('/'));
  }

  async put(key: string, body: Readable | Buffer, _options?: PutOptions): Promise<{ size: number }> {
    return this.#writeAtomically(key, async (tmp) => {
      // flush: fsync before close, so a crash after put() resolves cannot leave a short file.
      if (Buffer.isBuffer(body)) {
        await writeFile(tmp, body, { flag: 'wx', flush: true });
        return body.length;
      }
      const out = createWriteStream(tmp, { flags: 'wx', flush: true });
      await pipeline(body, out);
      return out.bytesWritten;
    });
  }

  async putFile(key: string, path: string, _options?: PutOptions): Promise<{ size: number }> {
    return this.#writeAtomically(key, async (tmp) => {
      await copyFile(path, tmp, constants.COPYFILE_EXCL);
      // As put(): on disk before it is in place.
      const handle = await open(tmp, 'r');
      try {
        await handle.sync();
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    });
  }

  /** Writes a temporary file inside root with `write` (which returns its size), then renames it into place. */
  async #writeAtomically(key: string, write: (tmp: string) => Promise<number>): Promise<{ size: number }> {
    const target = this.#path(key);
    await mkdir(this.#tmp, { recursive: true });
    const tmp = join(this.#tmp, randomUUID());
    try {
      const size = await write(tmp);
      await this.#moveIntoPlace(tmp, target);
      return { size };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  async getFile(key: string, path: string): Promise<{ size: number }> {
    const source = this.#path(key);
    try {
      await copyFile(source, path, constants.COPYFILE_EXCL);
    } catch (error) {
      if (isMissing(error) && (await stat(source).catch(() => null)) === null) throw new BlobNotFoundError(key, { cause: error });
      throw error;
    }
    return { size: (await stat(path)).size };
  }

  async #moveIntoPlace(tmp: string, target: string): Promise<void> {
    // A concurrent delete() may prune a directory on the way while mkdir creates the path (mkdir then
    // fails with ENOENT), or between mkdir and rename; either way, try again.
    for (let attempt = 1; ; attempt++) {
      try {
        await mkdir(dirname(target), { recursive: true });
        await rename(tmp, target);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 5) throw error;
      }
    }
    await this.#syncDirectory(dirname(target));
  }

  /** Makes the rename itself durable. Some platforms cannot open a directory; they get no guarantee. */
  async #syncDirectory(dir: string): Promise<void> {
    let handle;
    try {
      handle = await open(dir, 'r');
      await handle.sync();
    } catch {
      // best effort, see above
    } finally {
      await handle?.close();
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.#path(key);
    if (range) assertWellFormedRange(range);
    // Opening first turns "absent" into a rejection here rather than an error event on the stream.
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') throw new BlobNotFoundError(key, { cause: error });
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) throw new BlobNotFoundError(key);
      if (range && range.start >= stats.size) throw new InvalidRangeError(key, range);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string): Promise<BlobInfo | null> {
    const path = this.#path(key);
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return null;
      return { key, size: stats.size, lastModified: stats.mtime };
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await unlink(path);
    } catch (error) {
      // EISDIR: the key names a directory, i.e. a prefix of other keys, not an object.
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return;
      throw error;
    }
    await this.#pruneEmptyParents(dirname(path));
  }

  /** Without this, every destroyed asset would leave a trail of empty directories behind. */
  async #pruneEmptyParents(dir: string): Promise<void> {
    while (dir.startsWith(this.#root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): whatever is above it is not empty either
      }
      dir = dirname(dir);
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertSafePrefix(prefix);
    if (prefix === TMP_DIR || prefix.startsWith(`${TMP_DIR}/`)) return;
    // Start at the deepest directory the prefix names in full; the rest of it filters names.
    const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    yield* this.#walk(base, prefix);
  }

  async *#walk(dirKey: string, prefix: string): AsyncGenerator<BlobInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(join(this.#root, ...dirKey.split('/').filter(Boolean)), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    // Sorting "name/" for directories yields keys in byte order, the order S3 lists them in.
    const named = entries
      .filter((entry) => !(dirKey === '' && entry.name === TMP_DIR))
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { entry } of named) {
      const key = dirKey + entry.name;
      if (entry.isDirectory()) {
        const childDir = `${key}/`;
        if (childDir.startsWith(prefix) || prefix.startsWith(childDir)) yield* this.#walk(childDir, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        // A file deleted between readdir and stat is simply no longer listed.
        try {
          const stats = await stat(join(this.#root, ...key.split('/')));
          yield { key, size: stats.size, lastModified: stats.mtime };
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
    }
  }

  async close(): Promise<void> {}
}

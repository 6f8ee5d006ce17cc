import { randomUUID } from 'node:crypto';
import {
  close as closeCallback,
  constants,
  createReadStream,
  createWriteStream,
  fstat as fstatCallback,
  open as openCallback,
  type Dirent,
} from 'node:fs';
import { access, copyFile, link, mkdir, open, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import {
  assertPartNumber,
  assertPartSize,
  assertWellFormedRange,
  BlobNotFoundError,
  InvalidRangeError,
  MissingPartError,
  sortedParts,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
} from './blob-store.ts';
import { assertSafeKey, assertSafePrefix, InvalidKeyError } from './keys.ts';
import { PartMeter } from './part-meter.ts';

// Temp files live inside root so that rename() never crosses a filesystem and stays atomic.
const TMP_DIR = '.tmp';
// Parts of assemblies: <root>/.parts/<assembly key>/<part number, 5 digits>. Never listed.
const PARTS_DIR = '.parts';
const RESERVED = [TMP_DIR, PARTS_DIR];
// Read size when joining parts: large reads, bounded memory (one buffer in flight per stream).
// One buffer, reused for every read of a join: a join of gigabytes leaves no garbage behind.
const JOIN_CHUNK_BYTES = 1024 * 1024;
const openFd = promisify(openCallback);
const fstatFd = promisify(fstatCallback);
const closeFd = promisify(closeCallback);
/** Bytes per read of get()'s stream (Node's default is 64 KiB): delivery's images mostly fit in one. */
const READ_CHUNK_BYTES = 256 * 1024;
/**
 * What a stream put() may hold beyond the write in flight (Node's default is 16 KiB): with the
 * default every 64 KiB chunk of an upload waited for the one before it, one write and one trip
 * through libuv's pool each; with room, the chunks that arrive meanwhile go out in one writev.
 */
const WRITE_BUFFER_BYTES = 256 * 1024;

function isReserved(keyOrPrefix: string): boolean {
  return RESERVED.some((name) => keyOrPrefix === name || keyOrPrefix.startsWith(`${name}/`));
}

/** Codes meaning "nothing is at this path" (ENOTDIR: a parent segment is a file). */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Objects are plain files under root, one directory per key segment. Content types are not kept:
 * the catalog knows each object's format.
 */
/** Copies `source` to the new file `tmp` and syncs it, as put() does: on disk before it is put in place. Returns its size. */
async function copySynced(source: string, tmp: string): Promise<number> {
  await copyFile(source, tmp, constants.COPYFILE_EXCL);
  return syncedSize(tmp);
}

/** Syncs a file written by path (copyFile, appends) to disk and answers its size. */
async function syncedSize(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

/** Errors of link(2) that mean "this filesystem will not link these", not a failure of the store. */
const LINK_REFUSED = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK']);

export class FsBlobStore implements BlobStore {
  readonly #root: string;
  readonly #tmp: string;
  readonly #parts: string;

  constructor(rootDir: string) {
    this.#root = resolve(rootDir);
    this.#tmp = join(this.#root, TMP_DIR);
    this.#parts = join(this.#root, PARTS_DIR);
  }

  #path(key: string): string {
    assertSafeKey(key);
    if (isReserved(key)) throw new InvalidKeyError(key, `"${key.split('/')[0]}" is reserved`);
    return join(this.#root, ...key.split('/'));
  }

  /** The directory holding an assembly's parts; the assembly key is checked as any key. */
  #partsDir(assemblyKey: string): string {
    this.#path(assemblyKey);
    return join(this.#parts, ...assemblyKey.split('/'));
  }

  async put(key: string, body: Readable | Buffer, _options?: PutOptions): Promise<{ size: number }> {
    return this.#writeAtomically(key, async (tmp) => {
      // flush: fsync before close, so a crash after put() resolves cannot leave a short file.
      if (Buffer.isBuffer(body)) {
        await writeFile(tmp, body, { flag: 'wx', flush: true });
        return body.length;
      }
      const out = createWriteStream(tmp, { flags: 'wx', flush: true, highWaterMark: WRITE_BUFFER_BYTES });
      await pipeline(body, out);
      return out.bytesWritten;
    });
  }

  async putFile(key: string, path: string, _options?: PutOptions): Promise<{ size: number }> {
    return this.#writeAtomically(key, (tmp) => copySynced(path, tmp));
  }

  async copy(fromKey: string, toKey: string): Promise<{ size: number }> {
    const source = this.#path(fromKey);
    return this.#writeAtomically(toKey, async (tmp) => {
      try {
        await link(source, tmp);
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFoundError(fromKey, { cause: error });
        // A store whose tree spans filesystems, or one that cannot link: the bytes are copied (and synced) instead.
        if (!LINK_REFUSED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
        return copySynced(source, tmp);
      }
      return (await stat(tmp)).size;
    });
  }

  /** Writes a temporary file inside root with `write` (which returns its size), then renames it into place. */
  async #writeAtomically(key: string, write: (tmp: string) => Promise<number>): Promise<{ size: number }> {
    return this.#writeAtomicallyTo(this.#path(key), write);
  }

  async #writeAtomicallyTo(target: string, write: (tmp: string) => Promise<number>): Promise<{ size: number }> {
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

  async localFile(key: string): Promise<string> {
    const path = this.#path(key);
    try {
      await access(path);
    } catch (error) {
      if (isMissing(error)) throw new BlobNotFoundError(key, { cause: error });
      throw error;
    }
    return path;
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
    // A plain descriptor (callback API), not a FileHandle: delivery opens one per request, and a
    // FileHandle's open, stat and close each cost more of the event loop's time.
    let fd: number;
    try {
      fd = await openFd(path, 'r');
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') throw new BlobNotFoundError(key, { cause: error });
      throw error;
    }
    let size: number;
    try {
      const stats = await fstatFd(fd);
      if (!stats.isFile()) throw new BlobNotFoundError(key);
      if (range && range.start >= stats.size) throw new InvalidRangeError(key, range);
      size = stats.size;
    } catch (error) {
      await closeFd(fd);
      throw error;
    }
    if (size === 0) return createReadStream(path, { fd });
    // An explicit end lets the stream stop without a last, empty read, and sizes each read's buffer to
    // what is left; with the larger chunk a typical derivative is read in one call instead of two or three.
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? size - 1, size - 1);
    return createReadStream(path, { fd, start, end, highWaterMark: READ_CHUNK_BYTES });
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
    if (isReserved(prefix)) return;
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
      .filter((entry) => !(dirKey === '' && RESERVED.includes(entry.name)))
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

  async beginParts(assemblyKey: string): Promise<{ driverState?: string }> {
    // Nothing to prepare: the parts directory appears with the first part.
    this.#partsDir(assemblyKey);
    return {};
  }

  async putPart(
    assemblyKey: string,
    _driverState: string | undefined,
    partNumber: number,
    body: Readable,
    size?: number,
  ): Promise<{ size: number; md5: string }> {
    const dir = this.#partsDir(assemblyKey);
    assertPartNumber(partNumber);
    assertPartSize(size);
    const meter = new PartMeter(size);
    // Each part is written like an object (temp file, fsync, rename): a part replaced while it is
    // being joined, or sent twice at once, is one whole version or the other.
    const written = await this.#writeAtomicallyTo(join(dir, partName(partNumber)), async (tmp) => {
      const out = createWriteStream(tmp, { flags: 'wx', flush: true, highWaterMark: WRITE_BUFFER_BYTES });
      await pipeline(body, meter, out);
      return out.bytesWritten;
    });
    return { size: written.size, md5: meter.md5() };
  }

  async adoptPart(assemblyKey: string, _driverState: string | undefined, partNumber: number, sourceKey: string): Promise<{ size: number }> {
    const dir = this.#partsDir(assemblyKey);
    assertPartNumber(partNumber);
    const source = this.#path(sourceKey);
    const stats = await stat(source).catch((error: unknown) => {
      if (isMissing(error)) throw new BlobNotFoundError(sourceKey, { cause: error });
      throw error;
    });
    if (!stats.isFile()) throw new BlobNotFoundError(sourceKey);
    // The object was written durably (put fsyncs it); the rename makes it the part in one step.
    await this.#moveIntoPlace(source, join(dir, partName(partNumber)));
    await this.#pruneEmptyParents(dirname(source));
    return { size: stats.size };
  }

  async completeParts(
    assemblyKey: string,
    _driverState: string | undefined,
    key: string,
    parts: Array<{ partNumber: number; etag?: string }>,
  ): Promise<{ size: number }> {
    const dir = this.#partsDir(assemblyKey);
    this.#path(key);
    const paths = sortedParts(parts).map((part) => ({ partNumber: part.partNumber, path: join(dir, partName(part.partNumber)) }));
    for (const { partNumber, path } of paths) {
      const stats = await stat(path).catch((error: unknown) => {
        if (isMissing(error)) throw new MissingPartError(assemblyKey, partNumber, { cause: error });
        throw error;
      });
      if (!stats.isFile()) throw new MissingPartError(assemblyKey, partNumber);
    }
    const result = await this.#writeAtomically(key, async (tmp) => {
      const [first, ...rest] = paths;
      // The first part is copied in the kernel (copy_file_range, or a reflink where the filesystem
      // shares extents); the others are appended through bounded buffers: Node exposes no ranged
      // kernel copy into an existing file.
      await copyFile((first as { path: string }).path, tmp, constants.COPYFILE_EXCL);
      if (rest.length > 0)
        await appendFiles(
          tmp,
          rest.map(({ path }) => path),
        );
      return syncedSize(tmp);
    });
    await this.#forgetParts(dir);
    return result;
  }

  async abortParts(assemblyKey: string, _driverState: string | undefined): Promise<void> {
    await this.#forgetParts(this.#partsDir(assemblyKey));
  }

  async #forgetParts(dir: string): Promise<void> {
    // A part stored at this moment (a retried chunk) can land between rm's listing and its rmdir
    // (ENOTEMPTY): it belongs to the finished assembly, so it goes too.
    await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 10 });
    await this.#pruneEmptyParents(dirname(dir));
  }

  async close(): Promise<void> {}
}

/** Appends the files to `target` in order, through one buffer. */
async function appendFiles(target: string, sources: readonly string[]): Promise<void> {
  const buffer = Buffer.allocUnsafe(JOIN_CHUNK_BYTES);
  const output = await open(target, 'a');
  try {
    for (const source of sources) {
      const input = await open(source, 'r');
      try {
        for (;;) {
          const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          for (let written = 0; written < bytesRead;) {
            written += (await output.write(buffer, written, bytesRead - written)).bytesWritten;
          }
        }
      } finally {
        await input.close();
      }
    }
  } finally {
    await output.close();
  }
}

/** Zero-padded, so a directory listing is in part order. */
function partName(partNumber: number): string {
  return String(partNumber).padStart(5, '0');
}

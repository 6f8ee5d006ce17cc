import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as pipelineStreams, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { activeScratchDirs, scratchDirPrefix } from './scratch-sweep.ts';

/**
 * A private scratch directory for one job: decoders need files, and it is removed whatever happens. A
 * process killed in the middle cannot remove it; its name (scratchDirPrefix: ours, and which process
 * made it) lets sweepScratchDirs find it later.
 */
export async function withTempDir<T>(parent: string, work: (dir: string) => Promise<T>): Promise<T> {
  return withLazyTempDir(parent, async (dir) => work(await dir()));
}

/**
 * withTempDir for a job that may need no file at all: the directory is made at the first call of
 * `dir()` (every call answers the same one) and removed at the end when it was made.
 */
export async function withLazyTempDir<T>(parent: string, work: (dir: () => Promise<string>) => Promise<T>): Promise<T> {
  let made: Promise<string> | undefined;
  const dir = (): Promise<string> =>
    (made ??= mkdtemp(join(parent, scratchDirPrefix())).then((path) => {
      activeScratchDirs.add(path);
      return path;
    }));
  try {
    return await work(dir);
  } finally {
    if (made) {
      // A failed mkdtemp made nothing to remove.
      const path = await made.catch(() => undefined);
      if (path !== undefined) {
        await rm(path, { recursive: true, force: true });
        activeScratchDirs.delete(path);
      }
    }
  }
}

export interface WrittenFile {
  path: string;
  bytes: number;
  md5: string;
}

/** Writes a stream to a file, hashing on the way so the bytes are read once. */
export async function writeStreamToFile(source: Readable, path: string, maxBytes: number, onTooLarge: () => Error): Promise<WrittenFile> {
  const measured = measureStream(source, { maxBytes, onTooLarge });
  await pipeline(measured.stream, createWriteStream(path));
  return { path, ...measured.result() };
}

/**
 * The same bytes as `source`, counted and MD5-hashed on the way (the hash an asset's etag is), so a
 * writer learns both without reading the bytes again. result() is meant for after the stream ended.
 * With maxBytes, the stream fails with onTooLarge() as soon as it is exceeded.
 */
export function measureStream(
  source: Readable,
  limit?: { maxBytes: number; onTooLarge: () => Error },
): { stream: Readable; result(): { bytes: number; md5: string } } {
  const hash = createHash('md5');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (limit && bytes > limit.maxBytes) {
        callback(limit.onTooLarge());
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  // pipeline, not pipe: a failure on either side (the limit, a broken source, a reader that gives
  // up) destroys both, so a remote response body is released rather than left open. The error
  // reaches the reader through `stream` itself.
  const stream = pipelineStreams(source, meter, () => {});
  return { stream, result: () => ({ bytes, md5: hash.digest('hex') }) };
}

/** measureStream's answer for bytes already in memory: their count and MD5 (the hash an asset's etag is). */
export function hashBytes(data: Buffer): { bytes: number; md5: string } {
  return { bytes: data.length, md5: createHash('md5').update(data).digest('hex') };
}

export async function hashFile(path: string): Promise<WrittenFile> {
  const hash = createHash('md5');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    bytes += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { path, bytes, md5: hash.digest('hex') };
}

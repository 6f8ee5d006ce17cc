import { writeFile } from 'node:fs/promises';
import type { WrittenFile } from './scratch-files.ts';

/**
 * A job's input as its steps read it. Most inputs are files in the job's scratch directory; a small
 * upload's bytes arrive in memory (its outbox row) and stay there: readers that take bytes (sharp,
 * file-type, exifr) read them as they are, and only a step that needs a path (ffprobe, pdf.js, a
 * derivation) has them written to a file, once, at its first call. For a few KB that write, its
 * directory and their removal cost more than the steps that read them (docs/performance.md).
 */
export interface InputFile {
  readonly bytes: number;
  readonly md5: string;
  /** What a reader that takes a path or bytes is given: the bytes when they are held in memory, else the path. */
  readonly source: string | Buffer;
  /** A path holding the bytes; for bytes held in memory, written at the first call. */
  path(): Promise<string>;
}

/** An input that is a file already. */
export function inputOnDisk(file: WrittenFile): InputFile {
  const path = Promise.resolve(file.path);
  return { bytes: file.bytes, md5: file.md5, source: file.path, path: () => path };
}

/**
 * An input held in memory; `pathFor()` names the new file its bytes go to when a step asks for a path
 * (it may make the directory it is in). The file is written exclusively (`wx`), once.
 */
export function inputInMemory(data: Buffer, md5: string, pathFor: () => Promise<string>): InputFile {
  let written: Promise<string> | undefined;
  return {
    bytes: data.byteLength,
    md5,
    source: data,
    path: () =>
      (written ??= (async () => {
        const path = await pathFor();
        await writeFile(path, data, { flag: 'wx' });
        return path;
      })()),
  };
}

import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import type { ArchiveFormat } from './archive-request.ts';

/** The Content-Type of each archive format (download answers, stored archives). */
export const ARCHIVE_CONTENT_TYPES = { zip: 'application/zip', tgz: 'application/gzip' } as const;

/** One file of the archive: its name and size are known before its bytes are read. */
export interface ArchiveEntry {
  name: string;
  size: number;
  mtime: Date;
  /** Deflate it (zip): media formats are compressed already and would only cost CPU. */
  compress: boolean;
  /** Opened only when the archive reaches it, so one blob at a time is open. */
  open(): Promise<Readable>;
}

export interface WriteArchiveOptions {
  /** Called as each entry starts (progress). */
  onEntry?(index: number): void;
}

/**
 * The archive as a stream: entries are read one after the other, each piped through the archiver,
 * so memory stays a few buffers whatever the sizes. A failing entry (or a reader that gives up)
 * destroys the output with the error and releases the entry being read.
 */
export function writeArchive(format: ArchiveFormat, entries: readonly ArchiveEntry[], options: WriteArchiveOptions = {}): Readable {
  return format === 'zip' ? writeZip(entries, options) : writeTgz(entries, options);
}

function writeZip(entries: readonly ArchiveEntry[], options: WriteArchiveOptions): Readable {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const reading = new OpenSources(output);
  zip.on('error', (error: Error) => output.destroy(error));
  entries.forEach((entry, index) => {
    zip.addReadStreamLazy(entry.name, { size: entry.size, mtime: entry.mtime, mode: 0o100644, compress: entry.compress }, (callback) => {
      options.onEntry?.(index);
      entry.open().then(
        (source) => callback(null, reading.track(source)),
        (error: unknown) => callback(error, undefined as never),
      );
    });
  });
  zip.end();
  return output;
}

function writeTgz(entries: readonly ArchiveEntry[], options: WriteArchiveOptions): Readable {
  const pack = tar.pack();
  const packed = Readable.from(pack);
  // Its failures reach the reader through `output` (pipeline); one emitted after the pipeline ended
  // (the reader gave up) would otherwise be an uncaught exception.
  packed.on('error', () => {});
  const output = pipeline(packed, createGzip(), () => {});
  const reading = new OpenSources(output);
  const fill = async () => {
    for (const [index, entry] of entries.entries()) {
      options.onEntry?.(index);
      const source = reading.track(await entry.open());
      let settle: (error?: Error | null) => void = () => {};
      const written = new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
      });
      const sink = pack.entry({ name: entry.name, size: entry.size, mtime: entry.mtime, mode: 0o644, type: 'file' }, (error) => settle(error));
      // Reported through `written` (a size mismatch, a destroyed pack); unheard, streamx would throw it.
      sink.on('error', () => {});
      // Awaited below; until then a failure of the entry must not count as an unhandled rejection.
      written.catch(() => {});
      // Copied by hand: tar-stream's entries are streamx streams, and waiting for 'drain' (or the
      // output's end) keeps the backpressure of whoever reads the archive.
      for await (const chunk of source) {
        if (!sink.write(chunk)) await Promise.race([drained(sink), reading.closed, written]);
        if (reading.aborted) return;
      }
      sink.end(undefined);
      await Promise.race([written, reading.closed]);
      if (reading.aborted) return;
    }
    pack.finalize();
  };
  fill().catch((error: unknown) => {
    output.destroy(error instanceof Error ? error : new Error(String(error)));
    pack.destroy();
  });
  return output;
}

function drained(sink: { once(name: 'drain', listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => sink.once('drain', () => resolve()));
}

/**
 * The entry being read: its failure fails the archive, and it is released when the archive's reader
 * stops early (its error or its own destroy), which the archiver would otherwise wait on forever,
 * holding a blob open.
 */
class OpenSources {
  aborted = false;
  readonly closed: Promise<void>;
  #current: Readable | undefined;

  readonly #output: Readable;

  constructor(output: Readable) {
    this.#output = output;
    this.closed = new Promise((resolve) => {
      output.once('close', () => {
        if (!output.readableEnded) {
          this.aborted = true;
          this.#current?.destroy();
        }
        resolve();
      });
    });
  }

  track(source: Readable): Readable {
    this.#current = source;
    // yazl listens to no error of a stream it is given: a blob failing midway fails the archive here.
    source.on('error', (error) => this.#output.destroy(error));
    if (this.aborted) source.destroy();
    return source;
  }
}

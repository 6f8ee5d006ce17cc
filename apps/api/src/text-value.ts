import { randomUUID } from 'node:crypto';
import { open, readFile, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A text parameter's value: in memory, or in a temporary file when it outgrew the memory allowance. */
export interface TextValue {
  readonly bytes: number;
  /** True when the value lives in a temporary file. */
  readonly spilled: boolean;
  /** The value as UTF-8 text (read back from the file when spilled: call it after authentication only). */
  text(): Promise<string>;
  discard(): Promise<void>;
}

export interface TextValueWriterOptions {
  /** Bytes kept in memory; past them the value moves to a temporary file. */
  memoryBytes: number;
  /** Most bytes in all; `tooLarge()` is thrown past them, before the excess is kept anywhere. */
  maxBytes: number;
  tooLarge: () => Error;
  /** Runs once, before the first byte goes to disk: the last chance to refuse cheaply. */
  beforeSpill?: () => Promise<void>;
  directory?: string;
}

/**
 * Collects a value chunk by chunk. The `file` text of an upload (a data URI) may legitimately be
 * tens of MB and arrive before the signature: it goes to disk, so what an unauthenticated request
 * costs in memory stays MAX_FIELD_BYTES.
 */
export class TextValueWriter {
  readonly #options: TextValueWriterOptions;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #path: string | undefined;
  #handle: FileHandle | undefined;
  #closed = false;

  constructor(options: TextValueWriterOptions) {
    this.#options = options;
  }

  get bytes(): number {
    return this.#bytes;
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.#bytes += chunk.length;
    if (this.#bytes > this.#options.maxBytes) throw this.#options.tooLarge();
    if (!this.#handle && this.#bytes <= this.#options.memoryBytes) {
      this.#chunks.push(chunk);
      return;
    }
    if (!this.#handle) await this.#spill();
    await this.#handle!.write(chunk);
  }

  async #spill(): Promise<void> {
    await this.#options.beforeSpill?.();
    this.#path = join(this.#options.directory ?? tmpdir(), `rendition-text-${randomUUID()}`);
    this.#handle = await open(this.#path, 'wx', 0o600);
    for (const chunk of this.#chunks) await this.#handle.write(chunk);
    this.#chunks = [];
  }

  async finish(): Promise<TextValue> {
    await this.#close();
    const bytes = this.#bytes;
    const path = this.#path;
    if (path === undefined) {
      const text = Buffer.concat(this.#chunks).toString('utf8');
      this.#chunks = [];
      return { bytes, spilled: false, text: async () => text, discard: async () => {} };
    }
    let discarded = false;
    return {
      bytes,
      spilled: true,
      text: () => readFile(path, 'utf8'),
      discard: async () => {
        if (discarded) return;
        discarded = true;
        await rm(path, { force: true });
      },
    };
  }

  /** Drops whatever was collected (a refused request). */
  async abort(): Promise<void> {
    this.#chunks = [];
    await this.#close();
    if (this.#path !== undefined) await rm(this.#path, { force: true });
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#handle?.close();
  }
}

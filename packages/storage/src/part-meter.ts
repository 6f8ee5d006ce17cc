import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PartSizeMismatchError } from './blob-store.ts';

/**
 * A pass-through that measures a part on its way to storage: its size and MD5. With an expected
 * size it also enforces it, and holds back the latest chunk until the source has ended with exactly
 * that many bytes: whatever reads from it (an UploadPart request with that Content-Length) cannot
 * receive the last byte, and so cannot finish, before the length is known to be right. A body of
 * another length fails with PartSizeMismatchError. At most one source chunk is held.
 */
export class PartMeter extends Transform {
  readonly #expected: number | undefined;
  readonly #hash: Hash = createHash('md5');
  #size = 0;
  #held: Buffer | undefined;

  constructor(expectedSize?: number) {
    super();
    this.#expected = expectedSize;
  }

  get size(): number {
    return this.#size;
  }

  /** Hex MD5 of every byte seen; read it once the source has ended. */
  md5(): string {
    return this.#hash.copy().digest('hex');
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#size += chunk.length;
    this.#hash.update(chunk);
    if (this.#expected === undefined) {
      done(null, chunk);
      return;
    }
    if (this.#size > this.#expected) {
      done(new PartSizeMismatchError(this.#expected, this.#size));
      return;
    }
    const previous = this.#held;
    this.#held = chunk;
    done(null, previous);
  }

  override _flush(done: TransformCallback): void {
    if (this.#expected !== undefined && this.#size !== this.#expected) {
      done(new PartSizeMismatchError(this.#expected, this.#size));
      return;
    }
    done(null, this.#held);
  }
}

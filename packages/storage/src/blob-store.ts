import type { Readable } from 'node:stream';

export interface BlobInfo {
  key: string;
  size: number;
  /** Only drivers that keep metadata return it (S3 does; the filesystem driver does not). */
  contentType?: string;
  lastModified?: Date;
}

/** Inclusive end, like HTTP Range. Without end: to the last byte. An end past the object is clamped. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface PutOptions {
  contentType?: string;
}

/**
 * Bytes by key. Keys come from keys.ts; every method rejects an unsafe key with InvalidKeyError
 * before any I/O.
 */
export interface BlobStore {
  /** Streams body into key. Atomic: readers see the old object or the whole new one, never a part. Returns bytes written. */
  put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<{ size: number }>;
  /**
   * Throws BlobNotFoundError when absent. With range: only those bytes; InvalidRangeError when
   * range.start is not inside the object (so an empty object has no satisfiable range).
   */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /**
   * put() from a local file, as atomic. The filesystem driver copies in the kernel (copy_file_range),
   * so no bytes pass through JavaScript.
   */
  putFile(key: string, path: string, options?: PutOptions): Promise<{ size: number }>;
  /** Writes the object to a new local file at path (which must not exist); BlobNotFoundError when absent. */
  getFile(key: string, path: string): Promise<{ size: number }>;
  head(key: string): Promise<BlobInfo | null>;
  /** Idempotent: deleting a missing key is fine. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with prefix (a plain string prefix, as in S3), in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  close(): Promise<void>;
}

export class BlobNotFoundError extends Error {
  readonly key: string;

  constructor(key: string, options?: { cause?: unknown }) {
    super(`no object at ${JSON.stringify(key)}`, options);
    this.name = 'BlobNotFoundError';
    this.key = key;
  }
}

/** The HTTP layer maps this to 416, so it is a distinct type rather than a generic failure. */
export class InvalidRangeError extends Error {
  readonly key: string;
  readonly range: ByteRange;

  constructor(key: string, range: ByteRange, options?: { cause?: unknown }) {
    super(`range ${range.start}-${range.end ?? ''} is not satisfiable for ${JSON.stringify(key)}`, options);
    this.name = 'InvalidRangeError';
    this.key = key;
    this.range = range;
  }
}

/** A malformed range is a caller bug, not a property of the object, so it fails before any I/O. */
export function assertWellFormedRange(range: ByteRange): void {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0) throw new RangeError(`range start must be a non-negative integer, got ${start}`);
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start)) {
    throw new RangeError(`range end must be an integer >= start, got ${start}-${end}`);
  }
}

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
  /**
   * The local file that holds the object, to read in place instead of copying it (getFile); present
   * only where objects are local files (the filesystem driver). Objects are never written in place
   * (put renames a finished file into place), so what a reader opened stays whole; a reader must not
   * write to it. BlobNotFoundError when absent.
   */
  localFile?(key: string): Promise<string>;
  /**
   * The object at `fromKey` also under `toKey`, as durable and atomic as put(), made without moving
   * the bytes where the driver can: the filesystem driver hard-links the file, whose bytes put()
   * made durable already (an ingest stores the staged upload as the original this way). Objects are
   * never written in place, so the two keys stay independent: deleting one leaves the other.
   * BlobNotFoundError when `fromKey` is absent. Optional: without it, callers putFile a local copy.
   */
  copy?(fromKey: string, toKey: string): Promise<{ size: number }>;
  head(key: string): Promise<BlobInfo | null>;
  /** Idempotent: deleting a missing key is fine. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with prefix (a plain string prefix, as in S3), in key order. */
  list(prefix: string): AsyncIterable<BlobInfo>;

  // Assemblies: one object stored as numbered parts that arrive separately (chunked uploads). An
  // assembly is named by a key (largeUploadKey) and, on S3, by the driver state beginParts returns;
  // the caller keeps both, and the parts it stored, until completeParts or abortParts. list() never
  // shows parts.

  /** Opaque state of one assembly (the S3 UploadId; undefined for the filesystem). Stored by the caller. */
  beginParts(assemblyKey: string): Promise<{ driverState?: string }>;
  /**
   * Stores one part; partNumber 1..10000 ascending with the part's position; parts of one assembly may
   * arrive in any order and concurrently; storing the same partNumber again replaces it. Returns its
   * size and md5 (hex), and on S3 its ETag (hand it back to completeParts).
   *
   * size, when the caller knows it, is the exact length of body: the S3 driver then streams the part
   * straight into UploadPart (which needs a Content-Length); without it the part is spooled to a local
   * temp file first. A body of another length fails with PartSizeMismatchError and replaces nothing.
   * On S3 every part but the last must be >= 5 MiB (5,242,880 bytes: more than Cloudinary's 5 MB chunk
   * minimum), or completeParts fails.
   */
  putPart(
    assemblyKey: string,
    driverState: string | undefined,
    partNumber: number,
    body: Readable,
    size?: number,
  ): Promise<{ size: number; md5: string; etag?: string }>;
  /**
   * Makes the object at `sourceKey` part `partNumber` of the assembly, consuming it (the object is
   * gone afterwards), without passing its bytes through this process where the store can: the
   * filesystem renames the file; S3 streams it from the object into UploadPart. Returns the part's
   * size (and, on S3, its ETag). A missing source: BlobNotFoundError, nothing changed.
   */
  adoptPart(assemblyKey: string, driverState: string | undefined, partNumber: number, sourceKey: string): Promise<{ size: number; etag?: string }>;
  /**
   * Joins the parts, ordered by partNumber, into `key` atomically, then forgets them (parts not listed
   * are dropped too). A listed part the assembly does not hold: MissingPartError, nothing written.
   * On S3 the multipart upload creates the object at assemblyKey, so a `key` other than assemblyKey
   * costs a server-side copy (no bytes through this process); key === assemblyKey avoids it.
   */
  completeParts(
    assemblyKey: string,
    driverState: string | undefined,
    key: string,
    parts: Array<{ partNumber: number; etag?: string }>,
  ): Promise<{ size: number }>;
  /** Drops every part of the assembly. Idempotent: an unknown or already finished assembly is fine. */
  abortParts(assemblyKey: string, driverState: string | undefined): Promise<void>;

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

export const MAX_PART_NUMBER = 10_000;

/** A bad part number is a caller bug, so it fails before any I/O. */
export function assertPartNumber(partNumber: number): void {
  if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new RangeError(`partNumber must be an integer in 1..${MAX_PART_NUMBER}, got ${partNumber}`);
  }
}

export function assertPartSize(size: number | undefined): void {
  if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw new RangeError(`part size must be a non-negative integer, got ${size}`);
}

/** Sorted by partNumber; refuses an empty list and a part number listed twice. */
export function sortedParts<T extends { partNumber: number }>(parts: readonly T[]): T[] {
  if (parts.length === 0) throw new RangeError('completeParts needs at least one part');
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  let previous = 0;
  for (const { partNumber } of sorted) {
    assertPartNumber(partNumber);
    if (partNumber === previous) throw new RangeError(`part ${partNumber} is listed twice`);
    previous = partNumber;
  }
  return sorted;
}

/** A part's body was not as long as the size the caller declared; nothing was stored. */
export class PartSizeMismatchError extends Error {
  readonly expected: number;
  readonly received: number;

  constructor(expected: number, received: number) {
    super(`part body ${received > expected ? 'is longer than' : 'ended before'} its declared ${expected} bytes (${received} received)`);
    this.name = 'PartSizeMismatchError';
    this.expected = expected;
    this.received = received;
  }
}

/** completeParts named a part the assembly does not hold (or the assembly itself is gone). */
export class MissingPartError extends Error {
  readonly assemblyKey: string;
  readonly partNumber: number | undefined;

  constructor(assemblyKey: string, partNumber: number | undefined, options?: { cause?: unknown }) {
    super(`assembly ${JSON.stringify(assemblyKey)} has no part ${partNumber ?? '(unknown)'}`, options);
    this.name = 'MissingPartError';
    this.assemblyKey = assemblyKey;
    this.partNumber = partNumber;
  }
}

import { randomBytes, randomUUID } from 'node:crypto';
import { ensureLargeUpload, withLockedLargeUpload, type LargeUploadPart, type LockedLargeUpload } from '@rendition/catalog';
import { ApiError } from '@rendition/protocol';
import { largeUploadKey, stagingKey } from '@rendition/storage';
import type { IntakeDependencies, StagedFile } from './intake-service.ts';

/**
 * LARGE_UPLOAD_MIN_PART_BYTES's default: every part but the last must be at least this large (reference
 * §5, §7.3: "5mb", read as S3's 5 MiB, the multipart minimum of the store behind the parts).
 */
export const DEFAULT_MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's most parts of one multipart upload. */
const MAX_PART_NUMBER = 10_000;
/** Cloudinary's text, whatever the configured minimum: the SDKs' tests compare it exactly. */
export const SMALL_PART_MESSAGE = 'All parts except EOF-chunk must be larger than 5mb';

/** Where one chunk goes: a byte range (`Content-Range`) or a part number (`X-Upload-Part-Number`). */
export type ChunkPosition =
  | {
      kind: 'range';
      start: number;
      end: number;
      total: number | undefined;
      /** The total was `-1`: the client says more parts follow (Node's and Java's non-final parts). */
      moreFollow?: boolean;
      text: string;
    }
  | { kind: 'part'; partNumber: number; totalParts: number };

export interface LargeUploadDependencies extends Pick<IntakeDependencies, 'db' | 'store'> {
  /** MAX_LARGE_UPLOAD_BYTES: the running total of an upload's parts. */
  maxLargeUploadBytes: number;
  /** LARGE_UPLOAD_MIN_PART_BYTES: the smallest part but the last; byte ranges are numbered in steps of it. */
  minPartBytes: number;
}

export type ChunkOutcome =
  | { done: false; bytes: number }
  /** This chunk completed the file: it is assembled into staging, ready for acceptUpload. */
  | { done: true; bytes: number; staged: StagedFile };

/**
 * Records one chunk of a chunked upload (reference wave 2 §4.3). The chunk was staged and measured by
 * the caller (so its md5 is known before anything of the upload changes); it is checked against what
 * the upload already holds under the session's row lock, then made a part of the upload's assembly
 * (adoptPart: a rename on the filesystem), and counted. The request whose part completes coverage of the file assembles it.
 * The chunk's own staged bytes are always discarded here.
 */
export async function receiveChunk(
  deps: LargeUploadDependencies,
  input: { cloudName: string; uploadId: string; resourceType: string; position: ChunkPosition; chunk: StagedFile },
): Promise<ChunkOutcome> {
  try {
    return await receive(deps, input);
  } finally {
    await input.chunk.discard();
  }
}

async function receive(
  deps: LargeUploadDependencies,
  input: { cloudName: string; uploadId: string; resourceType: string; position: ChunkPosition; chunk: StagedFile },
): Promise<ChunkOutcome> {
  const { position, chunk } = input;
  const size = chunk.source.bytes ?? 0;
  const md5 = chunk.source.md5 ?? '';
  const label = position.kind === 'range' ? position.text : `part ${position.partNumber}`;
  let partNumber: number;
  if (position.kind === 'range') {
    if (position.end - position.start + 1 !== size) {
      throw new ApiError(400, `Chunk ${position.text} announces ${position.end - position.start + 1} bytes but carries ${size}`);
    }
    if (position.total !== undefined && position.end >= position.total) {
      throw new ApiError(400, `Chunk ${position.text} lies beyond the total of ${position.total} bytes`);
    }
    // Refused before the upload is looked at: the part leaves no trace, and an upload it belongs to is
    // left exactly as it was (its other parts kept, this range still open to a valid part).
    if (position.moreFollow === true && size < deps.minPartBytes) throw new ApiError(400, SMALL_PART_MESSAGE);
    partNumber = Math.floor(position.start / deps.minPartBytes) + 1;
  } else {
    partNumber = position.partNumber;
  }
  if (partNumber > MAX_PART_NUMBER) throw new ApiError(400, `Chunk ${label}: an upload has at most ${MAX_PART_NUMBER} parts`);

  // The first part of an upload creates its session; the store begins its assembly (an S3 multipart upload).
  const sessionId = randomBytes(16).toString('hex');
  await ensureLargeUpload(deps.db, { cloudName: input.cloudName, uploadId: input.uploadId, sessionId, resourceType: input.resourceType }, () =>
    deps.store.beginParts(largeUploadKey(sessionId)),
  );

  // Phase 1, locked: check the chunk against the upload and reserve its part.
  const reserved = await withLockedLargeUpload(deps.db, input.cloudName, input.uploadId, async (locked) => {
    if (!locked) throw new ApiError(400, `Upload ${input.uploadId} expired; start it again`);
    return reservePart(deps, locked, { position, partNumber, size, md5, label });
  });
  if (reserved.kind === 'duplicate') return { done: false, bytes: reserved.bytes };
  if (reserved.kind === 'too-large') {
    // The size limit applies to the running total (§4.3 rule 10); the upload is dropped.
    await deps.store.abortParts(largeUploadKey(reserved.sessionId), reserved.driverState);
    throw new ApiError(400, `File size too large. Got ${reserved.got}. Maximum is ${deps.maxLargeUploadBytes}.`);
  }

  const assemblyKey = largeUploadKey(reserved.sessionId);
  // Phase 2, unlocked: the bytes go to the store; other parts of the upload may do the same meanwhile.
  let stored: { size: number; etag?: string };
  try {
    // The staged chunk becomes the part (a rename on the filesystem); its md5 was measured while staging.
    stored = await deps.store.adoptPart(assemblyKey, reserved.driverState, partNumber, chunk.source.key);
    if (stored.size !== size) throw new Error(`part ${partNumber} of ${assemblyKey} was stored with ${stored.size} bytes, not the ${size} staged`);
  } catch (error) {
    await withLockedLargeUpload(deps.db, input.cloudName, input.uploadId, async (locked) => {
      const part = locked?.parts.find((p) => p.partNumber === partNumber);
      if (locked && part && !part.stored && part.md5 === md5) await locked.forgetPart(partNumber);
    });
    throw error;
  }

  // Phase 3, locked: count the part; the request that completes the file marks the upload completing.
  const counted = await withLockedLargeUpload(deps.db, input.cloudName, input.uploadId, async (locked) => {
    if (!locked) throw new ApiError(400, `Upload ${input.uploadId} expired; start it again`);
    await locked.markPartStored(partNumber, stored.etag);
    const parts = locked.parts.map((p) => (p.partNumber === partNumber ? { ...p, stored: true, etag: stored.etag ?? null } : p));
    const bytes = parts.filter((p) => p.stored).reduce((sum, p) => sum + p.size, 0);
    const complete = !locked.session.completing && isComplete(locked, parts);
    await locked.update({ bytesReceived: bytes, ...(complete ? { completing: true } : {}) });
    return { bytes, complete, parts, session: locked.session };
  });
  if (!counted.complete) return { done: false, bytes: counted.bytes };

  // Phase 4: this request assembles the file into staging and forgets the upload.
  const key = stagingKey(randomUUID());
  let assembled: { size: number };
  try {
    const ordered = [...counted.parts].sort((a, b) => a.partNumber - b.partNumber);
    assembled = await deps.store.completeParts(
      assemblyKey,
      reserved.driverState,
      key,
      ordered.map((p) => ({ partNumber: p.partNumber, ...(p.etag ? { etag: p.etag } : {}) })),
    );
  } catch (error) {
    // Another try of the last part may complete it.
    await withLockedLargeUpload(deps.db, input.cloudName, input.uploadId, async (locked) => locked?.update({ completing: false }));
    throw error;
  }
  await withLockedLargeUpload(deps.db, input.cloudName, input.uploadId, async (locked) => locked?.delete());
  const filename = chunk.source.filename;
  return {
    done: true,
    bytes: assembled.size,
    staged: {
      // No md5 of the whole: the ingest measures it as it reads the assembled file.
      source: { kind: 'staged', key, ...(filename !== undefined ? { filename } : {}), bytes: assembled.size },
      discard: () => deps.store.delete(key),
    },
  };
}

type Reservation =
  | { kind: 'duplicate'; bytes: number }
  | { kind: 'reserved'; sessionId: string; driverState: string | undefined }
  /** Over MAX_LARGE_UPLOAD_BYTES: the session was deleted; its parts are aborted once that is committed. */
  | { kind: 'too-large'; got: number; sessionId: string; driverState: string | undefined };

async function reservePart(
  deps: LargeUploadDependencies,
  locked: LockedLargeUpload,
  chunk: { position: ChunkPosition; partNumber: number; size: number; md5: string; label: string },
): Promise<Reservation> {
  const { session, parts } = locked;
  const { position, partNumber, size, md5, label } = chunk;
  const conflict = () => new ApiError(400, `Chunk ${label} conflicts with the bytes already received`);
  const start = position.kind === 'range' ? position.start : null;
  const end = position.kind === 'range' ? position.end + 1 : null;

  const same = parts.find((p) => p.partNumber === partNumber);
  if (same) {
    // A retry of a part already held is stored once; the same place with other bytes is refused.
    if (same.start === start && same.end === end && same.size === size && same.md5 === md5) {
      return { kind: 'duplicate', bytes: session.bytesReceived };
    }
    throw conflict();
  }
  if (session.completing) throw new ApiError(400, `Upload ${session.uploadId} is already complete`);

  let totalBytes = session.totalBytes;
  let totalParts = session.totalParts;
  if (position.kind === 'range') {
    if (parts.some((p) => p.start === null)) throw new ApiError(400, `Chunk ${label}: this upload numbers its parts (X-Upload-Part-Number)`);
    if (position.total !== undefined) {
      if (totalBytes !== null && totalBytes !== position.total) {
        throw new ApiError(400, `Chunk ${label} declares a total of ${position.total} bytes; the upload's is ${totalBytes}`);
      }
      totalBytes = position.total;
    }
    if (parts.some((p) => p.start! < end! && start! < p.end!)) throw conflict();
    if (totalBytes !== null && (end! > totalBytes || parts.some((p) => p.end! > totalBytes!))) {
      throw new ApiError(400, `Chunk ${label} lies beyond the total of ${totalBytes} bytes`);
    }
    // Part numbers step by the minimum part size; an upload begun under another LARGE_UPLOAD_MIN_PART_BYTES
    // would number this part out of the file's order, and assemble the parts wrongly.
    if (parts.some((p) => p.start! < start! !== p.partNumber < partNumber)) {
      throw new ApiError(400, `Chunk ${label} cannot be placed: the upload's parts were numbered under another minimum part size; start it again`);
    }
    // [GUESS] (§4.3 rule 7) with no total on any chunk (`bytes S-E`, `/*`), a chunk shorter than the minimum is the last one.
    if (totalBytes === null && size < deps.minPartBytes) totalBytes = end!;
    const last = totalBytes !== null && end === totalBytes;
    if (size < deps.minPartBytes && !last) throw new ApiError(400, SMALL_PART_MESSAGE);
  } else {
    if (parts.some((p) => p.start !== null)) throw new ApiError(400, `Part ${partNumber}: this upload sends byte ranges (Content-Range)`);
    if (totalParts !== null && totalParts !== position.totalParts) {
      throw new ApiError(400, `Part ${partNumber} declares ${position.totalParts} parts; the upload has ${totalParts}`);
    }
    totalParts = position.totalParts;
  }

  // The size limit applies to the running total; an upload that crosses it is dropped.
  const received = parts.reduce((sum, p) => sum + p.size, 0) + size;
  const got = Math.max(received, totalBytes ?? 0);
  if (got > deps.maxLargeUploadBytes) {
    await locked.delete();
    return { kind: 'too-large', got, sessionId: session.sessionId, driverState: session.driverState };
  }

  await locked.reservePart({ partNumber, start, end, size, md5 });
  if (totalBytes !== session.totalBytes || totalParts !== session.totalParts) await locked.update({ totalBytes, totalParts });
  return { kind: 'reserved', sessionId: session.sessionId, driverState: session.driverState };
}

/** The stored parts cover [0, total) (byte ranges) or every part 1..n (part numbers). */
function isComplete(locked: LockedLargeUpload, parts: LargeUploadPart[]): boolean {
  if (parts.some((p) => !p.stored)) return false;
  const { totalBytes, totalParts } = locked.session;
  if (parts.length > 0 && parts[0]!.start === null) {
    if (totalParts === null || parts.length !== totalParts) return false;
    return parts.every((p) => p.partNumber >= 1 && p.partNumber <= totalParts);
  }
  if (totalBytes === null) return false;
  let covered = 0;
  for (const part of [...parts].sort((a, b) => a.start! - b.start!)) {
    if (part.start !== covered) return false;
    covered = part.end!;
  }
  return covered === totalBytes;
}

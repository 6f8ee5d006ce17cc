import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { ApiError, fromJsonBody, normalizeParams, type RawParams } from '@rendition/protocol';
import { receiveFile, type ReceivedFile } from '@rendition/intake';
import type { BlobStore } from '@rendition/storage';
import { fieldPairs } from './admin-request.ts';
import {
  bodyLimit,
  bodyTooLarge,
  fieldNameTooLong,
  fieldsTooLarge,
  fieldTooLarge,
  fileTextLimit,
  fileTooLarge,
  MAX_FIELD_NAME_BYTES,
  MAX_PART_HEADER_BYTES,
  MAX_PARTS,
  ONE_FILE_ONLY,
  type BodyLimits,
} from './body-limits.ts';
import { requestBodyState, takeSpilledFile, type RequestBodyState } from './request-body-state.ts';
import { consumeStream, MULTIPART_CUT_OFF } from './stream-reading.ts';
import { TextValueWriter, type TextValue } from './text-value.ts';

export interface UploadBody {
  params: RawParams;
  /** The `file` part, already streamed into staging (or, small, held for its job: ReadUploadBodyOptions.inlineMaxBytes). */
  staged?: ReceivedFile;
  /**
   * The `file` text (a data URI) when it was too large to keep in memory: on disk until read. Read it
   * only once the request is authenticated; the caller discards it. (A small one is in `params`.)
   */
  fileText?: TextValue;
}

export interface ReadUploadBodyOptions {
  /** An upload: a `file` part is staged, a `file` text may be large. Other calls take no file. */
  takesFile?: boolean;
  /** A file part of at most this many bytes is held in memory for its job instead of staged (0: never). */
  inlineMaxBytes?: number;
}

/**
 * Reads an Upload API body in any of the three encodings clients use, within the body limits
 * (body-limits.ts). urlencoded and JSON bodies were parsed as they arrived (body-guard.ts); a
 * multipart body is read here, part by part: text parameters within their limits, the file part
 * streamed to staging, a large `file` text streamed to a temporary file. Nothing large is held in
 * memory, and reading stops at the first byte over a limit.
 */
export async function readUploadBody(request: FastifyRequest, store: BlobStore, options: ReadUploadBodyOptions = {}): Promise<UploadBody> {
  const state = requestBodyState(request);
  const takesFile = options.takesFile ?? state.takesFile;
  if (request.isMultipart()) return readMultipart(request, store, state, takesFile, options.inlineMaxBytes ?? 0);
  const fileText = takeSpilledFile(request);
  try {
    const body = request.body;
    if (body === undefined || body === null) return { params: {} };
    const contentType = request.headers['content-type'] ?? '';
    const params = contentType.includes('application/json') ? fromJsonBody(body) : formParams(body);
    return { params, ...(fileText && takesFile ? { fileText } : {}) };
  } finally {
    if (!takesFile) await fileText?.discard();
  }
}

function formParams(body: unknown): RawParams {
  if (typeof body !== 'object') throw new ApiError(400, 'Invalid request body');
  return normalizeParams(fieldPairs(body));
}

/** A binary part: a file name, or the type every client gives file contents. Anything else is text. */
function isBinaryPart(part: MultipartFile): boolean {
  return part.filename !== undefined || part.mimetype === 'application/octet-stream';
}

async function readMultipart(
  request: FastifyRequest,
  store: BlobStore,
  state: RequestBodyState,
  takesFile: boolean,
  inlineMaxBytes: number,
): Promise<UploadBody> {
  const { limits, gate } = state;
  const fields: Array<[string, string]> = [];
  let fieldBytes = 0;
  let staged: ReceivedFile | undefined;
  let fileText: TextValue | undefined;
  let fileWriter: TextValueWriter | undefined;
  let current: MultipartFile | undefined;

  // Every part is handed over as a stream (isPartAFile), text fields too: @fastify/busboy would
  // otherwise buffer a text field whole before the first check could run.
  const iterable = request.parts({
    isPartAFile: () => true,
    limits: {
      parts: MAX_PARTS,
      files: MAX_PARTS,
      fieldNameSize: MAX_FIELD_NAME_BYTES,
      headerPairs: 16,
      headerSize: MAX_PART_HEADER_BYTES,
      // Counted below, per kind of part. Busboy must never truncate: past its limit it would read
      // and drop the rest of the part at full speed instead of holding the client back.
      fileSize: Number.MAX_SAFE_INTEGER,
    },
  });
  const parts = iterable[Symbol.asyncIterator]();
  // The first next() pipes the request into busboy; count what it reads from there on.
  let next = parts.next();
  const abort = abortSignal();
  const limit = bodyLimit(limits, 'multipart', { takesFile, basic: state.basic !== undefined });
  let received = 0;
  // Stops reading the body: nothing more reaches busboy, and the answer goes out with Connection: close.
  // The counter goes first: a 'data' listener left on an unpiped request would set it flowing again.
  const stopReading = () => {
    request.raw.off('data', onData);
    request.raw.unpipe();
    request.raw.pause();
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      stopReading();
      abort.fail(bodyTooLarge(limit));
    } else if (request.raw.listenerCount('data') === 1) {
      // busboy let go of the request (a part failed): this counter must not be what keeps it flowing.
      stopReading();
    }
  };
  request.raw.on('data', onData);

  try {
    for (;;) {
      const step = await abort.race(next.catch((error: unknown) => Promise.reject(multipartError(error))));
      if (step.done) break;
      const part = step.value as Multipart;
      if (part.type !== 'file') throw new ApiError(400, `Invalid multipart body: unexpected part ${part.fieldname}`);
      current = part;
      // A part whose Content-Disposition has no name (busboy leaves fieldname undefined) names no parameter.
      if (typeof part.fieldname !== 'string' || part.fieldname === '') throw new ApiError(400, 'Invalid multipart body: a part has no name');
      if (Buffer.byteLength(part.fieldname) > MAX_FIELD_NAME_BYTES) throw fieldNameTooLong();
      if (isBinaryPart(part)) {
        if (!takesFile || part.fieldname !== 'file') throw new ApiError(400, `Unexpected file field ${part.fieldname}`);
        if (staged) throw new ApiError(400, 'Too many parts in the upload request');
        if (fileText) throw new ApiError(400, ONE_FILE_ONLY);
        if (gate) await abort.race(gate(normalizeParams(fields)));
        staged = await abort.race(stagePart(store, part, limits, inlineMaxBytes));
      } else if (takesFile && part.fieldname === 'file') {
        if (staged || fileText) throw new ApiError(400, ONE_FILE_ONLY);
        fileWriter = new TextValueWriter({
          memoryBytes: limits.maxFieldBytes,
          maxBytes: fileTextLimit(limits),
          tooLarge: () => fileTooLarge(limits.maxDataUriBytes),
          ...(gate ? { beforeSpill: () => gate(normalizeParams(fields)) } : {}),
        });
        const writer = fileWriter;
        await abort.race(readPart(part, (chunk) => writer.write(chunk)));
        const value = await writer.finish();
        fileWriter = undefined;
        if (value.spilled) fileText = value;
        else fields.push(['file', await value.text()]);
      } else {
        fieldBytes += Buffer.byteLength(part.fieldname);
        const value = await abort.race(readField(part, limits, fieldBytes));
        fieldBytes += value.length;
        fields.push([part.fieldname, value.toString('utf8')]);
      }
      current = undefined;
      next = parts.next();
    }
  } catch (error) {
    // Stop reading: busboy gets no more of the body, and the answer goes out with Connection: close.
    stopReading();
    if (current && !current.file.destroyed) current.file.destroy();
    await fileWriter?.abort();
    await fileText?.discard();
    await staged?.discard();
    throw error;
  } finally {
    request.raw.off('data', onData);
  }
  return { params: normalizeParams(fields), ...(staged ? { staged } : {}), ...(fileText ? { fileText } : {}) };
}

/** A text part, within MAX_FIELD_BYTES and (with the fields before it) MAX_FIELDS_TOTAL_BYTES. */
async function readField(part: MultipartFile, limits: BodyLimits, bytesBefore: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  await readPart(part, (chunk) => {
    bytes += chunk.length;
    if (bytes > limits.maxFieldBytes) throw fieldTooLarge(part.fieldname, limits);
    if (bytesBefore + bytes > limits.maxFieldsTotalBytes) throw fieldsTooLarge(limits);
    chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

/** A part's bytes through `onChunk`; a part that breaks off (a body cut short) is a 400. */
async function readPart(part: MultipartFile, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  try {
    await consumeStream(part.file, onChunk);
  } catch (error) {
    throw multipartError(error);
  }
}

/** The file part into staging, counted against MAX_UPLOAD_BYTES as it streams. */
async function stagePart(store: BlobStore, part: MultipartFile, limits: BodyLimits, inlineMaxBytes: number): Promise<ReceivedFile> {
  const source = part.file;
  // busboy runs ahead of its reader: the part may have broken off (a body cut short) already.
  if (source.destroyed) throw multipartError(source.errored ?? new Error('Unexpected end of multipart data'));
  let refused: ApiError | undefined;
  // Set when the part failed (a body error, 400) rather than staging (ours, 500).
  let partFailure: unknown;
  // The part read and counted by a generator rather than piped through a counting Transform: for a
  // small file that is most of the work, and stream.pipeline's end alone (an AbortError made for its
  // signal) cost about as much as the count (docs/performance.md).
  async function* counted(): AsyncGenerator<Buffer> {
    let bytes = 0;
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > limits.maxUploadBytes) throw (refused = fileTooLarge(limits.maxUploadBytes));
        yield chunk;
      }
    } catch (error) {
      if (error !== refused) partFailure ??= cutShort(error);
      throw error;
    }
  }
  try {
    return await receiveFile({ store }, counted(), part.filename || undefined, inlineMaxBytes);
  } catch (error) {
    if (refused) throw refused;
    if (partFailure !== undefined) throw multipartError(partFailure);
    throw error;
  }
}

/** A part that ended without its error (destroyed mid-way) broke off with the body. */
function cutShort(error: unknown): unknown {
  return (error as { code?: string } | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE' ? new Error('Unexpected end of multipart data') : error;
}

/** What busboy and @fastify/multipart throw about a body, as the 400 it is (never a 500). */
export function multipartError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  const { code, message = '' } = (error ?? {}) as { code?: string; message?: string };
  switch (code) {
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new ApiError(400, 'Too many parts in the upload request');
    case 'FST_PROTO_VIOLATION':
      return new ApiError(400, 'Invalid multipart body: a parameter name is not allowed');
    case 'FST_MP_PREMATURE_CLOSE':
      return new ApiError(400, 'Invalid multipart body: the request ended before the closing boundary');
    default:
      break;
  }
  if (/boundary not found/i.test(message)) return new ApiError(400, 'Invalid multipart body: the Content-Type header has no boundary');
  if (/unexpected end of multipart data|terminated early/i.test(message)) {
    return new ApiError(400, MULTIPART_CUT_OFF);
  }
  return new ApiError(400, `Invalid multipart body: ${message.slice(0, 200) || 'unreadable'}`);
}

/** A rejection any awaited step can be raced against: the body went over its limit meanwhile. */
function abortSignal(): { fail(error: Error): void; race<T>(promise: Promise<T>): Promise<T> } {
  let reject: (error: Error) => void = () => {};
  let failed: Error | undefined;
  const aborted = new Promise<never>((_resolve, rejectAborted) => {
    reject = rejectAborted;
  });
  aborted.catch(() => {});
  return {
    fail(error) {
      if (failed) return;
      failed = error;
      reject(error);
    },
    race(promise) {
      if (failed) {
        promise.catch(() => {});
        return Promise.reject(failed);
      }
      return Promise.race([promise, aborted]);
    },
  };
}

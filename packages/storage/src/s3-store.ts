import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
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
import { byteWindow } from './byte-window.ts';
import { assertSafeKey, assertSafePrefix } from './keys.ts';
import { PartMeter } from './part-meter.ts';

const GIB = 1024 * 1024 * 1024;

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Namespace inside the bucket, so one bucket can hold several installations. */
  prefix?: string;
  /** ListObjectsV2 page size; S3 caps it at 1000. Smaller only to exercise paging in tests. */
  listPageSize?: number;
  /** close() destroys the client; set when this store created it. */
  ownsClient?: boolean;
  /** Where putPart spools a part whose size the caller does not give. Default: the OS temp directory. */
  spoolDir?: string;
  /**
   * completeParts into a key other than the assembly's copies the object server-side: one CopyObject
   * up to this size (S3's limit, 5 GiB), UploadPartCopy ranges of copyPartBytes above it. Smaller only
   * to exercise the ranged copy in tests.
   */
  singleCopyMaxBytes?: number;
  /** Range size of a ranged copy (default 1 GiB; raised when 10,000 ranges would not cover the object). */
  copyPartBytes?: number;
}

interface S3ErrorShape {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function s3Status(error: unknown): number | undefined {
  return (error as S3ErrorShape | null)?.$metadata?.httpStatusCode;
}

function s3Code(error: unknown): string | undefined {
  const e = error as S3ErrorShape | null;
  return e?.Code ?? e?.name;
}

function isNotFound(error: unknown): boolean {
  const code = s3Code(error);
  return code === 'NoSuchKey' || code === 'NotFound' || s3Status(error) === 404;
}

function isNoSuchUpload(error: unknown): boolean {
  return s3Code(error) === 'NoSuchUpload' || s3Status(error) === 404;
}

function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return '';
  assertSafeKey(trimmed);
  return `${trimmed}/`;
}

/** "bytes 0-999/1000" → the served span and object size; without it the server sent the whole object. */
function servedSpan(response: GetObjectCommandOutput): { start: number; end: number; size?: number } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.ContentRange ?? '');
  if (match) return { start: Number(match[1]), end: Number(match[2]), ...(match[3] !== '*' && { size: Number(match[3]) }) };
  return response.ContentLength === undefined ? null : { start: 0, end: response.ContentLength - 1, size: response.ContentLength };
}

/**
 * HTTP allows a server to ignore Range or serve a wider span (s3rver answers "bytes=0-0" with the
 * whole object, and serves "bytes=0-" of an empty object), so the answer is checked against the
 * request: refused when S3 itself would have answered 416, trimmed when wider than asked.
 */
function narrowToRange(key: string, range: ByteRange, body: Readable, response: GetObjectCommandOutput): Readable {
  const served = servedSpan(response);
  const wantedEnd = range.end ?? Number.POSITIVE_INFINITY;
  if (served === null) {
    body.destroy();
    throw new Error(`S3 sent neither Content-Range nor Content-Length for a ranged get of ${key}`);
  }
  if (range.start >= (served.size ?? Number.POSITIVE_INFINITY) || range.start > served.end) {
    body.destroy();
    throw new InvalidRangeError(key, range);
  }
  if (served.start === range.start && served.end <= wantedEnd) return body;
  if (served.start > range.start) {
    body.destroy();
    throw new Error(`S3 served bytes from ${served.start} for a range from ${range.start} of ${key}`);
  }
  return byteWindow(body, range.start - served.start, wantedEnd - range.start + 1);
}

export class S3BlobStore implements BlobStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #listPageSize: number;
  readonly #ownsClient: boolean;
  readonly #spoolDir: string | undefined;
  readonly #singleCopyMaxBytes: number;
  readonly #copyPartBytes: number;

  constructor(options: S3BlobStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = normalizePrefix(options.prefix);
    this.#listPageSize = options.listPageSize ?? 1000;
    this.#ownsClient = options.ownsClient ?? false;
    this.#spoolDir = options.spoolDir;
    this.#singleCopyMaxBytes = options.singleCopyMaxBytes ?? 5 * GIB;
    this.#copyPartBytes = options.copyPartBytes ?? GIB;
  }

  #objectKey(key: string): string {
    assertSafeKey(key);
    return this.#prefix + key;
  }

  async put(key: string, body: Readable | Buffer, options?: PutOptions): Promise<{ size: number }> {
    const Key = this.#objectKey(key);
    const ContentType = options?.contentType;
    if (Buffer.isBuffer(body)) {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key, Body: body, ContentLength: body.length, ContentType }));
      return { size: body.length };
    }
    // Upload buffers parts (5 MiB) so a stream of unknown length needs no ContentLength; a stream
    // that fails midway aborts the multipart upload, so no object appears. S3 writes are atomic.
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    // The source's error event fires before Upload sees the counter fail, so it is caught here.
    let sourceError: unknown;
    body.on('error', (error) => {
      sourceError ??= error;
    });
    // pipeline (not pipe) so a source error destroys the counter and reaches Upload as a failure,
    // and a failed upload (counter destroyed below) releases the source.
    pipeline(body, counter, () => {});
    try {
      await new Upload({ client: this.#client, params: { Bucket: this.#bucket, Key, Body: counter, ContentType } }).done();
    } catch (error) {
      counter.destroy();
      // A failed source is the root cause even when aborting the multipart upload then failed too
      // (bucket lifecycle rules reap such leftovers).
      throw sourceError ?? error;
    }
    return { size };
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<{ size: number }> {
    return this.put(key, createReadStream(path), options);
  }

  async getFile(key: string, path: string): Promise<{ size: number }> {
    const body = await this.get(key);
    const out = createWriteStream(path, { flags: 'wx' });
    try {
      await pipelinePromise(body, out);
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return { size: out.bytesWritten };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const Key = this.#objectKey(key);
    if (range) assertWellFormedRange(range);
    let response: GetObjectCommandOutput;
    try {
      response = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key,
          ...(range && { Range: `bytes=${range.start}-${range.end ?? ''}` }),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(key, { cause: error });
      if (range && (s3Code(error) === 'InvalidRange' || s3Status(error) === 416)) throw new InvalidRangeError(key, range, { cause: error });
      throw error;
    }
    // In Node the SDK's body is an IncomingMessage, a Readable.
    const body = response.Body;
    if (!(body instanceof Readable)) throw new Error(`S3 returned a body that is not a Node stream for ${key}`);
    return range ? narrowToRange(key, range, body, response) : body;
  }

  async head(key: string): Promise<BlobInfo | null> {
    const Key = this.#objectKey(key);
    try {
      const response = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }));
      return {
        key,
        size: response.ContentLength ?? 0,
        ...(response.ContentType !== undefined && { contentType: response.ContentType }),
        ...(response.LastModified !== undefined && { lastModified: response.LastModified }),
      };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.#objectKey(key);
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key }));
    } catch (error) {
      // S3 answers 204 for a missing key; some compatible servers answer 404.
      if (!isNotFound(error)) throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    assertSafePrefix(prefix);
    let ContinuationToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: this.#prefix + prefix,
          MaxKeys: this.#listPageSize,
          ContinuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        yield {
          key: object.Key.slice(this.#prefix.length),
          size: object.Size ?? 0,
          ...(object.LastModified !== undefined && { lastModified: object.LastModified }),
        };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  async beginParts(assemblyKey: string): Promise<{ driverState?: string }> {
    const Key = this.#objectKey(assemblyKey);
    const response = await this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key }));
    if (!response.UploadId) throw new Error(`S3 started no multipart upload for ${assemblyKey}`);
    return { driverState: response.UploadId };
  }

  async putPart(
    assemblyKey: string,
    driverState: string | undefined,
    partNumber: number,
    body: Readable,
    size?: number,
  ): Promise<{ size: number; md5: string; etag?: string }> {
    const Key = this.#objectKey(assemblyKey);
    const UploadId = uploadIdOf(assemblyKey, driverState);
    assertPartNumber(partNumber);
    assertPartSize(size);
    if (size === undefined) return this.#putSpooledPart(Key, UploadId, partNumber, body);
    // The meter holds the last chunk back until the body has ended at exactly `size` bytes, so S3
    // never completes a part of another length; a failed body aborts the request.
    const meter = new PartMeter(size);
    const controller = new AbortController();
    let failure: unknown;
    const piped = new Promise<void>((resolve) =>
      pipeline(body, meter, (error) => {
        if (error) {
          failure ??= error;
          controller.abort(error);
        }
        resolve();
      }),
    );
    try {
      const response = await this.#client.send(
        new UploadPartCommand({ Bucket: this.#bucket, Key, UploadId, PartNumber: partNumber, Body: meter, ContentLength: size }),
        { abortSignal: controller.signal },
      );
      await piped;
      if (failure !== undefined) throw failure;
      return { size: meter.size, md5: meter.md5(), ...(response.ETag !== undefined && { etag: response.ETag }) };
    } catch (error) {
      meter.destroy();
      throw failure ?? error;
    }
  }

  async adoptPart(
    assemblyKey: string,
    driverState: string | undefined,
    partNumber: number,
    sourceKey: string,
  ): Promise<{ size: number; etag?: string }> {
    assertPartNumber(partNumber);
    const info = await this.head(sourceKey);
    if (!info) throw new BlobNotFoundError(sourceKey);
    // Streamed with its known size (UploadPartCopy would avoid the trip through this process, but the
    // S3 servers this is tested against do not all implement it).
    const stored = await this.putPart(assemblyKey, driverState, partNumber, await this.get(sourceKey), info.size);
    await this.delete(sourceKey);
    return { size: stored.size, ...(stored.etag !== undefined && { etag: stored.etag }) };
  }

  /** UploadPart needs a Content-Length: a body of unknown length is written to a local file first. */
  async #putSpooledPart(Key: string, UploadId: string, partNumber: number, body: Readable): Promise<{ size: number; md5: string; etag?: string }> {
    const dir = await mkdtemp(join(this.#spoolDir ?? tmpdir(), 'rendition-part-'));
    try {
      const file = join(dir, 'part');
      const meter = new PartMeter();
      await pipelinePromise(body, meter, createWriteStream(file, { flags: 'wx' }));
      const response = await this.#client.send(
        new UploadPartCommand({ Bucket: this.#bucket, Key, UploadId, PartNumber: partNumber, Body: createReadStream(file), ContentLength: meter.size }),
      );
      return { size: meter.size, md5: meter.md5(), ...(response.ETag !== undefined && { etag: response.ETag }) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async completeParts(
    assemblyKey: string,
    driverState: string | undefined,
    key: string,
    parts: Array<{ partNumber: number; etag?: string }>,
  ): Promise<{ size: number }> {
    const Key = this.#objectKey(assemblyKey);
    const target = this.#objectKey(key);
    const UploadId = uploadIdOf(assemblyKey, driverState);
    const sorted = sortedParts(parts);
    const listed = sorted.some((part) => part.etag === undefined) ? await this.#listPartETags(assemblyKey, Key, UploadId) : undefined;
    const Parts = sorted.map(({ partNumber, etag }) => {
      const ETag = etag ?? listed?.get(partNumber);
      if (ETag === undefined) throw new MissingPartError(assemblyKey, partNumber);
      return { PartNumber: partNumber, ETag };
    });
    try {
      await this.#client.send(new CompleteMultipartUploadCommand({ Bucket: this.#bucket, Key, UploadId, MultipartUpload: { Parts } }));
    } catch (error) {
      const code = s3Code(error);
      if (code === 'InvalidPart' || code === 'NoSuchUpload') throw new MissingPartError(assemblyKey, undefined, { cause: error });
      throw error;
    }
    const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key }));
    const size = head.ContentLength ?? 0;
    if (target !== Key) {
      await this.#copyWithinBucket(Key, target, size);
      await this.delete(assemblyKey);
    }
    return { size };
  }

  async #listPartETags(assemblyKey: string, Key: string, UploadId: string): Promise<Map<number, string>> {
    const etags = new Map<number, string>();
    let PartNumberMarker: string | undefined;
    try {
      do {
        const page = await this.#client.send(new ListPartsCommand({ Bucket: this.#bucket, Key, UploadId, PartNumberMarker }));
        for (const part of page.Parts ?? []) if (part.PartNumber !== undefined && part.ETag !== undefined) etags.set(part.PartNumber, part.ETag);
        PartNumberMarker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (PartNumberMarker !== undefined);
    } catch (error) {
      if (isNoSuchUpload(error)) throw new MissingPartError(assemblyKey, undefined, { cause: error });
      throw error;
    }
    return etags;
  }

  /** A server-side copy: atomic for readers of the target, no bytes through this process. */
  async #copyWithinBucket(Key: string, target: string, size: number): Promise<void> {
    const CopySource = `${this.#bucket}/${Key}`; // keys hold only URL-safe characters (assertSafeKey)
    if (size <= this.#singleCopyMaxBytes) {
      await this.#client.send(new CopyObjectCommand({ Bucket: this.#bucket, Key: target, CopySource }));
      return;
    }
    const partBytes = Math.max(this.#copyPartBytes, Math.ceil(size / 10_000));
    const started = await this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: target }));
    const UploadId = started.UploadId;
    if (!UploadId) throw new Error(`S3 started no multipart upload for ${target}`);
    try {
      const Parts: Array<{ PartNumber: number; ETag: string | undefined }> = [];
      for (let start = 0, PartNumber = 1; start < size; start += partBytes, PartNumber++) {
        const end = Math.min(start + partBytes, size) - 1;
        const copied = await this.#client.send(
          new UploadPartCopyCommand({ Bucket: this.#bucket, Key: target, UploadId, PartNumber, CopySource, CopySourceRange: `bytes=${start}-${end}` }),
        );
        Parts.push({ PartNumber, ETag: copied.CopyPartResult?.ETag });
      }
      await this.#client.send(new CompleteMultipartUploadCommand({ Bucket: this.#bucket, Key: target, UploadId, MultipartUpload: { Parts } }));
    } catch (error) {
      await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: target, UploadId })).catch(() => {});
      throw error;
    }
  }

  /**
   * Without driverState (a crash between beginParts and recording its answer), every multipart
   * upload of the assembly's key is found with ListMultipartUploads and aborted.
   */
  async abortParts(assemblyKey: string, driverState: string | undefined): Promise<void> {
    const Key = this.#objectKey(assemblyKey);
    const uploadIds = driverState !== undefined ? [driverState] : await this.#uploadsOf(Key);
    for (const UploadId of uploadIds) {
      try {
        await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key, UploadId }));
      } catch (error) {
        if (!isNoSuchUpload(error)) throw error;
      }
    }
  }

  async #uploadsOf(Key: string): Promise<string[]> {
    const ids: string[] = [];
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const page = await this.#client.send(new ListMultipartUploadsCommand({ Bucket: this.#bucket, Prefix: Key, KeyMarker, UploadIdMarker }));
      for (const upload of page.Uploads ?? []) if (upload.Key === Key && upload.UploadId !== undefined) ids.push(upload.UploadId);
      const more = page.IsTruncated === true;
      KeyMarker = more ? page.NextKeyMarker : undefined;
      UploadIdMarker = more ? page.NextUploadIdMarker : undefined;
    } while (KeyMarker !== undefined);
    return ids;
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }
}

function uploadIdOf(assemblyKey: string, driverState: string | undefined): string {
  if (driverState === undefined || driverState === '') {
    throw new Error(`the S3 assembly ${JSON.stringify(assemblyKey)} needs the driverState its beginParts returned`);
  }
  return driverState;
}

import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream';
import {
  assertWellFormedRange,
  BlobNotFoundError,
  InvalidRangeError,
  type BlobInfo,
  type BlobStore,
  type ByteRange,
  type PutOptions,
} from './blob-store.ts';
import { byteWindow } from './byte-window.ts';
import { assertSafeKey, assertSafePrefix } from './keys.ts';

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Namespace inside the bucket, so one bucket can hold several installations. */
  prefix?: string;
  /** ListObjectsV2 page size; S3 caps it at 1000. Smaller only to exercise paging in tests. */
  listPageSize?: number;
  /** close() destroys the client; set when this store created it. */
  ownsClient?: boolean;
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

  constructor(options: S3BlobStoreOptions) {
    this.#client = options.client;
    this.#bucket = options.bucket;
    this.#prefix = normalizePrefix(options.prefix);
    this.#listPageSize = options.listPageSize ?? 1000;
    this.#ownsClient = options.ownsClient ?? false;
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

  async close(): Promise<void> {
    if (this.#ownsClient) this.#client.destroy();
  }
}

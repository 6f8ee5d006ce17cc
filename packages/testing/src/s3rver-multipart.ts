import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

// s3rver 3.7 implements CreateMultipartUpload, UploadPart and CompleteMultipartUpload, but not
// AbortMultipartUpload (405), ListMultipartUploads (501), ListParts (405) or UploadPartCopy (501),
// it takes parts for an upload that does not exist, and its UploadPart writes over the part's file
// in place (a part that fails midway destroys the one stored). This middleware, placed before its router,
// adds those on top of s3rver's own layout: <directory>/<bucket>/._S3rver_uploads/<uploadId>/ with
// `key`, `metadata` and one file (plus `<n>.md5`) per part. No authentication is checked for them.

interface KoaContext {
  path: string;
  method: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  req: Readable;
  set(name: string, value: string): void;
  store: {
    getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<{ content: Readable | null } | null>;
  };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
type S3ErrorConstructor = new (code: string, message: string, detail?: Record<string, string>) => Error;

const require = createRequire(import.meta.url);

export function s3rverMultipartMiddleware(directory: string): Middleware {
  const S3Error = require('s3rver/lib/models/error') as S3ErrorConstructor;
  const uploadsDir = (bucket: string) => join(directory, bucket, '._S3rver_uploads');

  const noSuchUpload = (uploadId: string) =>
    new S3Error(
      'NoSuchUpload',
      'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      { UploadId: uploadId },
    );

  /** The upload's directory, checked to exist and to belong to key. */
  async function uploadDir(bucket: string, key: string, uploadId: string): Promise<string> {
    if (!/^[A-Za-z0-9]+$/.test(uploadId)) throw noSuchUpload(uploadId);
    const dir = join(uploadsDir(bucket), uploadId);
    const owner = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
    if (owner !== key) throw noSuchUpload(uploadId);
    return dir;
  }

  async function listUploads(bucket: string, prefix: string): Promise<Array<{ Key: string; UploadId: string; Initiated: string }>> {
    const ids = await readdir(uploadsDir(bucket)).catch(() => [] as string[]);
    const uploads = [];
    for (const id of ids) {
      const dir = join(uploadsDir(bucket), id);
      const key = await readFile(join(dir, 'key'), 'utf8').catch(() => undefined);
      if (key === undefined || !key.startsWith(prefix)) continue;
      uploads.push({ Key: key, UploadId: id, Initiated: (await stat(dir)).mtime.toISOString() });
    }
    return uploads.sort((a, b) => (a.Key === b.Key ? a.UploadId.localeCompare(b.UploadId) : a.Key < b.Key ? -1 : 1));
  }

  async function listParts(dir: string): Promise<Array<{ PartNumber: number; ETag: string; Size: number }>> {
    const parts = [];
    for (const name of await readdir(dir)) {
      if (!/^\d+$/.test(name)) continue;
      const md5 = await readFile(join(dir, `${name}.md5`), 'utf8');
      parts.push({ PartNumber: Number(name), ETag: JSON.stringify(md5), Size: (await stat(join(dir, name))).size });
    }
    return parts.sort((a, b) => a.PartNumber - b.PartNumber);
  }

  /** A part file and its `.md5` (the ETag s3rver's complete and ListParts read), renamed into place. */
  async function writeAtomically(path: string, content: Readable): Promise<string> {
    const tmp = `${path}.incoming-${randomUUID()}`;
    const hash = createHash('md5');
    content.on('data', (chunk: Buffer) => hash.update(chunk));
    try {
      await pipeline(content, createWriteStream(tmp, { flags: 'wx' }));
      const md5 = hash.digest('hex');
      await writeFile(`${tmp}.md5`, md5);
      await rename(`${tmp}.md5`, `${path}.md5`);
      await rename(tmp, path);
      return md5;
    } catch (error) {
      await rm(tmp, { force: true });
      await rm(`${tmp}.md5`, { force: true });
      throw error;
    }
  }

  return async (ctx, next) => {
    // Path style; a bucket-level request may end in "/" (the SDK sends `/<bucket>/?uploads`).
    const match = /^\/([^/]+)(?:\/(.*))?$/.exec(ctx.path);
    const bucket = match?.[1];
    if (bucket === undefined) return next();
    const key = match?.[2] ? decodeURIComponent(match[2]) : undefined;
    const query = (name: string) => {
      const value = ctx.query[name];
      return Array.isArray(value) ? value[0] : value;
    };

    if (key === undefined) {
      if (ctx.method !== 'GET' || !('uploads' in ctx.query)) return next();
      const prefix = query('prefix') ?? '';
      ctx.body = {
        ListMultipartUploadsResult: {
          Bucket: bucket,
          Prefix: prefix,
          MaxUploads: 1000,
          IsTruncated: false,
          Upload: await listUploads(bucket, prefix),
        },
      };
      return;
    }

    const uploadId = query('uploadId');
    if (uploadId === undefined) return next();
    const dir = await uploadDir(bucket, key, uploadId);
    switch (ctx.method) {
      case 'DELETE':
        await rm(dir, { recursive: true, force: true });
        ctx.status = 204;
        return;
      case 'GET':
        ctx.body = { ListPartsResult: { Bucket: bucket, Key: key, UploadId: uploadId, IsTruncated: false, Part: await listParts(dir) } };
        return;
      case 'PUT': {
        const partNumber = Number(query('partNumber'));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
          throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
        }
        const source = ctx.headers['x-amz-copy-source'];
        if (typeof source !== 'string') {
          // UploadPart as S3 does it: the part is replaced only once the new one is whole.
          const md5 = await writeAtomically(join(dir, String(partNumber)), ctx.req);
          ctx.set('ETag', JSON.stringify(md5));
          ctx.body = '';
          return;
        }
        const [, sourceBucket = '', sourceKey = ''] = /^\/?([^/]+)\/(.+)$/.exec(decodeURIComponent(source)) ?? [];
        const range = /^bytes=(\d+)-(\d+)$/.exec(String(ctx.headers['x-amz-copy-source-range'] ?? ''));
        const object = await ctx.store.getObject(sourceBucket, sourceKey, range ? { start: Number(range[1]), end: Number(range[2]) } : undefined);
        if (!object?.content) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: sourceKey });
        const md5 = await writeAtomically(join(dir, String(partNumber)), object.content);
        ctx.body = { CopyPartResult: { LastModified: new Date().toISOString(), ETag: JSON.stringify(md5) } };
        return;
      }
      default:
        // CompleteMultipartUpload, now known to name a live upload.
        return next();
    }
  };
}

import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3Server } from '@rendition/testing';
import { createBlobStore } from '@rendition/storage';
import { createS3Client, S3BlobStore, type S3BlobStoreOptions } from '@rendition/storage/s3';
import { describeBlobStoreContract, failingStream, listAll, readAll } from './blob-store-contract.ts';

const BUCKET = 'rendition-test';

let server: S3Server;

beforeAll(async () => {
  server = await startS3Server({ buckets: [BUCKET] });
});

afterAll(async () => {
  await server?.stop();
});

/** Each store gets its own prefix, so tests share one server and bucket without seeing each other. */
function makeStore(listPageSize?: number, prefix = `t-${randomUUID()}`, options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  return new S3BlobStore({
    client: createS3Client(server),
    bucket: BUCKET,
    prefix,
    ownsClient: true,
    ...(listPageSize !== undefined && { listPageSize }),
    ...options,
  });
}

/** The multipart uploads in progress under prefix, as `key upload-id`, from ListMultipartUploads. */
async function multipartUploads(prefix: string): Promise<string[]> {
  const client = createS3Client(server);
  try {
    const page = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    return (page.Uploads ?? []).map((upload) => `${upload.Key} ${upload.UploadId}`);
  } finally {
    client.destroy();
  }
}

// A page size of 2 makes every listing in the contract span several ListObjectsV2 pages.
describeBlobStoreContract(
  'S3BlobStore',
  async () => {
    const prefix = `t-${randomUUID()}`;
    return { store: makeStore(2, prefix), cleanup: async () => {}, leftoverParts: () => multipartUploads(prefix) };
  },
  { keepsContentType: true },
);

describe('S3BlobStore specifics', () => {
  it('keeps installations apart by prefix', async () => {
    const one = makeStore();
    const two = makeStore();
    try {
      await one.put('shared/key', Buffer.from('one'));
      expect(await two.head('shared/key')).toBeNull();
      expect(await listAll(two, '')).toEqual([]);
      expect((await listAll(one, '')).map((info) => info.key)).toEqual(['shared/key']);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('stores a stream of several parts through a multipart upload', async () => {
    const store = makeStore();
    try {
      const bytes = randomBytes(11 * 1024 * 1024);
      expect(await store.put('multi', Readable.from([bytes.subarray(0, 6_000_000), bytes.subarray(6_000_000)]))).toEqual({ size: bytes.length });
      expect((await store.head('multi'))?.size).toBe(bytes.length);
      const back = await readAll(await store.get('multi'));
      expect(back.equals(bytes)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('aborts a multipart upload whose source fails after the first part', async () => {
    const store = makeStore();
    try {
      // More than one 5 MiB part, so lib-storage has started a multipart upload when it fails.
      await expect(store.put('multi', failingStream(6 * 1024 * 1024, 1024 * 1024))).rejects.toThrow('source broke midway');
      expect(await store.head('multi')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('aborts every multipart upload of an assembly when its driverState was lost', async () => {
    const prefix = `t-${randomUUID()}`;
    const store = makeStore(undefined, prefix);
    try {
      await store.beginParts('large-uploads/lost');
      await store.beginParts('large-uploads/lost');
      const kept = await store.beginParts('large-uploads/lost-not');
      expect(await multipartUploads(prefix)).toHaveLength(3);
      await store.abortParts('large-uploads/lost', undefined);
      expect(await multipartUploads(prefix)).toEqual([`${prefix}/large-uploads/lost-not ${kept.driverState}`]);
      await store.abortParts('large-uploads/lost-not', kept.driverState);
      expect(await multipartUploads(prefix)).toEqual([]);
      await expect(store.putPart('large-uploads/lost', undefined, 1, Readable.from([Buffer.from('x')]), 1)).rejects.toThrow(/driverState/);
    } finally {
      await store.close();
    }
  });

  it('copies a joined object larger than one CopyObject into another key by ranges', async () => {
    const prefix = `t-${randomUUID()}`;
    const store = makeStore(undefined, prefix, { singleCopyMaxBytes: 6 * 1024 * 1024, copyPartBytes: 5 * 1024 * 1024 });
    try {
      const bytes = randomBytes(11 * 1024 * 1024 + 5);
      const { driverState } = await store.beginParts('large-uploads/big');
      const one = await store.putPart('large-uploads/big', driverState, 1, Readable.from([bytes.subarray(0, 6 * 1024 * 1024)]), 6 * 1024 * 1024);
      const two = await store.putPart('large-uploads/big', driverState, 2, Readable.from([bytes.subarray(6 * 1024 * 1024)]));
      const parts = [
        { partNumber: 1, etag: one.etag },
        { partNumber: 2, etag: two.etag },
      ];
      expect(await store.completeParts('large-uploads/big', driverState, 'staging/big', parts)).toEqual({ size: bytes.length });
      expect((await readAll(await store.get('staging/big'))).equals(bytes)).toBe(true);
      expect((await listAll(store, '')).map((info) => info.key)).toEqual(['staging/big']);
      expect(await multipartUploads(prefix)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('is what createBlobStore builds for kind "s3"', async () => {
    const prefix = `t-${randomUUID()}`;
    const built = await createBlobStore({ kind: 's3', bucket: BUCKET, prefix, ...server });
    const reader = new S3BlobStore({ client: createS3Client(server), bucket: BUCKET, prefix, ownsClient: true });
    try {
      expect(built).toBeInstanceOf(S3BlobStore);
      await built.put('k', Buffer.from('v'));
      expect(await readAll(await reader.get('k'))).toEqual(Buffer.from('v'));
    } finally {
      await built.close();
      await reader.close();
    }
  });
});

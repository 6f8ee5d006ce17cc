import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { storedBytes, storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The minimum part size of a chunked upload (LARGE_UPLOAD_MIN_PART_BYTES) through the official SDK's
// upload_large, which sends every part but the last as `Content-Range: bytes S-E/-1`. The SDK spec
// "upload_chunked should return error if value is less than 5MB" (chunk_size 40000) on the default
// configuration; valid runs assemble byte for byte; a lower minimum is a configuration, not a behaviour.

const MiB = 1024 * 1024;
const SMALL_PART = 'All parts except EOF-chunk must be larger than 5mb';
/** The lowered minimum of the second cluster. */
const LOW_MIN = 64 * 1024;

type Reply = Record<string, unknown>;
type SdkError = { message?: string; http_code?: number };

let standard: TestCluster;
let lowered: TestCluster;
let cloudinary: CloudinarySdk;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rendition-min-part-'));
  [standard, lowered] = await Promise.all([
    startTestCluster({ SYNC_UPLOAD_TIMEOUT_MS: '120000' }),
    startTestCluster({ LARGE_UPLOAD_MIN_PART_BYTES: String(LOW_MIN) }),
  ]);
  cloudinary = sdkFor(standard);
}, 60_000);

afterAll(async () => {
  await Promise.all([standard?.stop(), lowered?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The SDK's options that point one call at a cluster (its config names the standard one). */
function target(cluster: TestCluster): Reply {
  const { apiKey, apiSecret } = cluster.credentials;
  return { cloud_name: cluster.cloud, api_key: apiKey, api_secret: apiSecret, upload_prefix: cluster.baseUrl };
}

/** upload_large with a callback, as the spec calls it: settles with the SDK's error or its result. */
function uploadLarge(path: string, options: Reply): Promise<{ error?: SdkError; result?: Reply }> {
  // upload_large is not in @rendition/testing's narrow SDK type.
  const uploader = cloudinary.uploader as unknown as {
    upload_large(path: string, options: Reply, callback: (error: SdkError | undefined, result: Reply) => void): void;
  };
  return new Promise((resolve) => uploader.upload_large(path, options, (error, result) => resolve(error ? { error } : { result })));
}

function writeFile(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const original = (cluster: TestCluster, reply: Reply) =>
  storedBytes(cluster.store, `assets/${String(reply.asset_id)}/${String(reply.version_id)}/original`);

/** Nothing of a refused upload is left: no session, no part, no staged chunk, no asset. */
async function expectNothingKept(cluster: TestCluster): Promise<void> {
  const db = cluster.cluster.services.db;
  expect(await db.selectFrom('large_uploads').select('upload_id').execute()).toEqual([]);
  expect(await db.selectFrom('large_upload_parts').select('part_number').execute()).toEqual([]);
  expect(await db.selectFrom('assets').select('public_id').where('cloud_name', '=', cluster.cloud).execute()).toEqual([]);
  expect(await storedKeys(cluster.store, 'large-uploads/')).toEqual([]);
  expect(await storedKeys(cluster.store, 'staging/')).toEqual([]);
}

describe('upload_large and the 5 MiB minimum part size (default configuration)', () => {
  it('answers chunk_size 40000 with Cloudinary\'s error, and keeps nothing (the SDK spec "less than 5MB")', async () => {
    const path = writeFile('shakespeare.bin', randomBytes(100_000));
    const { error, result } = await uploadLarge(path, { chunk_size: 40000, tags: ['min-part'], disable_promises: true });
    expect(result).toBeUndefined();
    expect(error?.message).toBe(SMALL_PART);
    expect(error?.http_code).toBe(400);
    await expectNothingKept(standard);
  });

  it('refuses 5 MB (decimal) parts: the minimum is 5 MiB', async () => {
    const path = writeFile('decimal.bin', randomBytes(5_000_000 + 1000));
    const { error } = await uploadLarge(path, { chunk_size: 5_000_000 });
    expect(error?.message).toBe(SMALL_PART);
    await expectNothingKept(standard);
  }, 60_000);

  it('assembles parts of exactly 5 MiB byte for byte', async () => {
    const file = randomBytes(2 * 5 * MiB + 12_345);
    const path = writeFile('exact.bin', file);
    const { error, result } = await uploadLarge(path, { chunk_size: 5 * MiB });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ done: true, bytes: file.length, etag: md5(file), resource_type: 'raw' });
    expect(sha256(await original(standard, result!))).toBe(sha256(file));
  }, 60_000);
});

describe('LARGE_UPLOAD_MIN_PART_BYTES lowered to 64 KiB', () => {
  it('assembles 64 KiB parts byte for byte', async () => {
    const file = randomBytes(5 * LOW_MIN + 777);
    const path = writeFile('lowered.bin', file);
    const { error, result } = await uploadLarge(path, { ...target(lowered), chunk_size: LOW_MIN });
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ done: true, bytes: file.length, etag: md5(file) });
    const stored = await original(lowered, result!);
    expect([stored.length, sha256(stored), md5(stored)]).toEqual([file.length, sha256(file), md5(file)]);
  });

  it('still refuses parts under it with the same message, keeping nothing', async () => {
    const path = writeFile('under.bin', randomBytes(100_000));
    const { error } = await uploadLarge(path, { ...target(lowered), chunk_size: 40000 });
    expect(error?.message).toBe(SMALL_PART);
    const db = lowered.cluster.services.db;
    expect(await db.selectFrom('large_uploads').select('upload_id').execute()).toEqual([]);
    expect(await storedKeys(lowered.store, 'large-uploads/')).toEqual([]);
    expect(await storedKeys(lowered.store, 'staging/')).toEqual([]);
  });
});

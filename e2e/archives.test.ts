import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type CloudinarySdk, type WebhookReceiver } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// generate_archive (issue 18) through the official Node SDK: create_zip / create_archive (a stored raw
// asset), download_zip_url / download_archive_url / download_folder (the archive streamed back),
// selection by public_ids, prefixes, tags and fully qualified ids, transformations (derivatives made
// on demand), the naming options, tgz, async creation with its notification, and the refusals.

const run = promisify(execFile);

type Archive = Record<string, unknown> & { public_id: string; secure_url: string; file_count: number; resource_count: number };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let receiver: WebhookReceiver;
let work: string;
/** The uploaded bytes, by public_id: what each archive entry is compared with. */
const originals = new Map<string, Buffer>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'rendition-archives-e2e-'));
  receiver = await startWebhookReceiver();
  cluster = await startTestCluster({ SSRF_ALLOW: '127.0.0.1/32' });
  cloudinary = sdkFor(cluster);
  const png = (width: number, height: number, r: number) =>
    sharp({ create: { width, height, channels: 3, background: { r, g: 40, b: 200 - r } } })
      .png()
      .toBuffer();
  const uploads: Array<[string, Buffer, Record<string, unknown>]> = [
    ['arch/red', await png(120, 80, 200), { tags: ['arch-e2e'] }],
    ['arch/sub/blue', await png(90, 60, 20), { tags: ['arch-e2e'] }],
    ['arch/notes.txt', Buffer.from('archive notes\n'.repeat(50)), { resource_type: 'raw', tags: ['arch-e2e'] }],
    ['other/green', await png(30, 30, 90), {}],
    ['flat/a/dup', await png(10, 10, 1), {}],
    ['flat/b/dup', await png(12, 12, 2), {}],
  ];
  await Promise.all(
    uploads.map(async ([publicId, bytes, options]) => {
      const path = join(work, publicId.replaceAll('/', '_'));
      await writeFile(path, bytes);
      await cloudinary.uploader.upload(path, { public_id: publicId, ...options });
      originals.set(publicId, bytes);
    }),
  );
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await receiver?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function fetchBytes(url: string): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url);
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** Every entry of a zip, by name, read with the unzip CLI. */
async function unzip(archive: Buffer): Promise<Map<string, Buffer>> {
  const path = join(work, `${randomBytes(6).toString('hex')}.zip`);
  await writeFile(path, archive);
  const { stdout } = await run('unzip', ['-Z1', path]);
  const entries = new Map<string, Buffer>();
  for (const name of stdout.split('\n').filter((line) => line !== '')) {
    const { stdout: bytes } = await run('unzip', ['-p', path, name], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    entries.set(name, bytes);
  }
  return entries;
}

/** Every file of a tgz, by path, unpacked with the tar CLI. */
async function untar(archive: Buffer): Promise<Map<string, Buffer>> {
  const dir = join(work, randomBytes(6).toString('hex'));
  await mkdir(dir);
  const path = `${dir}.tgz`;
  await writeFile(path, archive);
  await run('tar', ['-xzf', path, '-C', dir]);
  const entries = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) entries.set(relative(dir, join(entry.parentPath, entry.name)), await readFile(join(entry.parentPath, entry.name)));
  }
  return entries;
}

async function stagedCount(): Promise<number> {
  let count = 0;
  for await (const _blob of cluster.store.list('staging/')) count++;
  return count;
}

async function storedArchive(result: Archive): Promise<Map<string, Buffer>> {
  const download = await fetchBytes(result.secure_url);
  expect(download.status).toBe(200);
  return result.public_id.endsWith('.tgz') ? untar(download.body) : unzip(download.body);
}

describe('create mode', () => {
  it('stores a zip of the public_ids as a raw asset, answering its fields and counts', async () => {
    const result = (await cloudinary.uploader.create_zip({
      public_ids: ['arch/red', 'arch/sub/blue'],
      target_public_id: 'bundles/first',
      target_tags: ['bundle'],
    })) as Archive;
    expect(result).toMatchObject({
      public_id: 'bundles/first.zip',
      resource_type: 'raw',
      type: 'upload',
      tags: ['bundle'],
      placeholder: false,
      resource_count: 2,
      file_count: 2,
    });
    for (const key of ['asset_id', 'version', 'version_id', 'signature', 'created_at', 'bytes', 'etag', 'url', 'secure_url'])
      expect(result).toHaveProperty(key);
    expect(cloudinary.utils.verify_api_response_signature(result.public_id, Number(result.version), String(result.signature))).toBe(true);
    const entries = await storedArchive(result);
    expect([...entries.keys()].sort()).toEqual(['arch/red.png', 'arch/sub/blue.png']);
    expect(entries.get('arch/red.png')!.equals(originals.get('arch/red')!)).toBe(true);
    expect(entries.get('arch/sub/blue.png')!.equals(originals.get('arch/sub/blue')!)).toBe(true);
    const listed = (await cloudinary.api.resource('bundles/first.zip', { resource_type: 'raw' })) as { bytes: number; tags: string[] };
    expect(listed).toMatchObject({ bytes: result.bytes, tags: ['bundle'] });
  });

  it('puts derivatives of every transformation in, made on demand, named by transformation', async () => {
    const two = (await cloudinary.uploader.create_zip({
      public_ids: ['arch/red', 'arch/sub/blue'],
      transformations: [
        { width: 40, crop: 'scale' },
        { width: 20, height: 20, crop: 'fill', format: 'jpg' },
      ],
    })) as Archive;
    expect(two).toMatchObject({ resource_count: 2, file_count: 4 });
    const folders = await storedArchive(two);
    expect([...folders.keys()].sort()).toEqual([
      'c_fill,h_20,w_20/arch/red.jpg',
      'c_fill,h_20,w_20/arch/sub/blue.jpg',
      'c_scale,w_40/arch/red.png',
      'c_scale,w_40/arch/sub/blue.png',
    ]);
    expect(await sharp(folders.get('c_scale,w_40/arch/red.png')!).metadata()).toMatchObject({ format: 'png', width: 40, height: 27 });
    expect(await sharp(folders.get('c_fill,h_20,w_20/arch/sub/blue.jpg')!).metadata()).toMatchObject({ format: 'jpeg', width: 20, height: 20 });

    const flat = await storedArchive(
      (await cloudinary.uploader.create_zip({
        public_ids: ['arch/red'],
        transformations: [
          { width: 40, crop: 'scale' },
          { width: 20, height: 20, crop: 'fill', format: 'jpg' },
        ],
        flatten_transformations: true,
        keep_derived: true,
      })) as Archive,
    );
    expect([...flat.keys()].sort()).toEqual(['arch/red_c_fill,h_20,w_20.jpg', 'arch/red_c_scale,w_40.png']);
    // keep_derived: the derivatives stay stored (without it they are deleted once archived).
    const kept = (await cloudinary.api.resource('arch/red')) as { derived: Array<{ transformation: string }> };
    expect(kept.derived.map((item) => item.transformation).sort()).toEqual(['c_fill,h_20,w_20', 'c_scale,w_40']);
    const unnamed = await storedArchive(
      (await cloudinary.uploader.create_zip({
        public_ids: ['arch/sub/blue'],
        transformations: 'w_30,c_scale',
        skip_transformation_name: true,
      })) as Archive,
    );
    expect([...unnamed.keys()]).toEqual(['arch/sub/blue.png']);
    expect(await sharp(unnamed.get('arch/sub/blue.png')!).metadata()).toMatchObject({ width: 30, height: 20 });
    const untouched = (await cloudinary.api.resource('arch/sub/blue')) as { derived: unknown[] };
    expect(untouched.derived).toEqual([]);
  });

  it('flattens folders with a counter for clashing names, and selects by tags, prefixes and fully qualified ids', async () => {
    const flat = await storedArchive((await cloudinary.uploader.create_zip({ prefixes: 'flat/', flatten_folders: true })) as Archive);
    expect([...flat.keys()].sort()).toEqual(['dup.png', 'dup_1.png']);
    const sizes = await Promise.all([...flat.values()].map(async (bytes) => (await sharp(bytes).metadata()).width));
    expect(sizes.sort()).toEqual([10, 12]);

    const tagged = await storedArchive((await cloudinary.uploader.create_zip({ tags: 'arch-e2e' })) as Archive);
    expect([...tagged.keys()].sort()).toEqual(['arch/red.png', 'arch/sub/blue.png']);
    const mixed = (await cloudinary.uploader.create_zip({
      resource_type: 'auto',
      fully_qualified_public_ids: ['image/upload/other/green', 'raw/upload/arch/notes.txt'],
    })) as Archive;
    expect(mixed.file_count).toBe(2);
    const entries = await storedArchive(mixed);
    expect(entries.get('arch/notes.txt')!.equals(originals.get('arch/notes.txt')!)).toBe(true);
    expect(entries.get('other/green.png')!.equals(originals.get('other/green')!)).toBe(true);
  });

  it('builds a tgz', async () => {
    // The v2 SDK's create_archive takes (options, callback): the format is an option.
    const result = (await cloudinary.uploader.create_archive({
      prefixes: ['arch/'],
      resource_type: 'raw',
      target_public_id: 'notes-bundle',
      target_format: 'tgz',
    })) as Archive;
    expect(result).toMatchObject({ public_id: 'notes-bundle.tgz', file_count: 1 });
    const entries = await storedArchive(result);
    expect([...entries.keys()]).toEqual(['arch/notes.txt']);
    expect(entries.get('arch/notes.txt')!.equals(originals.get('arch/notes.txt')!)).toBe(true);
  });

  it('refuses missing public_ids unless allow_missing, and answers pending then notifies with async', async () => {
    const missing = await sdkRefusal(cloudinary.uploader.create_zip({ public_ids: ['arch/red', 'no/such'] }));
    expect(missing).toMatchObject({ http_code: 404 });
    expect(missing.message).toMatch(/no\/such/);
    const allowed = (await cloudinary.uploader.create_zip({ public_ids: ['arch/red', 'no/such'], allow_missing: true })) as Archive;
    expect(allowed).toMatchObject({ resource_count: 1, file_count: 1 });

    const hook = `${receiver.url}/archive-async`;
    const pending = (await cloudinary.uploader.create_zip({
      tags: ['arch-e2e'],
      async: true,
      notification_url: hook,
      target_public_id: 'later',
    })) as Record<string, unknown>;
    expect(pending).toMatchObject({ status: 'pending', public_id: 'later.zip', resource_type: 'raw', type: 'upload' });
    expect(pending.batch_id).toMatch(/^[0-9a-f]{64}$/);
    const [webhook] = await receiver.waitFor(1, { path: '/archive-async', timeoutMs: 20_000 });
    const body = JSON.parse(webhook!.body) as Archive & { notification_type: string };
    expect(body).toMatchObject({ notification_type: 'upload', public_id: 'later.zip', resource_count: 2, file_count: 2 });
    expect(
      cloudinary.utils.verifyNotificationSignature(
        webhook!.body,
        Number(webhook!.headers['x-cld-timestamp']),
        String(webhook!.headers['x-cld-signature']),
      ),
    ).toBe(true);
    expect([...(await storedArchive(body)).keys()].sort()).toEqual(['arch/red.png', 'arch/sub/blue.png']);
  });

  it('refuses bad parameters and impossible transformations with a 400 before any job', async () => {
    const huge = await sdkRefusal(cloudinary.uploader.create_zip({ tags: 'arch-e2e', transformations: 'w_20000,h_20000,c_scale' }));
    expect(huge).toMatchObject({ http_code: 400 });
    expect(huge.message).toMatch(/exceeds the maximum/);
    expect(await sdkRefusal(cloudinary.uploader.create_zip({ prefixes: 'arch/', resource_type: 'raw', transformations: 'w_10' }))).toMatchObject({
      http_code: 400,
      message: 'Transformations of raw assets are not supported',
    });
    expect(await sdkRefusal(cloudinary.uploader.create_zip({ tags: 'arch-e2e', transformations: 'w_abc' }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(cloudinary.uploader.create_zip({ target_public_id: 'nothing' }))).toMatchObject({ http_code: 400 });
    const rar = await fetchBytes(cloudinary.utils.download_archive_url({ tags: 'arch-e2e', target_format: 'rar' }));
    expect(rar.status).toBe(400);
    expect(JSON.parse(rar.body.toString()).error.message).toMatch(/target_format: expected zip or tgz/);
    expect(await sdkRefusal(cloudinary.uploader.create_zip({ tags: 'no-such-tag' }))).toMatchObject({ http_code: 404 });
  });

  it('refuses over the limits with a clean 400 and stores nothing', async () => {
    const ids = Array.from({ length: 1001 }, (_, index) => `many/${index}`);
    const tooMany = await sdkRefusal(cloudinary.uploader.create_zip({ public_ids: ids }));
    expect(tooMany).toMatchObject({ http_code: 400 });
    expect(tooMany.message).toMatch(/at most 1000/);

    // Catalog rows only (no blobs): the selection and its limits are decided before any byte is read.
    const now = new Date();
    const row = (publicId: string, bytes: number) => ({
      asset_id: randomBytes(16).toString('hex'),
      cloud_name: cluster.cloud,
      resource_type: 'raw',
      type: 'upload',
      public_id: publicId,
      version: 1,
      version_id: randomBytes(16).toString('hex'),
      format: null,
      width: null,
      height: null,
      pages: null,
      bytes,
      etag: '0'.repeat(32),
      content_type: 'application/octet-stream',
      storage_key: 'assets/none/none/original',
      tags: [],
      context: JSON.stringify({}),
      metadata: JSON.stringify({}),
      asset_folder: '',
      display_name: publicId,
      original_filename: null,
      access_mode: 'public',
      created_at: now,
    });
    const db = cluster.cluster.services.db;
    await db
      .insertInto('assets')
      .values(Array.from({ length: 1001 }, (_, index) => row(`crowd/${index}.bin`, 1)))
      .execute();
    await db
      .insertInto('assets')
      .values([row('huge/a.bin', 6 * 1024 ** 3), row('huge/b.bin', 6 * 1024 ** 3)])
      .execute();
    const crowd = await sdkRefusal(cloudinary.uploader.create_zip({ prefixes: 'crowd/', resource_type: 'raw' }));
    expect(crowd).toMatchObject({ http_code: 400 });
    expect(crowd.message).toMatch(/at most 1000 resources/);
    const huge = await sdkRefusal(cloudinary.uploader.create_zip({ prefixes: 'huge/', resource_type: 'raw', target_public_id: 'never' }));
    expect(huge).toMatchObject({ http_code: 400 });
    expect(huge.message).toMatch(/too large/);
    expect(await sdkRefusal(cloudinary.api.resource('never.zip', { resource_type: 'raw' }))).toMatchObject({ http_code: 404 });
  });

  it('fails as ours (500, and a failed notification) when a blob is missing from storage, after the retries', async () => {
    // The `crowd/` rows of the previous test have no blob: the job meets that only while writing.
    const hook = `${receiver.url}/archive-broken`;
    const [sync, pending] = await Promise.all([
      sdkRefusal(cloudinary.uploader.create_zip({ public_ids: ['crowd/1.bin'], resource_type: 'raw', target_public_id: 'broken' })),
      cloudinary.uploader.create_zip({ public_ids: ['crowd/2.bin'], resource_type: 'raw', async: true, notification_url: hook }),
    ]);
    expect(sync).toMatchObject({ http_code: 500 });
    expect(sync.message).toMatch(/Could not build the archive/);
    expect(pending).toMatchObject({ status: 'pending' });
    const [webhook] = await receiver.waitFor(1, { path: '/archive-broken', timeoutMs: 20_000 });
    expect(JSON.parse(webhook!.body)).toMatchObject({ notification_type: 'upload', status: 'failed', batch_id: pending.batch_id });
    expect(await sdkRefusal(cloudinary.api.resource('broken.zip', { resource_type: 'raw' }))).toMatchObject({ http_code: 404 });
  });
});

describe('download mode', () => {
  it('streams the zip with its headers, and leaves nothing stored', async () => {
    const url = cloudinary.utils.download_zip_url({ public_ids: ['arch/sub/blue', 'arch/red'], target_public_id: 'pair' });
    expect(url).toContain('mode=download');
    const download = await fetchBytes(url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="pair.zip"');
    expect(Number(download.headers.get('content-length'))).toBe(download.body.length);
    const entries = await unzip(download.body);
    expect([...entries.keys()].sort()).toEqual(['arch/red.png', 'arch/sub/blue.png']);
    expect(entries.get('arch/red.png')!.equals(originals.get('arch/red')!)).toBe(true);
    expect(await sdkRefusal(cloudinary.api.resource('pair.zip', { resource_type: 'raw' }))).toMatchObject({ http_code: 404 });
    // The staged archive is deleted once answered.
    await expect.poll(() => stagedCount(), { timeout: 5_000 }).toBe(0);
  });

  it('downloads a folder of every resource type, and a tgz', async () => {
    const folder = await fetchBytes(cloudinary.utils.download_folder('arch/'));
    expect(folder.status).toBe(200);
    const entries = await unzip(folder.body);
    expect([...entries.keys()].sort()).toEqual(['arch/notes.txt', 'arch/red.png', 'arch/sub/blue.png']);
    expect(entries.get('arch/notes.txt')!.equals(originals.get('arch/notes.txt')!)).toBe(true);

    const tgz = await fetchBytes(cloudinary.utils.download_archive_url({ tags: 'arch-e2e', target_format: 'tgz', flatten_folders: true }));
    expect(tgz.status).toBe(200);
    expect(tgz.headers.get('content-type')).toBe('application/gzip');
    expect(tgz.headers.get('content-disposition')).toMatch(/^attachment; filename="[a-z0-9]+\.tgz"$/);
    const files = await untar(tgz.body);
    expect([...files.keys()].sort()).toEqual(['blue.png', 'red.png']);
    expect(files.get('blue.png')!.equals(originals.get('arch/sub/blue')!)).toBe(true);
  });

  it('refuses an expired link and a bad signature', async () => {
    const expired = await fetchBytes(cloudinary.utils.download_zip_url({ public_ids: ['arch/red'], expires_at: Date.now() / 1000 - 10 }));
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body.toString()).error.message).toMatch(/expired/);
    const later = await fetchBytes(cloudinary.utils.download_zip_url({ public_ids: ['arch/red'], expires_at: Date.now() / 1000 + 60 }));
    expect(later.status).toBe(200);

    const url = new URL(cloudinary.utils.download_zip_url({ public_ids: ['arch/red'] }));
    url.searchParams.set('public_ids[]', 'arch/sub/blue');
    const tampered = await fetchBytes(url.toString());
    expect(tampered.status).toBe(401);
    expect(JSON.parse(tampered.body.toString()).error.message).toMatch(/Invalid Signature/i);
    const missing = await fetchBytes(cloudinary.utils.download_zip_url({ public_ids: ['no/such'] }));
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset } from '@rendition/catalog';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { basicAuthHeader } from './support/signed-form.ts';
import { storedKeys, unfinishedWrites } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Upload presets (Admin API CRUD through the SDK) and the uploads that name them: signed ones, where
// the request overrides the preset, and unsigned ones, as a browser form or the SDK's unsigned_upload
// sends them, limited to Cloudinary's allow-list.

const PNG = fixturePath('images/embedgravitybird.png');
const JPEG = fixturePath('images/2569067123_aca715a2ee_o.jpg');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

const ALLOW_LIST =
  'upload_preset,callback,public_id,folder,asset_folder,tags,context,metadata,face_coordinates,custom_coordinates,source,filename_override,manifest_transformation,manifest_json,template,template_vars,regions,public_id_prefix';

type Json = Record<string, unknown>;
type PresetSdk = CloudinarySdk & {
  api: CloudinarySdk['api'] & {
    create_upload_preset(options: Json): Promise<Json>;
    upload_presets(options?: Json): Promise<Json>;
    upload_preset(name: string): Promise<Json>;
    update_upload_preset(name: string, options: Json): Promise<Json>;
    delete_upload_preset(name: string): Promise<Json>;
  };
  uploader: CloudinarySdk['uploader'] & {
    unsigned_upload(file: string, preset: string, options?: Json): Promise<Json>;
  };
};

let cluster: TestCluster;
let cloudinary: PresetSdk;
let pngBytes: Buffer;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster) as PresetSdk;
  pngBytes = await readFile(PNG);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

function uploadUrl(): string {
  return `${cluster.baseUrl}/v1_1/${cluster.cloud}/image/upload`;
}

/** What a browser's `<form enctype="multipart/form-data">` (or fetch + FormData) posts: no signature, no auth header. */
function browserForm(fields: Record<string, string>): FormData {
  const form = new FormData();
  form.append('file', new Blob([pngBytes], { type: 'image/png' }), 'bird.png');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}

async function post(body: FormData): Promise<{ status: number; body: Json; cldError: string | null }> {
  const response = await fetch(uploadUrl(), { method: 'POST', body });
  return { status: response.status, body: (await response.json()) as Json, cldError: response.headers.get('x-cld-error') };
}

async function expectRefused(body: FormData, message: string): Promise<void> {
  const reply = await post(body);
  expect(reply).toEqual({ status: 400, body: { error: { message } }, cldError: message });
}

async function storedAsset(publicId: string) {
  return findAsset(cluster.cluster.services.db, { cloudName: 'demo', resourceType: 'image', type: 'upload', publicId });
}

/** Every stored key, staging included, and any unfinished write: a refused upload must leave none behind. */
async function storedFiles(): Promise<string[]> {
  const unfinished = (await unfinishedWrites(cluster.storage)).map((name) => `unfinished write ${name}`);
  return [...(await storedKeys(cluster.store)), ...unfinished];
}

describe('Admin API: upload presets', () => {
  it('creates, reads, lists, updates and deletes a preset through the SDK', async () => {
    const created = await cloudinary.api.create_upload_preset({
      name: 'crud_preset',
      folder: 'preset-folder',
      tags: ['one', 'two'],
      context: { alt: 'from preset' },
      use_filename: true,
      transformation: { width: 100, crop: 'scale' },
      eager: [{ width: 50, crop: 'fill', format: 'png' }],
      disallow_public_id: true,
    });
    expect(created).toEqual({ message: 'created', name: 'crud_preset' });

    const preset = await cloudinary.api.upload_preset('crud_preset');
    expect(preset).toEqual({
      name: 'crud_preset',
      unsigned: false,
      settings: {
        folder: 'preset-folder',
        tags: ['one', 'two'],
        context: { alt: 'from preset' },
        use_filename: true,
        transformation: [{ width: 100, crop: 'scale' }],
        eager: [{ width: 50, crop: 'fill', format: 'png' }],
        disallow_public_id: true,
      },
    });

    expect(await cloudinary.api.update_upload_preset('crud_preset', { unsigned: true, tags: 'three', unique_filename: false })).toEqual({
      message: 'updated',
    });
    const updated = await cloudinary.api.upload_preset('crud_preset');
    expect(updated).toMatchObject({
      name: 'crud_preset',
      unsigned: true,
      settings: { folder: 'preset-folder', tags: ['three'], unique_filename: false, use_filename: true, disallow_public_id: true },
    });

    const listed = await cloudinary.api.upload_presets();
    expect((listed.presets as Json[]).map((item) => item.name)).toContain('crud_preset');
    expect((listed.presets as Json[]).find((item) => item.name === 'crud_preset')).toEqual(updated);

    expect(await cloudinary.api.delete_upload_preset('crud_preset')).toEqual({ message: 'deleted' });
    await expect(cloudinary.api.upload_preset('crud_preset')).rejects.toMatchObject({ error: { http_code: 404, message: 'Upload preset not found' } });
    await expect(cloudinary.api.delete_upload_preset('crud_preset')).rejects.toMatchObject({ error: { http_code: 404 } });
    await expect(cloudinary.api.update_upload_preset('crud_preset', { tags: 'x' })).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('generates a name when none is given, and refuses a duplicate or a bad name', async () => {
    const created = await cloudinary.api.create_upload_preset({ tags: 'generated' });
    expect(created).toMatchObject({ message: 'created', name: expect.stringMatching(/^[a-z0-9]{8}$/) });
    await expect(cloudinary.api.create_upload_preset({ name: created.name, tags: 'again' })).rejects.toMatchObject({
      error: { http_code: 409, message: `Upload preset ${created.name as string} already exists` },
    });
    await expect(cloudinary.api.create_upload_preset({ name: 'bad name!' })).rejects.toMatchObject({ error: { http_code: 400 } });
    // A setting an upload would refuse is refused when the preset is made.
    await expect(cloudinary.api.create_upload_preset({ name: 'bad_eager', eager: 'w_abc' })).rejects.toMatchObject({ error: { http_code: 400 } });
    await expect(cloudinary.api.upload_preset('bad_eager')).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('pages through presets with max_results and next_cursor', async () => {
    for (const name of ['page_a', 'page_b', 'page_c']) await cloudinary.api.create_upload_preset({ name, tags: name });
    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await cloudinary.api.upload_presets({ max_results: 2, ...(cursor ? { next_cursor: cursor } : {}) });
      expect((page.presets as Json[]).length).toBeLessThanOrEqual(2);
      names.push(...(page.presets as Json[]).map((item) => item.name as string));
      cursor = page.next_cursor as string | undefined;
    } while (cursor);
    expect(names.filter((name) => name.startsWith('page_'))).toEqual(['page_a', 'page_b', 'page_c']);
    expect(new Set(names).size).toBe(names.length);
  });

  it('needs Basic authentication with a key of the cloud', async () => {
    const anonymous = await fetch(`${cluster.baseUrl}/v1_1/demo/upload_presets`);
    expect(anonymous.status).toBe(401);
    const wrong = await fetch(`${cluster.baseUrl}/v1_1/demo/upload_presets`, {
      headers: { authorization: basicAuthHeader({ ...cluster.credentials, apiSecret: 'nope' }) },
    });
    expect(wrong.status).toBe(401);
  });
});

describe('signed uploads with a preset', () => {
  beforeAll(async () => {
    await cloudinary.api.create_upload_preset({ name: 'signed_defaults', folder: 'from-preset', tags: ['preset-tag'], context: { alt: 'preset' } });
  });

  it("applies the preset's settings; the request's own values override them", async () => {
    const result = await cloudinary.uploader.upload(PNG, { upload_preset: 'signed_defaults', public_id: 'signed-one', tags: ['request-tag'] });
    expect(result).toMatchObject({
      public_id: 'from-preset/signed-one',
      tags: ['request-tag'],
      context: { custom: { alt: 'preset' } },
      width: 576,
      api_key: cluster.credentials.apiKey,
    });
    const plain = await cloudinary.uploader.upload(PNG, { upload_preset: 'signed_defaults', public_id: 'signed-two', folder: 'request-folder' });
    expect(plain).toMatchObject({ public_id: 'request-folder/signed-two', tags: ['preset-tag'] });
  });

  it('refuses an unknown preset with 400', async () => {
    await expect(cloudinary.uploader.upload(PNG, { upload_preset: 'no_such_preset', public_id: 'signed-unknown' })).rejects.toMatchObject({
      http_code: 400,
      message: 'Upload preset not found',
    });
    expect(await storedAsset('signed-unknown')).toBeUndefined();
  });
});

describe('unsigned uploads', () => {
  beforeAll(async () => {
    await cloudinary.api.create_upload_preset({ name: 'browser', unsigned: true, folder: 'anon', tags: 'from-browser' });
    await cloudinary.api.create_upload_preset({ name: 'signed_only', tags: 'signed' });
  });

  it('accepts a plain browser-style form post with only file and upload_preset, and serves its bytes', async () => {
    const { status, body } = await post(browserForm({ upload_preset: 'browser' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      public_id: expect.stringMatching(/^anon\/[a-z0-9]{20}$/),
      tags: ['from-browser'],
      width: 576,
      height: 384,
      bytes: pngBytes.length,
      etag: md5(pngBytes),
      format: 'png',
      api_key: cluster.credentials.apiKey,
    });
    const delivered = await fetch(body.secure_url as string);
    expect(delivered.status).toBe(200);
    expect(Buffer.from(await delivered.arrayBuffer()).equals(pngBytes)).toBe(true);
  });

  it('takes allow-listed parameters from the form and never overwrites', async () => {
    const first = await post(browserForm({ upload_preset: 'browser', public_id: 'chosen', tags: 'mine', context: 'alt=hello' }));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ public_id: 'anon/chosen', tags: ['mine'], context: { custom: { alt: 'hello' } } });
    const before = await storedAsset('anon/chosen');

    const again = await post(browserForm({ upload_preset: 'browser', public_id: 'chosen', tags: 'other' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ public_id: 'anon/chosen', existing: true, version: first.body.version });
    const after = await storedAsset('anon/chosen');
    expect(after?.versionId).toBe(before?.versionId);
    expect(after?.tags).toEqual(['mine']);
  });

  it("succeeds through the SDK's uploader.unsigned_upload", async () => {
    const result = await cloudinary.uploader.unsigned_upload(JPEG, 'browser', { public_id: 'sdk-unsigned', tags: ['sdk'] });
    expect(result).toMatchObject({ public_id: 'anon/sdk-unsigned', tags: ['sdk'], format: 'jpg', resource_type: 'image', type: 'upload' });
    expect(await storedAsset('anon/sdk-unsigned')).toBeDefined();
  });

  it('refuses a parameter outside the allow-list with the exact message, storing nothing', async () => {
    const filesBefore = await storedFiles();
    expect(filesBefore.length).toBeGreaterThan(0);
    await expectRefused(
      browserForm({ upload_preset: 'browser', public_id: 'forbidden-transformation', transformation: 'w_10' }),
      `Transformation parameter is not allowed when using unsigned upload. Only ${ALLOW_LIST} upload parameters are allowed.`,
    );
    await expectRefused(
      browserForm({ upload_preset: 'browser', public_id: 'forbidden-eager', eager: 'w_10,c_scale' }),
      `Eager parameter is not allowed when using unsigned upload. Only ${ALLOW_LIST} upload parameters are allowed.`,
    );
    await expectRefused(
      browserForm({ upload_preset: 'browser', public_id: 'forbidden-overwrite', overwrite: 'true' }),
      `Overwrite parameter is not allowed when using unsigned upload. Only ${ALLOW_LIST} upload parameters are allowed.`,
    );
    await expect(
      cloudinary.uploader.unsigned_upload(PNG, 'browser', { public_id: 'forbidden-sdk', eager: [{ width: 10, crop: 'scale' }] }),
    ).rejects.toMatchObject({
      http_code: 400,
      message: `Eager parameter is not allowed when using unsigned upload. Only ${ALLOW_LIST} upload parameters are allowed.`,
    });
    for (const id of ['forbidden-transformation', 'forbidden-eager', 'forbidden-overwrite', 'forbidden-sdk']) {
      expect(await storedAsset(`anon/${id}`)).toBeUndefined();
      expect(await storedAsset(id)).toBeUndefined();
    }
    expect(await storedFiles()).toEqual(filesBefore);
  });

  it('refuses a signed preset used unsigned, an unknown preset, and no preset at all', async () => {
    await expectRefused(
      browserForm({ upload_preset: 'signed_only', public_id: 'unsigned-signed-preset' }),
      'Upload preset must be whitelisted for unsigned uploads',
    );
    await expectRefused(browserForm({ upload_preset: 'no_such_preset', public_id: 'unsigned-unknown' }), 'Upload preset not found');
    await expectRefused(browserForm({ public_id: 'unsigned-none' }), 'Upload preset must be specified when using unsigned upload');
    await expect(cloudinary.uploader.unsigned_upload(PNG, 'signed_only')).rejects.toMatchObject({
      http_code: 400,
      message: 'Upload preset must be whitelisted for unsigned uploads',
    });
    for (const id of ['unsigned-signed-preset', 'unsigned-unknown', 'unsigned-none']) expect(await storedAsset(id)).toBeUndefined();
  });

  it('drops the public_id of the request when the preset disallows it', async () => {
    await cloudinary.api.create_upload_preset({ name: 'no_ids', unsigned: true, disallow_public_id: true, folder: 'noid' });
    const { status, body } = await post(browserForm({ upload_preset: 'no_ids', public_id: 'wanted' }));
    expect(status).toBe(200);
    expect(body.public_id).toMatch(/^noid\/[a-z0-9]{20}$/);
    expect(await storedAsset('noid/wanted')).toBeUndefined();
  });
});

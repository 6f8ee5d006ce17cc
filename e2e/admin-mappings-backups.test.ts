import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { isStored } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Issue 20, through the official SDK against the real API server: upload mappings (api_spec.js
// "mapping"), delete_backed_up_assets (api_spec.js "delete_backed_up_assets") and the wording of a
// bad raw_convert on update (api_spec.js "should support requesting raw conversion").

type Json = Record<string, unknown>;
type Sdk = CloudinarySdk & {
  api: CloudinarySdk['api'] & {
    create_upload_mapping(folder: string, options: Json): Promise<Json>;
    update_upload_mapping(folder: string, options: Json): Promise<Json>;
    delete_upload_mapping(folder: string): Promise<Json>;
    upload_mapping(folder: string): Promise<Json>;
    upload_mappings(options?: Json): Promise<Json>;
    delete_backed_up_assets(assetId: string, versionIds: string | string[]): Promise<Json>;
  };
};
type Version = { version_id: string };

let cluster: TestCluster;
let cloudinary: Sdk;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster) as Sdk;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const png = async (background: string) =>
  `data:image/png;base64,${(
    await sharp({ create: { width: 4, height: 4, channels: 3, background } })
      .png()
      .toBuffer()
  ).toString('base64')}`;

describe('upload mappings', () => {
  it('creates, reads, updates, lists and deletes a mapping as api_spec.js does', async () => {
    const folder = 'api_test_upload_mapping1';
    await cloudinary.api.create_upload_mapping(folder, { template: 'https://cloudinary.com', tags: ['ignored'] });
    expect(await cloudinary.api.upload_mapping(folder)).toMatchObject({ folder, template: 'https://cloudinary.com' });
    await cloudinary.api.update_upload_mapping(folder, { template: 'https://res.cloudinary.com' });
    expect((await cloudinary.api.upload_mapping(folder)).template).toBe('https://res.cloudinary.com');
    const { mappings } = (await cloudinary.api.upload_mappings()) as { mappings: Json[] };
    expect(mappings).toContainEqual({ folder, template: 'https://res.cloudinary.com' });
    await cloudinary.api.delete_upload_mapping(folder);
    const after = (await cloudinary.api.upload_mappings({ max_results: 10 })) as { mappings: Json[] };
    expect(after.mappings.find((mapping) => mapping.folder === folder)).toBeUndefined();
  });

  it('pages with next_cursor and answers the refusals', async () => {
    for (const name of ['page_a', 'page_b', 'page_c']) await cloudinary.api.create_upload_mapping(name, { template: `https://${name}.example.com` });
    const first = (await cloudinary.api.upload_mappings({ max_results: 2 })) as { mappings: Json[]; next_cursor: string };
    expect(first.mappings.map((mapping) => mapping.folder)).toEqual(['page_a', 'page_b']);
    const second = (await cloudinary.api.upload_mappings({ max_results: 2, next_cursor: first.next_cursor })) as Json;
    expect(second).toEqual({ mappings: [{ folder: 'page_c', template: 'https://page_c.example.com' }] });
    expect(await sdkRefusal(cloudinary.api.create_upload_mapping('page_a', { template: 'https://x.example.com' }))).toMatchObject({ http_code: 409 });
    expect(await sdkRefusal(cloudinary.api.upload_mapping('missing'))).toMatchObject({ http_code: 404, message: 'Upload mapping not found - missing' });
    expect(await sdkRefusal(cloudinary.api.create_upload_mapping('bad', { template: 'not a url' }))).toMatchObject({ http_code: 400 });
  });
});

describe('delete_backed_up_assets', () => {
  it('deletes backed-up versions after overwrites with backup=true, as api_spec.js does', async () => {
    const publicId = 'backup_delete_spec';
    await cloudinary.uploader.upload(await png('red'), { public_id: publicId, backup: true });
    await cloudinary.uploader.upload(await png('green'), { public_id: publicId, backup: true, overwrite: true, angle: '0' });
    await cloudinary.uploader.upload(await png('blue'), { public_id: publicId, backup: true, overwrite: true, angle: '100' });
    const resource = (await cloudinary.api.resource(publicId, { versions: true })) as { asset_id: string; version_id: string; versions: Version[] };
    const [first, second, third] = resource.versions.map((version) => version.version_id) as [string, string, string];
    expect(third).toBe(resource.version_id);
    const assetId = resource.asset_id;

    expect(await cloudinary.api.delete_backed_up_assets(assetId, first)).toEqual({ asset_id: assetId, deleted_version_ids: [first] });
    const afterOne = (await cloudinary.api.resource(publicId, { versions: true })) as { versions: Version[] };
    expect(afterOne.versions.map((version) => version.version_id)).toEqual([second, third]);
    expect(await isStored(cluster.store, `assets/${assetId}/${first}/original`)).toBe(false);

    // The spec names the current version too: it stays, reported under failures, and the call succeeds.
    const both = await cloudinary.api.delete_backed_up_assets(assetId, [second, third]);
    expect(both).toMatchObject({ asset_id: assetId, deleted_version_ids: [second], failures: [{ version_id: third }] });
    const afterTwo = (await cloudinary.api.resource(publicId, { versions: true })) as { versions: Version[] };
    expect(afterTwo.versions.map((version) => version.version_id)).toEqual([third]);
    expect(await isStored(cluster.store, `assets/${assetId}/${third}/original`)).toBe(true);
  });

  it('answers 404 for an unknown asset or version and 400 without version_ids', async () => {
    const upload = (await cloudinary.uploader.upload(await png('white'), { public_id: 'backup_delete_refusals' })) as { asset_id: string };
    const unknown = 'f'.repeat(32);
    expect(await sdkRefusal(cloudinary.api.delete_backed_up_assets(unknown, unknown))).toEqual({
      http_code: 404,
      message: `Resource not found - ${unknown}`,
    });
    expect(await sdkRefusal(cloudinary.api.delete_backed_up_assets(upload.asset_id, unknown))).toEqual({
      http_code: 404,
      message: `Backup not found - asset_id ${upload.asset_id}, version_id ${unknown}`,
    });
    expect(await sdkRefusal(cloudinary.api.delete_backed_up_assets(upload.asset_id, []))).toEqual({
      http_code: 400,
      message: 'Missing required parameter - version_ids',
    });
  });
});

describe('update with raw_convert: illegal', () => {
  it("answers Cloudinary's 'Illegal value' (api_spec.js) and keeps 'Raw convert is invalid' (uploader_spec.js)", async () => {
    await cloudinary.uploader.upload(await png('black'), { public_id: 'raw_convert_update' });
    const refusal = await sdkRefusal(cloudinary.api.update('raw_convert_update', { raw_convert: 'illegal' }));
    expect(refusal).toEqual({
      http_code: 400,
      message: 'Illegal value for parameter raw_convert: Raw convert is invalid: "illegal" (expected one of extract_text, aspose)',
    });
  });
});

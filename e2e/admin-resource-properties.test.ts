import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { jsonReply, type Json } from './support/json-reply.ts';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Issue 20: the official SDK's api_spec.js "explicitly requested properties" tests of `resource` and
// `resource_by_asset_id`, and its delete_folder hook (a folder emptied of its assets is still listed).

type Resource = Json & { asset_id: string; public_id: string };
type FolderListing = { folders: Array<{ name: string; path: string }>; next_cursor: string | null; total_count: number };
interface ResourceAndFolderApi {
  resource(publicId: string, options?: Json): Promise<Json>;
  resource_by_asset_id(assetId: string, options?: Json): Promise<Json>;
  delete_resources_by_prefix(prefix: string, options?: Json): Promise<Json>;
  delete_resources(publicIds: string[], options?: Json): Promise<Json>;
  sub_folders(path: string, options?: Json): Promise<Json>;
  root_folders(options?: Json): Promise<Json>;
  delete_folder(path: string): Promise<Json>;
  update(publicId: string, options?: Json): Promise<Json>;
}

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let api: ResourceAndFolderApi;
let tiny: string;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  api = cloudinary.api as unknown as ResourceAndFolderApi;
  const png = await sharp({ create: { width: 8, height: 6, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  tiny = `data:image/png;base64,${png.toString('base64')}`;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const upload = (options: Json) => cloudinary.uploader.upload(tiny, options) as Promise<Resource>;

describe('explicitly requested properties', () => {
  it('resource_by_asset_id answers colors, exif, faces and related_assets when asked, and none of them otherwise', async () => {
    const { asset_id } = await upload({ tags: ['props'] });
    const plain = await api.resource_by_asset_id(asset_id);
    expect(plain.asset_id).toBe(asset_id);
    for (const field of ['accessibility_analysis', 'colors', 'exif', 'faces', 'related_assets']) expect(plain).not.toHaveProperty(field);

    const resource = await api.resource_by_asset_id(asset_id, { colors: true, faces: true, exif: true, related: true });
    expect(resource.asset_id).toBe(asset_id);
    expect(resource).toMatchObject({ colors: [], exif: {}, faces: [], related_assets: [] });
  });

  it('resource answers cinemagraph_analysis with a cinemagraph_score and related_assets', async () => {
    const { public_id } = await upload({ public_id: 'props_still' });
    const result = await api.resource(public_id, { cinemagraph_analysis: true, related: true });
    expect(result.cinemagraph_analysis).toEqual({ cinemagraph_score: 0 });
    expect(result.related_assets).toEqual([]);
    expect(await api.resource(public_id, { image_metadata: true })).toMatchObject({ image_metadata: {} });
  });
});

describe('folders made by uploads', () => {
  const folderPath = 'test_folder/delete_folder/cloudinary_npm_test_tag';

  it('stay listed once their assets are deleted, until delete_folder (the SDK spec’s delete_folder hook)', async () => {
    await upload({ folder: folderPath, tags: ['props'] });
    await api.delete_resources_by_prefix(folderPath);
    const emptied = (await api.sub_folders(folderPath)) as FolderListing;
    expect(emptied).toEqual({ folders: [], next_cursor: null, total_count: 0 });
    expect(((await api.sub_folders('test_folder/delete_folder')) as FolderListing).folders).toEqual([
      { name: 'cloudinary_npm_test_tag', path: folderPath },
    ]);

    expect(await api.delete_folder(folderPath)).toEqual({ deleted: [folderPath] });
    expect(await sdkRefusal(api.sub_folders(folderPath))).toMatchObject({ http_code: 404, message: `Can't find folder with path ${folderPath}` });
    // Its parents were made with it and stay.
    expect(await api.sub_folders('test_folder/delete_folder')).toEqual({ folders: [], next_cursor: null, total_count: 0 });
  });

  it('keeps an asset_folder given on upload or set by update after the asset is gone', async () => {
    const { public_id } = await upload({ public_id: 'props_filed', asset_folder: 'kept/inner' });
    await api.update(public_id, { asset_folder: 'moved/here' });
    await api.delete_resources([public_id]);
    expect(((await api.root_folders()) as FolderListing).folders.map((folder) => folder.path)).toEqual(
      expect.arrayContaining(['kept', 'moved', 'test_folder']),
    );
    expect(await api.sub_folders('kept')).toMatchObject({ folders: [{ name: 'inner', path: 'kept/inner' }], total_count: 1 });
    expect(await api.sub_folders('moved/here')).toMatchObject({ folders: [], total_count: 0 });
  });

  it('answers 404 for a folder nothing made, naming its path', async () => {
    const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/folders/test_folder_not_exists`, {
      headers: { authorization: `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}` },
    });
    expect(await jsonReply(response)).toMatchObject({
      status: 404,
      body: { error: { message: "Can't find folder with path test_folder_not_exists" } },
    });
  });
});

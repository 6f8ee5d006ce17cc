import { describe, expect, it } from 'vitest';
import { parseUploadRequest } from '@rendition/protocol';
import { resolveUploadNaming } from '../src/upload-naming.ts';

const request = (params: Record<string, string>) => parseUploadRequest(params, 'image');

describe('resolveUploadNaming', () => {
  it('prefixes the public_id with the asset folder only when use_asset_folder_as_public_id_prefix is true', () => {
    expect(resolveUploadNaming(request({ public_id: 'pic', asset_folder: 'shelf/a' }), undefined)).toMatchObject({
      publicId: 'pic',
      assetFolder: 'shelf/a',
    });
    expect(
      resolveUploadNaming(request({ public_id: 'pic', asset_folder: 'shelf/a', use_asset_folder_as_public_id_prefix: 'true' }), undefined),
    ).toMatchObject({ publicId: 'shelf/a/pic', assetFolder: 'shelf/a', publicIdGenerated: false });
    expect(
      resolveUploadNaming(request({ public_id: 'pic', asset_folder: 'shelf', use_asset_folder_as_public_id_prefix: 'false' }), undefined).publicId,
    ).toBe('pic');
    const generated = resolveUploadNaming(request({ asset_folder: 'shelf', use_asset_folder_as_public_id_prefix: 'true' }), undefined);
    expect(generated.publicId).toMatch(/^shelf\/[a-z0-9]+$/);
    // Without an asset folder, `folder` (which names it) is the prefix it always was.
    expect(resolveUploadNaming(request({ public_id: 'pic', folder: 'old', use_asset_folder_as_public_id_prefix: 'true' }), undefined)).toMatchObject({
      publicId: 'old/pic',
      assetFolder: 'old',
    });
  });

  it("files a caller's public_id path as its asset folder when no folder is named", () => {
    expect(resolveUploadNaming(request({ public_id: 'shop/shoes/item' }), undefined)).toMatchObject({
      publicId: 'shop/shoes/item',
      assetFolder: 'shop/shoes',
    });
    expect(resolveUploadNaming(request({ public_id: 'item' }), undefined).assetFolder).toBe('');
    // An explicit asset_folder or folder wins over the id's path.
    expect(resolveUploadNaming(request({ public_id: 'shop/item', asset_folder: 'elsewhere' }), undefined).assetFolder).toBe('elsewhere');
    expect(resolveUploadNaming(request({ public_id: 'shop/item', folder: 'f' }), undefined)).toMatchObject({
      publicId: 'f/shop/item',
      assetFolder: 'f',
    });
    // A generated id has no path of the caller's to follow.
    expect(resolveUploadNaming(request({ public_id_prefix: 'pre/x' }), undefined).assetFolder).toBe('');
  });
});

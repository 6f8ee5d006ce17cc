import { describe, expect, it } from 'vitest';
import { decodeAdminPath } from '../src/admin-path.ts';

describe('decodeAdminPath', () => {
  it.each<[string, string]>([
    // What the SDK sends for a path given as one string.
    ['/v1_1/demo/resources%2Fsearch', '/v1_1/demo/resources/search'],
    ['/v1_1/demo/folders%2Fsearch', '/v1_1/demo/folders/search'],
    ['/v1_1/demo/streaming_profiles%2Ffull_hd', '/v1_1/demo/streaming_profiles/full_hd'],
    ['/v1_1/demo/streaming_profiles%2ffull_hd', '/v1_1/demo/streaming_profiles/full_hd'],
    ['/v1_1/demo/resources%2Fimage%2Fupload', '/v1_1/demo/resources/image/upload'],
    ['/v1_1/demo/resources%2Fimage%2Fupload%2Fupdate_access_mode', '/v1_1/demo/resources/image/upload/update_access_mode'],
    // A folder path: every slash separates folders, however it was sent.
    ['/v1_1/demo/folders%2Fa%2Fb', '/v1_1/demo/folders/a/b'],
    ['/v1_1/demo/folders/a%2Fb%2Fc', '/v1_1/demo/folders/a/b/c'],
    ['/v1_1/demo/folders/a%2Fb/c%2Fd', '/v1_1/demo/folders/a/b/c/d'],
    ['/v1_1/demo/folders/a%2Fb?max_results=2&next_cursor=x%2Fy', '/v1_1/demo/folders/a/b?max_results=2&next_cursor=x%2Fy'],
    ['/v1_1/demo/folders%2Fa%2F', '/v1_1/demo/folders/a/'],
    // Other escapes are the router's to decode.
    ['/v1_1/demo/folders/a%20b%2Fc%25d', '/v1_1/demo/folders/a%20b/c%25d'],
  ])('decodes the routing words of %s', (url, expected) => {
    expect(decodeAdminPath(url)).toBe(expected);
  });

  it.each<[string, string]>([
    // A public_id's or a tag's slashes are encoded on purpose: the id stays one segment.
    ['/v1_1/demo/resources/image/upload/folder%2Fsub%2Fid', '/v1_1/demo/resources/image/upload/folder%2Fsub%2Fid'],
    ['/v1_1/demo/resources/image/tags/a%2Fb', '/v1_1/demo/resources/image/tags/a%2Fb'],
    ['/v1_1/demo/resources%2Fimage%2Fupload%2Fa%2Fb', '/v1_1/demo/resources/image/upload/a%2Fb'],
    ['/v1_1/demo/resources/related_assets/image/upload/a%2Fb', '/v1_1/demo/resources/related_assets/image/upload/a%2Fb'],
    ['/v1_1/demo/resources%2Frelated_assets%2Fimage%2Fupload%2Fa%2Fb', '/v1_1/demo/resources/related_assets/image/upload/a%2Fb'],
    // Names after the first routing word elsewhere: an external id or a preset name keeps its `%2F`.
    ['/v1_1/demo/metadata_fields/a%2Fb/datasource', '/v1_1/demo/metadata_fields/a%2Fb/datasource'],
    ['/v1_1/demo/upload_presets%2Fa%2Fb', '/v1_1/demo/upload_presets/a%2Fb'],
    ['/v1_1/demo/streaming_profiles%2Fa%2Fb', '/v1_1/demo/streaming_profiles/a/b'],
  ])('keeps the encoded slashes of names in %s', (url, expected) => {
    expect(decodeAdminPath(url)).toBe(expected);
  });

  it.each([
    '/demo/image/upload/folder%2Fid.jpg',
    '/v1_1/demo/resources/image/upload/photo',
    '/v1_1/demo/image/upload',
    '/v1_1/demo%2Fx',
    '/v1_1/',
    '/v1_1',
    '/console/moderation?next=%2Fv1_1%2Fdemo',
    '/v1_1/demo/tags/image?prefix=a%2Fb',
    '/healthz',
  ])('leaves %s as it is', (url) => {
    expect(decodeAdminPath(url)).toBe(url);
  });
});

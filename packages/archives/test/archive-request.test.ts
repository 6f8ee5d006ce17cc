import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMETER_LIMITS, type RawParams } from '@rendition/protocol';
import { parseArchiveRequest, parseArchiveScope, type ArchiveRequestLimits } from '../src/archive-request.ts';

const limits: ArchiveRequestLimits = { tags: DEFAULT_PARAMETER_LIMITS, maxResources: 3, maxSelectors: 2 };
const parse = (params: RawParams, resourceType = 'image') => parseArchiveRequest(params, resourceType, limits);

function refusal(work: () => unknown): { status: number; message: string } {
  try {
    work();
  } catch (error) {
    return error as { status: number; message: string };
  }
  throw new Error('expected a refusal');
}

describe('parseArchiveRequest', () => {
  it('reads the SDK defaults: create, zip, upload, nothing flattened', () => {
    expect(parse({ public_ids: ['a', 'b', 'a'], timestamp: '1', api_key: 'k', signature: 's' })).toEqual({
      mode: 'create',
      targetFormat: 'zip',
      resourceTypes: ['image'],
      type: 'upload',
      publicIds: ['a', 'b'],
      prefixes: [],
      tags: [],
      fullyQualifiedPublicIds: [],
      transformations: undefined,
      naming: { flattenFolders: false, flattenTransformations: false, useOriginalFilename: false, skipTransformationName: false },
      allowMissing: false,
      keepDerived: false,
      async: false,
      notificationUrl: undefined,
      expiresAt: undefined,
      targetPublicId: undefined,
      targetTags: [],
      targetAssetFolder: '',
    });
  });

  it('reads every option as the SDK sends it (1/0 booleans, arrays as name[] lists)', () => {
    const request = parse(
      {
        mode: 'download',
        target_format: 'tgz',
        type: 'private',
        prefixes: ['folder/'],
        tags: 'x,y',
        fully_qualified_public_ids: ['video/upload/dog', 'raw/authenticated/docs/a.pdf'],
        flatten_folders: '1',
        flatten_transformations: '1',
        use_original_filename: 'true',
        skip_transformation_name: '1',
        allow_missing: '1',
        keep_derived: '1',
        async: '1',
        notification_url: 'https://example.com/hook',
        expires_at: '1712345678.734',
        target_public_id: 'out/bundle',
        target_tags: ['t1', 't2'],
        target_asset_folder: '/exports/',
      },
      'all',
    );
    expect(request).toMatchObject({
      mode: 'download',
      targetFormat: 'tgz',
      resourceTypes: ['image', 'video', 'raw'],
      type: 'private',
      prefixes: ['folder/'],
      tags: ['x', 'y'],
      fullyQualifiedPublicIds: [
        { resourceType: 'video', type: 'upload', publicId: 'dog' },
        { resourceType: 'raw', type: 'authenticated', publicId: 'docs/a.pdf' },
      ],
      naming: { flattenFolders: true, flattenTransformations: true, useOriginalFilename: true, skipTransformationName: true },
      allowMissing: true,
      keepDerived: true,
      async: true,
      notificationUrl: 'https://example.com/hook',
      expiresAt: 1712345678,
      targetPublicId: 'out/bundle.tgz',
      targetTags: ['t1', 't2'],
      targetAssetFolder: 'exports',
    });
  });

  it('keeps an eager list whole: a text with | as it is, a transformations[] list joined by |', () => {
    expect(parse({ tags: 't', transformations: 'c_fill,w_100/png|e_grayscale' }).transformations).toBe('c_fill,w_100/png|e_grayscale');
    expect(parse({ tags: 't', transformations: ['c_fill,w_100', 'e_grayscale/jpg'] }).transformations).toBe('c_fill,w_100|e_grayscale/jpg');
    expect(parse({ tags: 't', transformations: '' }).transformations).toBeUndefined();
  });

  it('does not add the extension twice to target_public_id', () => {
    expect(parse({ tags: 't', target_public_id: 'bundle.zip' }).targetPublicId).toBe('bundle.zip');
    expect(parse({ tags: 't', target_public_id: 'bundle.zip', target_format: 'tgz' }).targetPublicId).toBe('bundle.zip.tgz');
  });

  it('accepts image, video, raw, all and auto in the path, and nothing else', () => {
    expect(parseArchiveScope('video')).toEqual(['video']);
    expect(parseArchiveScope('auto')).toEqual(['image', 'video', 'raw']);
    expect(refusal(() => parseArchiveScope('pictures'))).toMatchObject({
      status: 400,
      message: expect.stringMatching(/expected image, video, raw, all or auto/),
    });
  });

  it.each([
    [{}, /one of public_ids, prefixes, tags or fully_qualified_public_ids/],
    [{ tags: 't', mode: 'explode' }, /parameter mode: expected create or download/],
    [{ tags: 't', target_format: 'rar' }, /parameter target_format: expected zip or tgz/],
    [{ tags: 't', type: 'facebook' }, /Invalid type/],
    [{ fully_qualified_public_ids: ['image/sample'] }, /fully_qualified_public_ids: expected <resource_type>\/<type>\/<public_id>/],
    [{ fully_qualified_public_ids: ['pictures/upload/sample'] }, /fully_qualified_public_ids/],
    [{ public_ids: ['a', 'b'], fully_qualified_public_ids: ['image/upload/c', 'raw/upload/d'] }, /Too many public_ids: .* at most 3 .* got 4/],
    [{ prefixes: ['a', 'b', 'c'] }, /Too many prefixes: at most 2/],
    [{ tags: 'a,b,c' }, /Too many tags: at most 2/],
    [{ tags: 't', expires_at: 'tomorrow' }, /parameter expires_at/],
    [{ tags: 't', expires_at: '-5' }, /parameter expires_at/],
    [{ tags: 't', flatten_folders: 'maybe' }, /parameter flatten_folders/],
    [{ tags: 't', target_public_id: 'a//b' }, /Invalid public_id/],
    [{ tags: 't', target_asset_folder: 'v12' }, /target_asset_folder/],
  ] as Array<[RawParams, RegExp]>)('refuses %j with a 400', (params, message) => {
    expect(refusal(() => parse(params))).toMatchObject({ status: 400, message: expect.stringMatching(message) });
  });
});

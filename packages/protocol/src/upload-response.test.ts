import { beforeAll, describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import type { AssetView } from './upload-response.ts';
import { buildAsyncPendingResponse, buildUploadResponse } from './upload-response.ts';

const SECRET = 'response-secret';
const options = {
  apiKey: '123456789012345',
  apiSecret: SECRET,
  publicBaseUrl: 'http://localhost:3000',
  secureBaseUrl: 'https://media.example.com',
  cloudName: 'demo',
};

const image: AssetView = {
  assetId: 'eb8fa7e7cb1c9a54243039f53381f4e3',
  publicId: 'PM/totem/aaaa',
  resourceType: 'image',
  type: 'upload',
  version: 1618505146,
  versionId: '44896e4bad670eedb860bb758b3495b1',
  format: 'png',
  width: 300,
  height: 400,
  pages: null,
  bytes: 1237,
  etag: '41c1dad4827c72051da6bb11a7b98fdf',
  createdAt: new Date('2021-04-15T16:45:46.123Z'),
  tags: [],
  context: {},
  assetFolder: '',
  displayName: 'aaaa',
  originalFilename: 'aaaa',
  accessMode: 'public',
};

/** The SDK's delivery URL of the same asset, with our hosts (cname for http, secure_distribution for https). */
function sdkUrls(asset: AssetView): { url: string; secure_url: string } {
  const common = {
    resource_type: asset.resourceType,
    type: asset.type,
    version: asset.version,
    format: asset.resourceType === 'raw' ? undefined : (asset.format ?? undefined),
    analytics: false,
    sign_url: asset.type === 'authenticated',
  };
  return {
    url: cloudinary.url(asset.publicId, { ...common, secure: false, cname: 'localhost:3000' }),
    secure_url: cloudinary.url(asset.publicId, { ...common, secure: true, secure_distribution: 'media.example.com' }),
  };
}

describe('buildUploadResponse', () => {
  beforeAll(() => {
    cloudinary.config({ cloud_name: 'demo', api_key: options.apiKey, api_secret: SECRET });
  });

  it('emits the image field set in Cloudinary order', () => {
    const response = buildUploadResponse(image, options);
    expect(Object.keys(response)).toEqual([
      'asset_id',
      'public_id',
      'version',
      'version_id',
      'signature',
      'width',
      'height',
      'format',
      'resource_type',
      'created_at',
      'tags',
      'pages',
      'bytes',
      'type',
      'etag',
      'placeholder',
      'url',
      'secure_url',
      'folder',
      'asset_folder',
      'display_name',
      'access_mode',
      'original_filename',
      'api_key',
    ]);
    expect(response).toMatchObject({
      created_at: '2021-04-15T16:45:46Z',
      pages: 1,
      placeholder: false,
      folder: 'PM/totem',
      url: 'http://localhost:3000/demo/image/upload/v1618505146/PM/totem/aaaa.png',
      secure_url: 'https://media.example.com/demo/image/upload/v1618505146/PM/totem/aaaa.png',
      api_key: options.apiKey,
    });
    expect(cloudinary.utils.verify_api_response_signature(image.publicId, image.version, response.signature as string)).toBe(true);
  });

  it('omits dimensions, format and pages for raw; adds context, existing; drops a null original_filename', () => {
    const raw: AssetView = {
      ...image,
      publicId: 'docs/report ü.docx',
      resourceType: 'raw',
      format: null,
      width: null,
      height: null,
      context: { alt: 'a=b' },
      originalFilename: null,
    };
    const response = buildUploadResponse(raw, { ...options, existing: true });
    expect(Object.keys(response)).toEqual([
      'asset_id',
      'public_id',
      'version',
      'version_id',
      'signature',
      'resource_type',
      'created_at',
      'tags',
      'bytes',
      'type',
      'etag',
      'placeholder',
      'url',
      'secure_url',
      'folder',
      'asset_folder',
      'display_name',
      'context',
      'access_mode',
      'api_key',
      'existing',
    ]);
    expect(response.context).toEqual({ custom: { alt: 'a=b' } });
    expect(response.existing).toBe(true);
    expect(response.secure_url).toBe('https://media.example.com/demo/raw/upload/v1618505146/docs/report%20%C3%BC.docx');
  });

  it('says overwritten: true after access_mode when the upload replaced an asset, and nothing otherwise', () => {
    const replaced = buildUploadResponse(image, { ...options, overwritten: true });
    const keys = Object.keys(replaced);
    expect(replaced.overwritten).toBe(true);
    expect(keys.indexOf('overwritten')).toBe(keys.indexOf('access_mode') + 1);
    expect(buildUploadResponse(image, options)).not.toHaveProperty('overwritten');
    expect(buildUploadResponse(image, { ...options, overwritten: false })).not.toHaveProperty('overwritten');
  });

  it('videos have dimensions, format, pages 0 and a playback_url (sp_auto HLS of the same version)', () => {
    const response = buildUploadResponse({ ...image, resourceType: 'video', format: 'mp4' }, options);
    expect(response).toMatchObject({ width: 300, height: 400, format: 'mp4', pages: 0 });
    expect(response.playback_url).toBe(
      String(response.secure_url)
        .replace('/video/upload/', '/video/upload/sp_auto/')
        .replace(/\.mp4$/, '.m3u8'),
    );
    expect(Object.keys(response).indexOf('playback_url')).toBe(Object.keys(response).indexOf('secure_url') + 1);
  });

  it("shows a video's probe in Cloudinary's order, nb_frames last before api_key; an audio file has no width or height", () => {
    const media = {
      audio: { codec: 'aac' },
      video: { codec: 'h264' },
      is_audio: false,
      frame_rate: 25,
      bit_rate: 1000,
      duration: 2.5,
      rotation: 0,
      nb_frames: 62,
    };
    const video = buildUploadResponse({ ...image, resourceType: 'video', format: 'mp4', media }, options);
    const keys = Object.keys(video);
    expect(keys.slice(keys.indexOf('audio'), keys.indexOf('rotation') + 1)).toEqual([
      'audio',
      'video',
      'is_audio',
      'frame_rate',
      'bit_rate',
      'duration',
      'rotation',
    ]);
    expect(keys.slice(-2)).toEqual(['nb_frames', 'api_key']);
    expect(video.nb_frames).toBe(62);
    const audio = buildUploadResponse(
      {
        ...image,
        resourceType: 'video',
        format: 'mp3',
        width: null,
        height: null,
        media: { audio: {}, video: {}, is_audio: true, bit_rate: 1, duration: 1 },
      },
      options,
    );
    expect(audio).not.toHaveProperty('width');
    expect(audio).not.toHaveProperty('height');
    expect(audio).toMatchObject({ is_audio: true, format: 'mp3', pages: 0 });
  });

  it.each([
    ['plain image', image],
    ['multi-page pdf', { ...image, format: 'pdf', pages: 3 }],
    ['unicode and colon in the id', { ...image, publicId: 'földer/a:b c' }],
    ['video', { ...image, resourceType: 'video' as const, format: 'mp4' }],
    ['raw', { ...image, resourceType: 'raw' as const, publicId: 'x/file.txt', format: null }],
    ['authenticated (signed URL)', { ...image, type: 'authenticated' as const }],
    ['authenticated raw', { ...image, type: 'authenticated' as const, resourceType: 'raw' as const, publicId: 'a b.txt' }],
    ['private', { ...image, type: 'private' as const }],
  ])('URLs equal the SDK url() for %s', (_name, asset) => {
    const response = buildUploadResponse(asset, options);
    expect({ url: response.url, secure_url: response.secure_url }).toEqual(sdkUrls(asset));
  });

  it('signs with sha256 when the account does', () => {
    const response = buildUploadResponse(image, { ...options, signatureAlgorithm: 'sha256' });
    expect(response.signature).toBe(cloudinary.utils.api_sign_request({ public_id: image.publicId, version: image.version }, SECRET, 'sha256', 1));
  });
});

describe('buildAsyncPendingResponse', () => {
  it.each([
    [
      { publicId: 'sample', type: 'upload' as const, resourceType: 'image' as const, batchId: 'b1' },
      { status: 'pending', public_id: 'sample', type: 'upload', resource_type: 'image', batch_id: 'b1' },
    ],
    [
      { type: 'private' as const, resourceType: 'auto' as const, batchId: 'b2' },
      { status: 'pending', type: 'private', resource_type: 'auto', batch_id: 'b2' },
    ],
  ])('%j', (fields, expected) => {
    const response = buildAsyncPendingResponse(fields);
    expect(response).toEqual(expected);
    expect(Object.keys(response)).toEqual(Object.keys(expected));
  });
});

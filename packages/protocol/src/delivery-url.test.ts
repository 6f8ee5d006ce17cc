import { beforeAll, describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import { ApiError } from './api-error.ts';
import { buildDeliveryUrl, deliveryStringToSign, parseDeliveryPath, splitDeliveryFormat } from './delivery-url.ts';
import type { DeliveryType, ResourceType } from './resource-types.ts';
import { urlSignature, verifyUrlSignature } from './signature.ts';

const SECRET = 'delivery-secret';

type Case = {
  publicId: string;
  resourceType?: ResourceType;
  type?: DeliveryType;
  version?: number;
  format?: string;
  transformation?: string;
  sign?: boolean;
  forceVersion?: boolean;
};

const CASES: Case[] = [
  { publicId: 'sample', format: 'jpg' },
  { publicId: 'sample', format: 'jpg', version: 1234 },
  { publicId: 'folder/sample', format: 'png' },
  { publicId: 'folder/sub/sample', format: 'png', version: 99 },
  { publicId: 'földer/ñ a:b', format: 'webp', version: 7 },
  { publicId: "it's (1),x", format: 'jpg', version: 7 },
  { publicId: '名前/写真', version: 7 },
  { publicId: 'sample', format: 'jpg', transformation: 'c_fill,h_200,w_300' },
  { publicId: 'sample', format: 'jpg', transformation: 'c_fill,w_100/e_sepia', version: 3 },
  { publicId: 'my_folder/sample', format: 'jpg', transformation: 'c_fill,w_100', version: 3 },
  { publicId: 'folder/sample', format: 'jpg', transformation: 'c_fill,w_100', forceVersion: false },
  { publicId: 'sample', format: 'jpg', transformation: '$w_100,c_scale,w_$w', version: 3 },
  { publicId: 'sample', format: 'jpg', sign: true, type: 'authenticated', version: 5 },
  { publicId: 'folder/ü sample', format: 'jpg', transformation: 'c_crop,h_20,w_10', sign: true, type: 'authenticated' },
  { publicId: 'sample', format: 'jpg', type: 'private', version: 5 },
  { publicId: 'docs/report.pdf', resourceType: 'raw', version: 11 },
  { publicId: 'a b.txt', resourceType: 'raw', sign: true, type: 'authenticated', version: 11 },
  { publicId: 'clips/dog', resourceType: 'video', format: 'mp4', transformation: 'so_2,du_3', version: 12 },
];

function sdkOptions(c: Case): Record<string, unknown> {
  return {
    resource_type: c.resourceType ?? 'image',
    type: c.type ?? 'upload',
    version: c.version,
    format: c.format,
    raw_transformation: c.transformation,
    sign_url: c.sign === true,
    force_version: c.forceVersion ?? true,
    analytics: false,
  };
}

function expectedVersion(c: Case): number | undefined {
  if (c.version !== undefined) return c.version;
  return c.publicId.includes('/') && c.forceVersion !== false ? 1 : undefined;
}

const withoutOrigin = (url: string): string => url.replace(/^https?:\/\/[^/]+/, '');

describe('against the SDK url()', () => {
  beforeAll(() => {
    cloudinary.config({ cloud_name: 'demo', api_key: 'k', api_secret: SECRET });
  });

  it.each(CASES)('builds and parses %j', (c) => {
    const version = expectedVersion(c);
    const signature = c.sign ? urlSignature(deliveryStringToSign({ resourceType: c.resourceType ?? 'image', ...c }), SECRET) : undefined;
    const parts = {
      cloudName: 'demo',
      resourceType: c.resourceType ?? 'image',
      type: c.type ?? 'upload',
      version,
      publicId: c.publicId,
      format: c.format,
      transformation: c.transformation,
      signature,
    };

    const viaSecureDistribution = cloudinary.url(c.publicId, { ...sdkOptions(c), secure: true, secure_distribution: 'media.example.com' });
    expect(buildDeliveryUrl({ ...parts, baseUrl: 'https://media.example.com' })).toBe(viaSecureDistribution);
    const viaCname = cloudinary.url(c.publicId, { ...sdkOptions(c), secure: false, cname: 'localhost:3000' });
    expect(buildDeliveryUrl({ ...parts, baseUrl: 'http://localhost:3000/' })).toBe(viaCname);
    const viaPrivateCdn = cloudinary.url(c.publicId, { ...sdkOptions(c), secure: true, private_cdn: true, secure_distribution: 'cdn.example.com' });
    expect(buildDeliveryUrl({ ...parts, cloudName: '', baseUrl: 'https://cdn.example.com' })).toBe(viaPrivateCdn);

    const expectedParse = {
      cloudName: 'demo',
      resourceType: c.resourceType ?? 'image',
      type: c.type ?? 'upload',
      publicIdWithExt: c.format !== undefined && c.resourceType !== 'raw' ? `${c.publicId}.${c.format}` : c.publicId,
      ...(c.transformation === undefined ? {} : { transformation: c.transformation }),
      ...(version === undefined ? {} : { version }),
      ...(signature === undefined ? {} : { signature }),
    };
    for (const parsed of [
      parseDeliveryPath(withoutOrigin(viaSecureDistribution)),
      parseDeliveryPath(`${withoutOrigin(viaCname)}?_a=BAMAABDk0`),
      parseDeliveryPath(withoutOrigin(viaPrivateCdn), { cloudName: 'demo' }),
    ]) {
      expect(parsed).toMatchObject(expectedParse);
      const readings = version === undefined && c.transformation !== undefined ? ['signedPayload', 'folderReading'] : ['signedPayload'];
      expect(Object.keys(parsed).sort()).toEqual([...Object.keys(expectedParse), ...readings].sort());
      if (signature !== undefined) expect(verifyUrlSignature(parsed.signedPayload, parsed.signature ?? '', SECRET)).toBe(true);
    }
  });

  it('reads a component as a step only when its parameters have known keys, and keeps the folder reading of a versionless path', () => {
    expect(parseDeliveryPath('/demo/image/upload/my_photos/x/pic.webp')).toMatchObject({ publicIdWithExt: 'my_photos/x/pic.webp' });
    expect(parseDeliveryPath('/demo/image/upload/my_photos/x/pic.webp').transformation).toBeUndefined();
    const step = parseDeliveryPath('/demo/image/upload/c_fill/x.jpg');
    expect(step).toMatchObject({ transformation: 'c_fill', publicIdWithExt: 'x.jpg', signedPayload: 'c_fill/x.jpg' });
    expect(step.folderReading).toEqual({
      cloudName: 'demo',
      resourceType: 'image',
      type: 'upload',
      publicIdWithExt: 'c_fill/x.jpg',
      signedPayload: 'c_fill/x.jpg',
    });
    expect(parseDeliveryPath('/demo/image/upload/w_100_x/y.png').folderReading?.publicIdWithExt).toBe('w_100_x/y.png');
    expect(parseDeliveryPath('/demo/image/upload/$w_100/y.png').transformation).toBe('$w_100');
    expect(parseDeliveryPath('/demo/image/upload/v1/c_fill/x.jpg').folderReading).toBeUndefined();
    expect(parseDeliveryPath('/demo/image/upload/_x/y.png').publicIdWithExt).toBe('_x/y.png');
  });

  it('the SDK analytics query and a fragment are ignored', () => {
    const url = cloudinary.url('sample', { format: 'jpg', secure: true, secure_distribution: 'media.example.com' });
    expect(url).toContain('?_a=');
    expect(parseDeliveryPath(withoutOrigin(url)).publicIdWithExt).toBe('sample.jpg');
    expect(parseDeliveryPath('/demo/image/upload/sample.jpg#x').publicIdWithExt).toBe('sample.jpg');
  });
});

describe('parseDeliveryPath', () => {
  it.each([
    ['/demo/image/upload/sample.jpg', { publicIdWithExt: 'sample.jpg' }],
    ['demo/image/upload/v1/a/b.jpg', { version: 1, publicIdWithExt: 'a/b.jpg' }],
    [
      '/demo/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg',
      { signature: 'Ai4Znfl3', transformation: 'c_crop,h_20,w_10', signedPayload: 'c_crop,h_20,w_10/image.jpg' },
    ],
    ['/demo/image/upload/s----SjmNDA--/v1234/image.jpg', { signature: '--SjmNDA', version: 1234, signedPayload: 'image.jpg' }],
    // A lone s--…-- is a public_id, not a signature.
    ['/demo/image/upload/s--Ai4Znfl3--', { publicIdWithExt: 's--Ai4Znfl3--' }],
    // Without a version, a folder that does not look like a transformation is part of the id.
    ['/demo/image/upload/w_100/photos/cat.jpg', { transformation: 'w_100', publicIdWithExt: 'photos/cat.jpg' }],
    // The last component is never a transformation.
    ['/demo/image/upload/c_fill', { publicIdWithExt: 'c_fill' }],
    ['/demo/image/upload/w_100,,,h_100', { publicIdWithExt: 'w_100,,,h_100' }],
    // A folder that does not start like a step, even with commas and underscores further on.
    ['/demo/image/upload/2024_trip,paris/x.png', { publicIdWithExt: '2024_trip,paris/x.png' }],
    // Encoded commas are read as the transformation package reads them.
    ['/demo/image/upload/c_fill%2Cw_100/x.png', { transformation: 'c_fill%2Cw_100', publicIdWithExt: 'x.png' }],
    [
      '/demo/image/upload/l_text:Arial_12:Hello%20World/v3/x.png',
      { transformation: 'l_text:Arial_12:Hello%20World', version: 3, publicIdWithExt: 'x.png' },
    ],
    ['/demo/raw/upload/v2/notes%20%C3%BC.txt', { resourceType: 'raw', publicIdWithExt: 'notes ü.txt' }],
  ])('%s', (path, expected) => {
    expect(parseDeliveryPath(path)).toMatchObject(expected);
  });

  it.each([
    ['/demo/image/upload/../secret.jpg', 400],
    ['/demo/image/upload/v1/a/%2e%2e/b.jpg', 400],
    ['/demo/image/upload/v1/a/./b.jpg', 400],
    ['/demo/image/upload/v1/a%2F%2Fb.jpg', 400],
    ['/demo/image/upload/v1/a%2F..%2Fb.jpg', 400],
    ['/demo/image/upload/a%ZZ.jpg', 400],
    ['/demo/image/upload/a%00.jpg', 400],
    // Empty components: the SDK never writes one, and each would be another URL of the same asset.
    ['/demo/image/upload//////x.png', 400],
    ['/demo/image/upload//x.png', 400],
    ['demo/image/upload//v1//a/b.jpg', 400],
    ['/demo/image/upload/w_100//x.png', 400],
    ['/demo/image/upload/x.png/', 400],
    ['/demo//image/upload/x.png', 400],
    // A step that starts like a transformation but is malformed: 400, not a folder of the public_id.
    ['/demo/image/upload/w_100,,,h_100/x.png', 400],
    ['/demo/image/upload/w_100,/x.png', 400],
    ['/demo/image/upload/w_100,h_/x.png', 400],
    ['/demo/image/upload/w_100%2C%2Ch_100/x.png', 400],
    ['/demo/image/upload/w_100,,h_100/v1/x.png', 400],
    ['/demo/image/upload', 404],
    ['/demo/image/upload/', 404],
    ['/demo/image', 404],
    ['/', 404],
    ['/demo/images/upload/sample.jpg', 404],
    ['/demo/image/fetch/y.jpg', 400],
  ])('refuses %s with %d', (path, status) => {
    let caught: unknown;
    try {
      parseDeliveryPath(path);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(status);
  });
});

describe('parseDeliveryPath messages', () => {
  const messageOf = (path: string): string => {
    try {
      parseDeliveryPath(path);
    } catch (error) {
      return (error as ApiError).message;
    }
    throw new Error(`${path} parsed`);
  };

  it('names the malformed step, as the transformation parser does', () => {
    expect(messageOf('/demo/image/upload/w_100,,,h_100/x.png')).toBe('Invalid transformation component - w_100,,,h_100');
    expect(messageOf('/demo/image/upload/w_100%2C%2Ch_100/x.png')).toBe('Invalid transformation component - w_100,,h_100');
  });

  it('names the path with empty components', () => {
    expect(messageOf('/demo/image/upload//////x.png')).toBe(
      "Invalid URL path /demo/image/upload//////x.png: '.', '..' and empty path elements are not allowed",
    );
  });
});

describe('splitDeliveryFormat', () => {
  it.each([
    ['sample.jpg', 'image', { publicId: 'sample', format: 'jpg' }],
    ['folder/sample.JPG', 'image', { publicId: 'folder/sample', format: 'jpg' }],
    ['sample', 'image', { publicId: 'sample' }],
    ['folder.v2/sample', 'image', { publicId: 'folder.v2/sample' }],
    ['.hidden', 'image', { publicId: '.hidden' }],
    ['sample.jpg.webp', 'image', { publicId: 'sample.jpg', format: 'webp' }],
    ['clip.mp4', 'video', { publicId: 'clip', format: 'mp4' }],
    ['report.pdf', 'raw', { publicId: 'report.pdf' }],
  ] as const)('%s (%s)', (name, resourceType, expected) => {
    expect(splitDeliveryFormat(name, resourceType)).toEqual(expected);
  });
});

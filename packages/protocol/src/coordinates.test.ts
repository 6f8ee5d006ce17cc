import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';
import { ApiError } from './api-error.ts';
import { clampRegions, coordinatesField, readCoordinates } from './coordinates.ts';
import { fromJsonBody, type RawParams } from './request-params.ts';
import { DEFAULT_PARAMETER_LIMITS, parseUploadRequest } from './upload-request.ts';

const cloudinary = loadCloudinarySdk();

/** The parameters the SDK sends for these options (its own encoding of `[[x,y,w,h], …]`). */
function sdkWire(options: Record<string, unknown>): RawParams {
  const wire: RawParams = {};
  for (const [key, value] of Object.entries(cloudinary.utils.build_upload_params(options))) {
    if (value === null || value === undefined) continue;
    wire[key] = String(value);
  }
  return wire;
}

function refusal(run: () => unknown): { status: number; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('readCoordinates', () => {
  it("reads the SDK's encoding of the uploader spec's regions", () => {
    const wire = sdkWire({
      face_coordinates: [
        [120, 30, 109, 150],
        [121, 31, 110, 151],
      ],
      custom_coordinates: [1, 2, 3, 4],
    });
    expect(wire.face_coordinates).toBe('120,30,109,150|121,31,110,151');
    expect(wire.custom_coordinates).toBe('1,2,3,4');
    expect(readCoordinates(wire, 'face_coordinates')).toEqual([
      [120, 30, 109, 150],
      [121, 31, 110, 151],
    ]);
    expect(readCoordinates(wire, 'custom_coordinates')).toEqual([[1, 2, 3, 4]]);
  });

  it('tells absent (undefined) from sent empty ([]: clears), as the SDK sends an empty list', () => {
    expect(readCoordinates({}, 'face_coordinates')).toBeUndefined();
    expect(sdkWire({ face_coordinates: [] }).face_coordinates).toBe('');
    expect(readCoordinates({ face_coordinates: '' }, 'face_coordinates')).toEqual([]);
    expect(readCoordinates({ face_coordinates: '  ' }, 'face_coordinates')).toEqual([]);
  });

  it('reads the forms a JSON body gives: nested arrays as JSON text, a flat list of numbers as one region', () => {
    expect(
      readCoordinates(
        fromJsonBody({
          face_coordinates: [
            [1, 2, 3, 4],
            [5, 6, 7, 8],
          ],
        }),
        'face_coordinates',
      ),
    ).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(readCoordinates(fromJsonBody({ custom_coordinates: [1, 2, 3, 4] }), 'custom_coordinates')).toEqual([[1, 2, 3, 4]]);
    expect(readCoordinates(fromJsonBody({ custom_coordinates: [] }), 'custom_coordinates')).toEqual([]);
    expect(readCoordinates({ face_coordinates: ' 1, 2 ,3,4 ' }, 'face_coordinates')).toEqual([[1, 2, 3, 4]]);
  });

  it.each([
    ['1,2,3', "Invalid face_coordinates '1,2,3': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['1,2,3,4,5', "Invalid face_coordinates '1,2,3,4,5': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['1,2,3,4|', "Invalid face_coordinates '': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['-1,2,3,4', "Invalid face_coordinates '-1,2,3,4': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['1.5,2,3,4', "Invalid face_coordinates '1.5,2,3,4': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['a,b,c,d', "Invalid face_coordinates 'a,b,c,d': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['1,2,3,1e3', "Invalid face_coordinates '1,2,3,1e3': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['1,2,1234567890,4', "Invalid face_coordinates '1,2,1234567890,4': expected x,y,width,height as non-negative integers, regions separated by |"],
    ['1,2,0,4', "Invalid face_coordinates '1,2,0,4': a region's width and height must be at least 1"],
    ['[["a",1,2,3]]', "Invalid face_coordinates '?,1,2,3': expected x,y,width,height as non-negative integers, regions separated by |"],
  ])('refuses %j with a 400 naming the parameter', (value, message) => {
    expect(refusal(() => readCoordinates({ face_coordinates: value }, 'face_coordinates'))).toEqual({ status: 400, message });
  });

  it('refuses more regions than the limit', () => {
    const three = '1,1,1,1|2,2,2,2|3,3,3,3';
    expect(readCoordinates({ custom_coordinates: three }, 'custom_coordinates', 3)).toHaveLength(3);
    expect(refusal(() => readCoordinates({ custom_coordinates: three }, 'custom_coordinates', 2))).toEqual({
      status: 400,
      message: 'Invalid custom_coordinates: too many regions (3; at most 2)',
    });
  });
});

describe('clampRegions', () => {
  it("gives the uploader spec's expected faces for its 241x51 logo", () => {
    expect(
      clampRegions(
        [
          [120, 30, 109, 150],
          [121, 31, 110, 151],
        ],
        241,
        51,
      ),
    ).toEqual([
      [120, 30, 109, 51],
      [121, 31, 110, 51],
    ]);
  });

  it('bounds the width by the image width the same way, and keeps x, y and fitting sizes as sent', () => {
    expect(clampRegions([[200, 10, 300, 20]], 241, 51)).toEqual([[200, 10, 241, 20]]);
    expect(clampRegions([[0, 0, 241, 51]], 241, 51)).toEqual([[0, 0, 241, 51]]);
    expect(clampRegions([[500, 90, 10, 10]], 241, 51)).toEqual([[500, 90, 10, 10]]);
  });

  it('leaves the regions as sent when the dimensions are unknown', () => {
    expect(clampRegions([[1, 2, 3000, 4000]], null, null)).toEqual([[1, 2, 3000, 4000]]);
  });
});

describe('coordinatesField', () => {
  it('answers each kind only when the asset has regions of it', () => {
    expect(coordinatesField([[122, 32, 111, 152]], [[1, 2, 3, 4]])).toEqual({ faces: [[122, 32, 111, 152]], custom: [[1, 2, 3, 4]] });
    expect(coordinatesField(null, [[1, 2, 3, 4]])).toEqual({ custom: [[1, 2, 3, 4]] });
    expect(coordinatesField([], undefined)).toEqual({});
  });
});

describe('parseUploadRequest', () => {
  it('reads faces and both kinds of regions, leaving out empty ones', () => {
    const request = parseUploadRequest(sdkWire({ faces: true, face_coordinates: [[1, 2, 3, 4]], custom_coordinates: [] }), 'image');
    expect(request).toMatchObject({ faces: true, faceCoordinates: [[1, 2, 3, 4]] });
    expect(request).not.toHaveProperty('customCoordinates');
    expect(parseUploadRequest({}, 'image')).not.toHaveProperty('faces');
  });

  it('bounds the regions by the configured limit', () => {
    const params = { face_coordinates: '1,1,1,1|2,2,2,2' };
    const limits = { ...DEFAULT_PARAMETER_LIMITS, coordinatesMaxRegions: 1 };
    expect(refusal(() => parseUploadRequest(params, 'image', limits)).message).toBe('Invalid face_coordinates: too many regions (2; at most 1)');
  });
});

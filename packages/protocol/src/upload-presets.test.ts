import { describe, expect, it } from 'vitest';
import {
  isBlankParam,
  PRESET_NAME_PATTERN,
  UNSIGNED_ALLOWED,
  UNSIGNED_ALLOWED_PARAMS,
  UNSIGNED_IGNORED,
  UNSIGNED_PRESET_NOT_WHITELISTED,
  UNSIGNED_PRESET_REQUIRED,
  UPLOAD_PRESET_NOT_FOUND,
  unsignedParameterNotAllowed,
} from './upload-presets.ts';

// Cloudinary's unsigned allow-list as its message spells it (reference §1.1), written out here rather than
// built from UNSIGNED_ALLOWED_PARAMS so that a change to the list shows.
const ALLOWED_TEXT =
  'upload_preset,callback,public_id,folder,asset_folder,tags,context,metadata,face_coordinates,custom_coordinates,source,filename_override,manifest_transformation,manifest_json,template,template_vars,regions,public_id_prefix';

describe('PRESET_NAME_PATTERN', () => {
  it.each(['a', 'Z', '0', '_', '-', 'my_preset-2', 'ABCxyz019_-', 'a'.repeat(255)])('accepts %j', (name) => {
    expect(PRESET_NAME_PATTERN.test(name)).toBe(true);
  });

  it.each([
    '',
    'a'.repeat(256),
    'my preset',
    'my.preset',
    'folder/preset',
    // A bad character at either end: the pattern is anchored at both.
    '!preset',
    'preset!',
    ' preset',
    'preset ',
    'preset\n',
    'présets',
  ])('refuses %j', (name) => {
    expect(PRESET_NAME_PATTERN.test(name)).toBe(false);
  });
});

describe('the unsigned allow-list', () => {
  it("lists the 18 parameters in the order of Cloudinary's message", () => {
    expect([...UNSIGNED_ALLOWED_PARAMS]).toEqual([
      'upload_preset',
      'callback',
      'public_id',
      'folder',
      'asset_folder',
      'tags',
      'context',
      'metadata',
      'face_coordinates',
      'custom_coordinates',
      'source',
      'filename_override',
      'manifest_transformation',
      'manifest_json',
      'template',
      'template_vars',
      'regions',
      'public_id_prefix',
    ]);
    expect([...UNSIGNED_ALLOWED]).toEqual([...UNSIGNED_ALLOWED_PARAMS]);
  });

  it.each(['transformation', 'eager', 'overwrite', 'use_filename', 'type', 'resource_type', 'file', 'timestamp', 'api_key', 'signature', 'Tags'])(
    'does not allow %j',
    (name) => {
      expect(UNSIGNED_ALLOWED.has(name)).toBe(false);
    },
  );

  it('ignores only the file and a stray timestamp', () => {
    expect([...UNSIGNED_IGNORED]).toEqual(['file', 'timestamp']);
  });
});

describe('unsigned upload messages', () => {
  it.each([
    [UNSIGNED_PRESET_REQUIRED, 'Upload preset must be specified when using unsigned upload'],
    [UNSIGNED_PRESET_NOT_WHITELISTED, 'Upload preset must be whitelisted for unsigned uploads'],
    [UPLOAD_PRESET_NOT_FOUND, 'Upload preset not found'],
  ])('%s', (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it.each([
    ['transformation', 'Transformation'],
    ['eager', 'Eager'],
    // Only the first letter changes: underscores stay, the rest keeps its case.
    ['use_filename', 'Use_filename'],
    ['raw_convert', 'Raw_convert'],
    ['Overwrite', 'Overwrite'],
    ['aBC', 'ABC'],
    ['x', 'X'],
    ['_private', '_private'],
    ['', ''],
  ])('names %j as %j and lists the allowed parameters', (name, label) => {
    expect(unsignedParameterNotAllowed(name)).toBe(
      `${label} parameter is not allowed when using unsigned upload. Only ${ALLOWED_TEXT} upload parameters are allowed.`,
    );
  });

  it('spells the whole message of a refused transformation', () => {
    expect(unsignedParameterNotAllowed('transformation')).toBe(
      'Transformation parameter is not allowed when using unsigned upload. Only upload_preset,callback,public_id,folder,asset_folder,tags,' +
        'context,metadata,face_coordinates,custom_coordinates,source,filename_override,manifest_transformation,manifest_json,template,' +
        'template_vars,regions,public_id_prefix upload parameters are allowed.',
    );
  });
});

describe('isBlankParam', () => {
  it.each<[string | string[], boolean]>([
    ['', true],
    [[], true],
    ['x', false],
    ['0', false],
    ['false', false],
    [' ', false],
    [['a'], false],
    [[''], false],
    [['a', 'b'], false],
  ])('isBlankParam(%j) → %s', (value, expected) => {
    expect(isBlankParam(value)).toBe(expected);
  });
});

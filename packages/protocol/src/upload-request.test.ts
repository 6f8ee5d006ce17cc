import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import { ApiError } from './api-error.ts';
import type { RawParams } from './request-params.ts';
import { checkUploadRequestLimits, DEFAULT_PARAMETER_LIMITS, parseUploadRequest, type ParameterLimits } from './upload-request.ts';

/** What the SDK would put on the wire for these options (booleans 1/0, lists joined). */
function sdkWire(options: Record<string, unknown>): RawParams {
  const wire: RawParams = {};
  for (const [key, value] of Object.entries(cloudinary.utils.build_upload_params(options))) {
    if (value === null || value === undefined || value === '') continue;
    wire[key] = String(value);
  }
  return wire;
}

describe('parseUploadRequest', () => {
  it('applies Cloudinary defaults', () => {
    expect(parseUploadRequest({ timestamp: '1' }, 'image')).toEqual({
      resourceType: 'image',
      type: 'upload',
      useFilename: false,
      uniqueFilename: true,
      useFilenameAsDisplayName: false,
      useAssetFolderAsPublicIdPrefix: false,
      uniqueDisplayName: false,
      discardOriginalFilename: false,
      overwrite: true,
      invalidate: false,
      backup: false,
      tags: [],
      context: {},
      metadata: {},
      allowedFormats: [],
      async: false,
      eagerAsync: false,
      returnDeleteToken: false,
      analysis: { colors: false, phash: false, qualityAnalysis: false, accessibilityAnalysis: false, mediaMetadata: false, cinemagraphAnalysis: false },
    });
  });

  it('reads the analyses (image_metadata as the old name of media_metadata), eval and on_success', () => {
    const request = parseUploadRequest(
      {
        colors: 'true',
        phash: '1',
        quality_analysis: 'true',
        accessibility_analysis: 'false',
        image_metadata: 'true',
        eval: 'upload_options.tags = "x"',
        on_success: ' ',
      },
      'image',
    );
    expect(request.analysis).toEqual({
      colors: true,
      phash: true,
      qualityAnalysis: true,
      accessibilityAnalysis: false,
      mediaMetadata: true,
      cinemagraphAnalysis: false,
    });
    expect(request.evalScript).toBe('upload_options.tags = "x"');
    expect(request).not.toHaveProperty('onSuccess');
    expect(parseUploadRequest({ media_metadata: 'true' }, 'image').analysis.mediaMetadata).toBe(true);
    expect(() => parseUploadRequest({ eval: 'x'.repeat(4096) }, 'image')).toThrow('Eval is too long: at most 4095 characters, got 4096');
    expect(() => parseUploadRequest({ on_success: 'x'.repeat(4096) }, 'image')).toThrow('On success is too long');
    expect(parseUploadRequest({ eval: 'x'.repeat(4095) }, 'image').evalScript).toHaveLength(4095);
  });

  it('types what the SDK sends', () => {
    const request = parseUploadRequest(
      sdkWire({
        public_id: 'folder/sample',
        folder: '/uploads/',
        public_id_prefix: 'pre',
        asset_folder: 'Marketing/2024',
        display_name: 'My sample',
        use_filename: true,
        unique_filename: false,
        filename_override: 'overridden',
        use_filename_as_display_name: true,
        discard_original_filename: true,
        overwrite: false,
        invalidate: true,
        backup: true,
        type: 'authenticated',
        access_mode: 'authenticated',
        tags: ['a', 'b', 'a'],
        context: { alt: 'x=y|z', caption: 'c' },
        metadata: { color: ['red', 'blue'], size: 3 },
        format: 'PNG',
        allowed_formats: ['jpg', 'PNG'],
        async: true,
        notification_url: 'https://hooks.example.com/n?a=1&b=2',
        eager: [
          { width: 100, crop: 'fill' },
          { width: 50, format: 'png' },
        ],
        eager_async: true,
        eager_notification_url: 'http://hooks.example.com/eager',
        transformation: { width: 1000, crop: 'limit' },
        return_delete_token: true,
        moderation: 'manual',
        raw_convert: 'extract_text',
        upload_preset: 'preset1',
        some_future_param: 'ignored',
      }),
      'auto',
    );
    expect(request).toMatchObject({
      resourceType: 'auto',
      type: 'authenticated',
      publicId: 'folder/sample',
      folder: 'uploads',
      publicIdPrefix: 'pre',
      assetFolder: 'Marketing/2024',
      displayName: 'My sample',
      useFilename: true,
      uniqueFilename: false,
      filenameOverride: 'overridden',
      useFilenameAsDisplayName: true,
      discardOriginalFilename: true,
      overwrite: false,
      invalidate: true,
      backup: true,
      accessMode: 'authenticated',
      tags: ['a', 'b'],
      context: { alt: 'x=y|z', caption: 'c' },
      metadata: { color: '["red","blue"]', size: '3' },
      format: 'png',
      allowedFormats: ['jpg', 'png'],
      async: true,
      notificationUrl: 'https://hooks.example.com/n?a=1&b=2',
      eager: 'c_fill,w_100|w_50/png',
      eagerAsync: true,
      eagerNotificationUrl: 'http://hooks.example.com/eager',
      transformation: 'c_limit,w_1000',
      returnDeleteToken: true,
      moderation: 'manual',
      rawConvert: 'extract_text',
      uploadPreset: 'preset1',
    });
  });

  it('accepts true/false booleans and tags[] lists', () => {
    const request = parseUploadRequest({ overwrite: 'false', use_filename: 'TRUE', tags: ['x', 'y'] }, 'raw');
    expect(request).toMatchObject({ overwrite: false, useFilename: true, tags: ['x', 'y'], resourceType: 'raw' });
  });

  it('treats empty values as absent', () => {
    const request = parseUploadRequest({ public_id: '', folder: '', overwrite: '', format: '' }, 'image');
    expect(request.publicId).toBeUndefined();
    expect(request.folder).toBeUndefined();
    expect(request.overwrite).toBe(true);
    expect(request.format).toBeUndefined();
  });

  it.each([
    [{ public_id: 'a//b' }, 'Invalid public_id'],
    [{ public_id: 'a?b' }, 'Invalid public_id'],
    [{ folder: 'a/../b' }, 'Invalid folder'],
    [{ public_id_prefix: 'v12' }, 'Invalid public_id_prefix'],
    [{ type: 'fetch' }, 'Invalid type fetch'],
    [{ access_mode: 'open' }, 'Invalid access_mode'],
    [{ overwrite: 'yes' }, 'for parameter overwrite'],
    [{ format: 'j' }, 'for parameter format'],
    [{ format: 'docx' }, 'for parameter format'],
    [{ format: 'jpg;rm' }, 'for parameter format'],
    [{ allowed_formats: 'jpg,p n g' }, 'for parameter allowed_formats'],
    [{ notification_url: 'not a url' }, 'for parameter notification_url'],
    [{ notification_url: 'file:///etc/passwd' }, 'for parameter notification_url'],
    [{ eager_notification_url: 'javascript:alert(1)' }, 'for parameter eager_notification_url'],
    [{ tags: 'x'.repeat(256) }, 'Invalid tag'],
  ] as Array<[RawParams, string]>)('refuses %j', (params, message) => {
    let caught: unknown;
    try {
      parseUploadRequest(params, 'image', DEFAULT_PARAMETER_LIMITS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(400);
    expect((caught as ApiError).message).toContain(message);
  });
});

/** The 400 a call throws, so a test can assert its message. */
function refusal(call: () => unknown): ApiError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    return error as ApiError;
  }
  throw new Error('expected a 400');
}

describe('parameter limits (hardening item 6)', () => {
  const limits: ParameterLimits = DEFAULT_PARAMETER_LIMITS;
  const manyKeys = Array.from({ length: 20_000 }, (_, i) => `k${i}=v`).join('|');

  it.each([
    ['a 5 MB context value', { context: `alt=${'x'.repeat(5 * 1024 * 1024)}` }, "Invalid context value for key 'alt': longer than 1024 characters"],
    ['20,000 context keys', { context: manyKeys }, 'Context too large'],
    ['a context key of 129 characters', { context: `${'k'.repeat(129)}=v` }, 'Invalid context key'],
    [
      'a JSON context over 8 KB',
      { context: JSON.stringify(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]))) },
      'at most 8192',
    ],
    ['a tag of 256 characters', { tags: 't'.repeat(256) }, 'longer than 255 characters'],
    ['1001 tags', { tags: Array.from({ length: 1001 }, (_, i) => `t${i}`) }, 'Too many tags: at most 1000 are allowed, got 1001'],
  ] as Array<[string, RawParams, string]>)('refuses %s with a 400 naming the limit', (_name, params, message) => {
    expect(refusal(() => parseUploadRequest(params, 'image', limits)).message).toContain(message);
  });

  it('without limits, parses as before (Cloudinary tag limits, context by shape); checkUploadRequestLimits then applies them', () => {
    // What the upload route does: intake's acceptUpload checks the typed request against the configuration.
    const request = parseUploadRequest({ context: `alt=${'x'.repeat(5000)}`, tags: 'a,b,c' }, 'image');
    expect(request.context.alt).toHaveLength(5000);
    expect(refusal(() => checkUploadRequestLimits(request, limits)).message).toBe("Invalid context value for key 'alt': longer than 1024 characters");
    expect(refusal(() => checkUploadRequestLimits(request, { ...limits, contextMaxValueLength: 5000, tagsMaxPerAsset: 2 })).message).toBe(
      'Too many tags: at most 2 are allowed, got 3',
    );
    expect(refusal(() => parseUploadRequest({ tags: 't'.repeat(256) }, 'image')).message).toContain('longer than 255 characters');
  });

  it('accepts what is exactly at the limits', () => {
    const context = { k: 'v'.repeat(1024), ['é'.repeat(128)]: 'x' };
    const request = parseUploadRequest({ context: JSON.stringify(context), tags: 'ü'.repeat(255) }, 'image', limits);
    expect(request.context).toEqual(context);
    expect(request.tags).toEqual(['ü'.repeat(255)]);
  });

  it('counts characters, not UTF-16 units: 1024 emoji are a valid value', () => {
    expect(parseUploadRequest({ context: `k=${'😀'.repeat(1024)}` }, 'image', limits).context.k).toHaveLength(2048);
    expect(refusal(() => parseUploadRequest({ context: `k=${'😀'.repeat(1025)}` }, 'image', limits)).message).toContain('1024');
  });

  it('applies configured limits, higher or lower than the defaults', () => {
    const tight = { ...limits, contextMaxValueLength: 4, tagMaxLength: 3, tagsMaxPerAsset: 2 };
    expect(refusal(() => parseUploadRequest({ context: 'a=12345' }, 'image', tight)).message).toContain('longer than 4 characters');
    expect(refusal(() => parseUploadRequest({ tags: 'abcd' }, 'image', tight)).message).toContain('longer than 3 characters');
    expect(refusal(() => parseUploadRequest({ tags: 'a,b,c' }, 'image', tight)).message).toContain('at most 2');
    const loose = { ...limits, contextMaxValueLength: 5000, contextMaxBytes: 10_000, tagMaxLength: 300 };
    expect(parseUploadRequest({ context: `a=${'x'.repeat(5000)}`, tags: 't'.repeat(300) }, 'image', loose).tags).toHaveLength(1);
  });
});

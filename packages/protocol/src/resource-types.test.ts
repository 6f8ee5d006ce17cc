import { describe, expect, it } from 'vitest';
import {
  isDeliveryType,
  isGeneratedDeliveryType,
  isResourceType,
  isUploadResourceType,
  parseAccessMode,
  parseDeliveryType,
  parseResourceType,
  parseUploadDeliveryType,
  parseUploadResourceType,
} from './resource-types.ts';

describe('resource and delivery types', () => {
  it.each([
    ['image', true, true],
    ['video', true, true],
    ['raw', true, true],
    ['auto', false, true],
    ['Image', false, false],
    ['images', false, false],
    ['__proto__', false, false],
  ])('%s: resource %s, upload %s', (value, resource, upload) => {
    expect(isResourceType(value)).toBe(resource);
    expect(isUploadResourceType(value)).toBe(upload);
    if (resource) expect(parseResourceType(value)).toBe(value);
    else expect(() => parseResourceType(value)).toThrow(`Invalid resource type ${value}`);
    if (upload) expect(parseUploadResourceType(value)).toBe(value);
    else expect(() => parseUploadResourceType(value)).toThrow('Invalid resource type');
  });

  it.each([
    ['upload', true, false],
    ['private', true, false],
    ['authenticated', true, false],
    ['multi', true, true],
    ['sprite', true, true],
    ['text', true, true],
    ['facebook', false, false],
    ['', false, false],
  ])('delivery type %j → %s (generated: %s)', (value, ok, generated) => {
    expect(isDeliveryType(value)).toBe(ok);
    expect(isGeneratedDeliveryType(value)).toBe(generated);
    if (ok) expect(parseDeliveryType(value)).toBe(value);
    else expect(() => parseDeliveryType(value)).toThrow('Invalid type');
    if (ok && !generated) expect(parseUploadDeliveryType(value)).toBe(value);
    else expect(() => parseUploadDeliveryType(value)).toThrow(`Invalid type ${value}: expected upload, private or authenticated`);
  });

  it('fetch: the type of fetched remote images, never an upload type', () => {
    expect(isDeliveryType('fetch')).toBe(true);
    expect(isGeneratedDeliveryType('fetch')).toBe(false);
    expect(parseDeliveryType('fetch')).toBe('fetch');
    expect(() => parseUploadDeliveryType('fetch')).toThrow('Invalid type fetch: expected upload, private or authenticated');
  });

  it('access modes', () => {
    expect(parseAccessMode('public')).toBe('public');
    expect(parseAccessMode('authenticated')).toBe('authenticated');
    expect(() => parseAccessMode('private')).toThrow('Invalid access_mode');
  });
});

import { describe, expect, it } from 'vitest';
import {
  isDeliveryType,
  isResourceType,
  isUploadResourceType,
  parseAccessMode,
  parseDeliveryType,
  parseResourceType,
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
    ['upload', true],
    ['private', true],
    ['authenticated', true],
    ['fetch', false],
    ['', false],
  ])('delivery type %j → %s', (value, ok) => {
    expect(isDeliveryType(value)).toBe(ok);
    if (ok) expect(parseDeliveryType(value)).toBe(value);
    else expect(() => parseDeliveryType(value)).toThrow('Invalid type');
  });

  it('access modes', () => {
    expect(parseAccessMode('public')).toBe('public');
    expect(parseAccessMode('authenticated')).toBe('authenticated');
    expect(() => parseAccessMode('private')).toThrow('Invalid access_mode');
  });
});

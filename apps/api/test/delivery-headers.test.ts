import { describe, expect, it } from 'vitest';
import {
  attachmentDisposition,
  attachmentFilename,
  attachmentOf,
  DELIVERY_CONTENT_SECURITY_POLICY,
  isAttachmentOnly,
  takesSandboxPolicy,
} from '../src/delivery-headers.ts';

describe('the sandboxing Content-Security-Policy', () => {
  it('is the policy the hardening issue names', () => {
    expect(DELIVERY_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
  });

  it.each([
    ['image/svg+xml', true],
    ['image/png', true],
    ['image/jpeg', true],
    ['application/octet-stream', true],
    ['text/plain', true],
    ['application/json', true],
    ['IMAGE/SVG+XML; charset=utf-8', true],
    ['video/mp4', false],
    ['audio/mpeg', false],
    ['application/pdf', false],
    ['application/vnd.apple.mpegurl', false],
  ])('%s → %s', (type, sandboxed) => {
    expect(takesSandboxPolicy(type)).toBe(sandboxed);
  });
});

describe('attachmentOf', () => {
  it.each([
    ['', undefined],
    ['w_100', undefined],
    ['fl_attachment', { filename: null }],
    ['fl_attachment:my-file_1', { filename: 'my-file_1' }],
    ['c_fill,fl_attachment:pic.lossy,w_100', { filename: 'pic' }],
    ['fl_lossy.attachment/a_90', { filename: null }],
    ['fl_attachment:a/w_10/fl_attachment:b', { filename: 'b' }],
    ['fl_progressive', undefined],
    ['fl_attachment:a b', undefined],
    ['x_fl_attachment', undefined],
  ])('%j → %j', (text, expected) => {
    expect(attachmentOf(text)).toEqual(expected);
  });
});

describe('isAttachmentOnly', () => {
  it.each([
    ['fl_attachment', true],
    ['fl_attachment:name', true],
    ['fl_attachment,w_100', false],
    ['fl_attachment/w_100', false],
    ['fl_attachment.lossy', false],
    ['fl_lossy', false],
    ['w_100', false],
    ['', false],
  ])('%j → %s', (text, only) => {
    expect(isAttachmentOnly(text)).toBe(only);
  });
});

describe('attachmentFilename', () => {
  it.each([
    [{ publicId: 'birds/gravity', resourceType: 'image', format: 'png', name: null }, 'gravity.png'],
    [{ publicId: 'birds/gravity', resourceType: 'image', format: 'webp', name: 'my-bird' }, 'my-bird.webp'],
    [{ publicId: 'clip', resourceType: 'video', format: 'mp4', name: null }, 'clip.mp4'],
    [{ publicId: 'no-format', resourceType: 'image', format: null, name: null }, 'no-format'],
    [{ publicId: 'docs/page.html', resourceType: 'raw', format: null, name: null }, 'page.html'],
    [{ publicId: 'docs/page.html', resourceType: 'raw', format: null, name: 'saved' }, 'saved.html'],
    [{ publicId: 'docs/README', resourceType: 'raw', format: null, name: 'saved' }, 'saved'],
  ])('%j → %s', (input, expected) => {
    expect(attachmentFilename(input)).toBe(expected);
  });
});

describe('attachmentDisposition', () => {
  it.each([
    ['gravity.png', 'attachment; filename="gravity.png"'],
    ['a "quoted" \\name.txt', 'attachment; filename="a _quoted_ _name.txt"; filename*=UTF-8\'\'a%20%22quoted%22%20%5Cname.txt'],
    ['föto (1).jpg', 'attachment; filename="f_to (1).jpg"; filename*=UTF-8\'\'f%C3%B6to%20%281%29.jpg'],
    ['写真.png', 'attachment; filename="__.png"; filename*=UTF-8\'\'%E5%86%99%E7%9C%9F.png'],
    ['line\r\nbreak.txt', 'attachment; filename="line__break.txt"; filename*=UTF-8\'\'line%0D%0Abreak.txt'],
  ])('%j', (filename, expected) => {
    const header = attachmentDisposition(filename);
    expect(header).toBe(expected);
    expect(header).toMatch(/^[\x20-\x7e]+$/);
  });
});

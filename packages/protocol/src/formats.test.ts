import { describe, expect, it } from 'vitest';
import { contentTypeForFormat, contentTypeForRaw, isKnownFormat } from './formats.ts';

describe('content types', () => {
  it.each([
    ['jpg', 'image/jpeg'],
    ['JPEG', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
    ['svg', 'image/svg+xml'],
    ['tiff', 'image/tiff'],
    ['tif', 'image/tiff'],
    ['bmp', 'image/bmp'],
    ['ico', 'image/x-icon'],
    ['heic', 'image/heic'],
    ['heif', 'image/heif'],
    ['pdf', 'application/pdf'],
    ['mp4', 'video/mp4'],
    ['webm', 'video/webm'],
    ['mov', 'video/quicktime'],
    ['mp3', 'audio/mpeg'],
    ['wav', 'audio/wav'],
    ['ogg', 'audio/ogg'],
    ['json', 'application/json'],
    ['txt', 'text/plain'],
    ['html', 'application/octet-stream'],
    ['js', 'application/octet-stream'],
    ['constructor', 'application/octet-stream'],
    ['', 'application/octet-stream'],
  ])('%j → %s', (format, type) => {
    expect(contentTypeForFormat(format)).toBe(type);
  });

  it.each([
    ['docs/report.pdf', 'application/pdf'],
    ['notes.txt', 'text/plain'],
    ['data.extract_text.json', 'application/json'],
    ['page.html', 'application/octet-stream'],
    // Active types never get their real type as raw files, whatever CONTENT_TYPES holds.
    ['logo.svg', 'application/octet-stream'],
    ['LOGO.SVG', 'application/octet-stream'],
    ['icons/logo.svgz', 'application/octet-stream'],
    ['page.XHTML', 'application/octet-stream'],
    ['feed.xml', 'application/octet-stream'],
    ['style.xsl', 'application/octet-stream'],
    ['app.js', 'application/octet-stream'],
    ['app.mjs', 'application/octet-stream'],
    ['REPORT.PDF', 'application/pdf'],
    ['noext', 'application/octet-stream'],
    ['dir.d/noext', 'application/octet-stream'],
  ])('raw %j → %s', (publicId, type) => {
    expect(contentTypeForRaw(publicId)).toBe(type);
  });

  it.each([
    ['jpg', true],
    ['mp4', true],
    ['docx', false],
    ['JPG', false],
    ['x', false],
  ])('isKnownFormat(%j) → %s', (format, known) => {
    expect(isKnownFormat(format)).toBe(known);
  });
});

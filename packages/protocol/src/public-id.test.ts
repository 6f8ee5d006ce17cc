import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.ts';
import {
  composePublicId,
  fileExtension,
  normalizeFolder,
  publicIdFolder,
  publicIdFromFilename,
  randomPublicId,
  rawPublicIdWithExtension,
  validatePublicId,
} from './public-id.ts';

describe('validatePublicId', () => {
  it.each([
    'sample',
    'folder/sub/sample',
    'sample.jpg',
    'ünïcode/名前',
    'with space inside',
    'dots.in.name',
    'v1a/x',
    'x/v',
    "it's-(fine)_!~*,;:@=$",
    'a'.repeat(255),
  ])('accepts %j', (id) => {
    expect(validatePublicId(id)).toBe(id);
  });

  it.each([
    ['', 'must not be empty'],
    ['a'.repeat(256), 'longer than 255 characters'],
    [' leading', 'must not begin or end with a space or /'],
    ['trailing ', 'must not begin or end with a space or /'],
    ['/leading', 'must not begin or end with a space or /'],
    ['trailing/', 'must not begin or end with a space or /'],
    ['a?b', "must not contain '?'"],
    ['a&b', "must not contain '&'"],
    ['a#b', "must not contain '#'"],
    ['a\\b', "must not contain '\\'"],
    ['a%20b', "must not contain '%'"],
    ['a<b', "must not contain '<'"],
    ['a>b', "must not contain '>'"],
    ['a+b', "must not contain '+'"],
    ['a//b', 'contains an empty path element'],
    ['./a', "path element '.' is not allowed"],
    ['a/../b', "path element '..' is not allowed"],
    ['..', "path element '..' is not allowed"],
    ['a\nb', 'contains a control character'],
    ['a\u0000b', 'contains a control character'],
    ['a\u007fb', 'contains a control character'],
    ['v123', "path element 'v123' looks like a version component"],
    ['folder/v1/x', "path element 'v1' looks like a version component"],
    ['a\ud800b', 'is not well-formed Unicode'],
    ['\udfff', 'is not well-formed Unicode'],
  ])('refuses %j (%s)', (id, reason) => {
    let caught: unknown;
    try {
      validatePublicId(id);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ApiError);
    expect((caught as ApiError).status).toBe(400);
    expect((caught as ApiError).message).toContain('Invalid public_id');
    expect((caught as ApiError).message).toContain(reason);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(validatePublicId('😀'.repeat(255))).toHaveLength(510);
  });
});

describe('randomPublicId', () => {
  it('is 20 characters of [a-z0-9] and varies', () => {
    const ids = new Set(Array.from({ length: 200 }, randomPublicId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]{20}$/);
  });

  it('draws every character as often: the bytes a modulo would favour (252–255 → a–d) are drawn again', () => {
    const counts = new Map<string, number>();
    for (let index = 0; index < 18_000; index += 1) for (const character of randomPublicId()) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect(counts.size).toBe(36);
    // 360,000 characters, 10,000 each on average (spread about 1 %): a letter the modulo favoured (kept
    // at 8 in 256 instead of 7) would be 14 % ahead of the others.
    const others = [...'efghijklmnopqrstuvwxyz0123456789'].reduce((sum, character) => sum + counts.get(character)!, 0) / 32;
    for (const favoured of 'abcd') expect(Math.abs(counts.get(favoured)! / others - 1)).toBeLessThan(0.05);
  });
});

describe('publicIdFromFilename', () => {
  it.each([
    ['logo.png', 'logo'],
    ['my photo.JPG', 'my_photo'],
    ['archive.tar.gz', 'archive.tar'],
    ['C:\\Users\\me\\pic.jpeg', 'pic'],
    ['/tmp/dir/pic.jpeg', 'pic'],
    ['what?&#%+<>.png', 'what_______'],
    ['README', 'README'],
    ['.env', '.env'],
    ['tab\there.png', 'tab_here'],
    ['ünïcode.png', 'ünïcode'],
    ['v123.png', 'v123_'],
    ['file', 'file'],
  ])('%j → %j', (filename, expected) => {
    const id = publicIdFromFilename(filename, { unique: false });
    expect(id).toBe(expected);
    expect(validatePublicId(id)).toBe(id);
  });

  it('appends _ and 6 random characters when unique', () => {
    const id = publicIdFromFilename('logo.png', { unique: true });
    expect(id).toMatch(/^logo_[a-z0-9]{6}$/);
    expect(publicIdFromFilename('v1.png', { unique: true })).toMatch(/^v1_[a-z0-9]{6}$/);
  });

  it.each(['', '..', 'dir/'])('falls back to a random id for %j', (filename) => {
    expect(publicIdFromFilename(filename, { unique: false })).toMatch(/^[a-z0-9]{20}$/);
  });

  it('stays within 255 characters including the suffix', () => {
    const id = publicIdFromFilename(`${'a'.repeat(400)}.png`, { unique: true });
    expect(id).toHaveLength(255);
    expect(validatePublicId(id)).toBe(id);
  });
});

describe('composition helpers', () => {
  it.each([
    [{ id: 'x' }, 'x'],
    [{ folder: 'a/b', id: 'x' }, 'a/b/x'],
    [{ folder: '/a/b/', id: 'x' }, 'a/b/x'],
    [{ folder: 'a', publicIdPrefix: 'p', id: 'x' }, 'a/p/x'],
    [{ publicIdPrefix: 'p/', id: 'x' }, 'p/x'],
    [{ folder: '', id: 'x' }, 'x'],
  ])('composePublicId %j → %s', (parts, expected) => {
    expect(composePublicId(parts)).toBe(expected);
  });

  it.each([
    ['/a/b/', 'a/b'],
    ['a', 'a'],
    ['/', undefined],
    ['', undefined],
  ])('normalizeFolder %j → %j', (folder, expected) => {
    expect(normalizeFolder(folder)).toBe(expected);
  });

  it.each(['a//b', 'a/../b', 'v12', 'a?b'])('normalizeFolder refuses %j', (folder) => {
    expect(() => normalizeFolder(folder)).toThrow('Invalid folder');
  });

  it.each([
    ['abc', 'docx', 'abc.docx'],
    ['abc.docx', 'docx', 'abc.docx'],
    ['abc.DOCX', 'docx', 'abc.DOCX'],
    ['abc', undefined, 'abc'],
    ['abc', '', 'abc'],
    ['abc_x1y2z3', 'txt', 'abc_x1y2z3.txt'],
  ])('rawPublicIdWithExtension(%j, %j) → %j', (id, ext, expected) => {
    expect(rawPublicIdWithExtension(id, ext)).toBe(expected);
  });

  it.each([
    ['a.png', 'png'],
    ['a.tar.gz', 'gz'],
    ['.env', undefined],
    ['noext', undefined],
    ['trailing.', undefined],
    ['dir.d/file', undefined],
  ])('fileExtension(%j) → %j', (name, expected) => {
    expect(fileExtension(name)).toBe(expected);
  });

  it.each([
    ['a/b/c', 'a/b'],
    ['c', ''],
  ])('publicIdFolder(%j) → %j', (id, expected) => {
    expect(publicIdFolder(id)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import { nameEntries, transformationLabel, type ArchiveNaming, type EntrySource } from '../src/entry-naming.ts';

const plain: ArchiveNaming = { flattenFolders: false, flattenTransformations: false, useOriginalFilename: false, skipTransformationName: false };
const image = (publicId: string, extra: Partial<EntrySource> = {}): EntrySource => ({
  publicId,
  resourceType: 'image',
  format: 'jpg',
  originalFilename: null,
  ...extra,
});
const raw = (publicId: string, extra: Partial<EntrySource> = {}): EntrySource => ({
  publicId,
  resourceType: 'raw',
  format: null,
  originalFilename: null,
  ...extra,
});

describe('nameEntries', () => {
  it('names an original <public_id>.<format>, folders as directories; a raw public_id is its own file name', () => {
    expect(nameEntries([image('sample'), image('a/b/photo', { format: 'png' }), raw('docs/report.pdf'), raw('README')], plain, 0)).toEqual([
      'sample.jpg',
      'a/b/photo.png',
      'docs/report.pdf',
      'README',
    ]);
  });

  it('puts one transformation in the file name, or nothing with skip_transformation_name', () => {
    const derived = image('a/photo', { format: 'png', transformation: 'c_fill,h_100,w_100' });
    expect(nameEntries([derived], plain, 1)).toEqual(['a/photo_c_fill,h_100,w_100.png']);
    expect(nameEntries([derived], { ...plain, skipTransformationName: true }, 1)).toEqual(['a/photo.png']);
  });

  it('gives several transformations a folder each, or the file name with flatten_transformations', () => {
    const sources = [image('a/photo', { transformation: 'w_10' }), image('a/photo', { transformation: 'c_crop,w_5/e_grayscale', format: 'webp' })];
    expect(nameEntries(sources, plain, 2)).toEqual(['w_10/a/photo.jpg', 'c_crop,w_5_e_grayscale/a/photo.webp']);
    expect(nameEntries(sources, { ...plain, flattenTransformations: true }, 2)).toEqual(['a/photo_w_10.jpg', 'a/photo_c_crop,w_5_e_grayscale.webp']);
    // With neither name nor folder to tell them apart, the counter does.
    expect(
      nameEntries(
        [sources[0]!, { ...sources[0]!, transformation: 'w_20' }],
        { ...plain, flattenTransformations: true, skipTransformationName: true },
        2,
      ),
    ).toEqual(['a/photo.jpg', 'a/photo_1.jpg']);
  });

  it('flattens folders, counting clashes before the extension', () => {
    expect(
      nameEntries([image('x/dup'), image('y/dup'), image('z/dup'), raw('p/dup.jpg'), raw('q/notes')], { ...plain, flattenFolders: true }, 0),
    ).toEqual(['dup.jpg', 'dup_1.jpg', 'dup_2.jpg', 'dup_3.jpg', 'notes']);
  });

  it('uses the original file name when kept, with the file format (raw: its public_id extension)', () => {
    const naming = { ...plain, useOriginalFilename: true };
    expect(
      nameEntries(
        [image('a/x7f3', { originalFilename: 'holiday' }), raw('docs/r1.pdf', { originalFilename: 'Quarterly report' }), image('a/none')],
        naming,
        0,
      ),
    ).toEqual(['a/holiday.jpg', 'docs/Quarterly report.pdf', 'a/none.jpg']);
  });

  it('never yields a path element that could climb out of the unpacking directory', () => {
    const names = nameEntries(
      [image('a/b', { originalFilename: '..' }), image('c', { originalFilename: 'x\\..\\y' }), image('d', { originalFilename: 'bad\u0001name' })],
      { ...plain, useOriginalFilename: true },
      0,
    );
    expect(names).toEqual(['a/_.jpg', 'x_.._y.jpg', 'bad_name.jpg']);
    for (const name of names) {
      expect(name.split('/')).not.toContain('..');
      expect(name.startsWith('/')).toBe(false);
    }
  });

  it('keeps a file and a folder of the same name apart', () => {
    // A raw `a` (no extension) and an image under `a/`: the folder moves, not the file.
    expect(nameEntries([raw('a'), image('a/b')], plain, 0)).toEqual(['a', 'a_/b.jpg']);
    expect(nameEntries([image('a/b'), raw('a')], plain, 0)).toEqual(['a/b.jpg', 'a_1']);
  });
});

describe('transformationLabel', () => {
  it('joins chained components with _ and names the identity by its format', () => {
    expect(transformationLabel('c_fill,w_100/e_sepia', 'png')).toBe('c_fill,w_100_e_sepia');
    expect(transformationLabel('', 'webp')).toBe('f_webp');
    expect(transformationLabel('', null)).toBe('original');
  });
});

import { describe, expect, it } from 'vitest';
import { autoUploadTarget, mappingFolderCandidates } from '../../src/auto-upload/mapped-source.ts';

const mapping = { folder: 'remote', template: 'https://origin.example.com/images/' };

describe('mappingFolderCandidates', () => {
  it('names every leading folder of the delivered path, with and without a trailing slash, never the file', () => {
    expect(mappingFolderCandidates('a/b/pic.png')).toEqual(['a', 'a/', 'a/b', 'a/b/']);
    expect(mappingFolderCandidates('pic.png')).toEqual([]);
  });
});

describe('autoUploadTarget', () => {
  it('fetches the template plus the rest of the path, and names the image without its extension', () => {
    expect(autoUploadTarget({ resourceType: 'image', publicIdWithExt: 'remote/cats/pic.png' }, mapping)).toEqual({
      publicId: 'remote/cats/pic',
      remoteUrl: 'https://origin.example.com/images/cats/pic.png',
    });
  });

  it('keeps a raw file its extension, and a path without one as it is', () => {
    expect(autoUploadTarget({ resourceType: 'raw', publicIdWithExt: 'remote/doc.txt' }, mapping)?.publicId).toBe('remote/doc.txt');
    expect(autoUploadTarget({ resourceType: 'video', publicIdWithExt: 'remote/clip' }, mapping)).toEqual({
      publicId: 'remote/clip',
      remoteUrl: 'https://origin.example.com/images/clip',
    });
  });

  it('adds the slash a template lacks, and reads a folder written with a trailing slash', () => {
    const target = autoUploadTarget(
      { resourceType: 'image', publicIdWithExt: 'remote/pic.jpg' },
      { folder: 'remote/', template: 'http://o.example.com/x' },
    );
    expect(target).toEqual({ publicId: 'remote/pic', remoteUrl: 'http://o.example.com/x/pic.jpg' });
  });

  it('escapes the rest as the SDK writes a path, so a decoded name reaches the origin as one path element', () => {
    const target = autoUploadTarget({ resourceType: 'image', publicIdWithExt: 'remote/my pic?#.png' }, mapping);
    expect(target).toEqual({ publicId: 'remote/my pic?#', remoteUrl: 'https://origin.example.com/images/my%20pic%3F%23.png' });
  });

  it('answers nothing for a path outside the folder or naming the folder alone', () => {
    expect(autoUploadTarget({ resourceType: 'image', publicIdWithExt: 'remoteX/pic.png' }, mapping)).toBeUndefined();
    expect(autoUploadTarget({ resourceType: 'image', publicIdWithExt: 'other/remote/pic.png' }, mapping)).toBeUndefined();
    expect(autoUploadTarget({ resourceType: 'image', publicIdWithExt: 'remote' }, mapping)).toBeUndefined();
  });
});

import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { detectMediaType } from '../src/detect-type.ts';
import { documentFixture, ftypBox, imageFixture, noise, svgDocument, useTempDir, wavHeader } from './media-files.ts';

const temp = useTempDir();

describe('detectMediaType', () => {
  it.each([
    ['2569067123_aca715a2ee_o.jpg', 'jpg', 'image/jpeg'],
    ['Channel_digital_image_CMYK_color.jpg', 'jpg', 'image/jpeg'],
    ['giant-image.jpg', 'jpg', 'image/jpeg'],
    ['4.webp', 'webp', 'image/webp'],
    ['Crash_test.gif', 'gif', 'image/gif'],
    ['embedgravitybird.png', 'png', 'image/png'],
    ['gradients-rgb8.png', 'png', 'image/png'],
  ])('detects %s as %s', async (name, format, mime) => {
    expect(await detectMediaType(imageFixture(name))).toEqual({ resourceType: 'image', format, mime });
  });

  it('files a PDF as an image, as Cloudinary does', async () => {
    expect(await detectMediaType(documentFixture('basicapi.pdf'))).toEqual({
      resourceType: 'image',
      format: 'pdf',
      mime: 'application/pdf',
    });
  });

  it('goes by the bytes, not the name: a PNG named .jpg is a PNG', async () => {
    const renamed = join(temp.path, 'photo.jpg');
    await copyFile(imageFixture('embedgravitybird.png'), renamed);
    expect(await detectMediaType(renamed)).toMatchObject({ resourceType: 'image', format: 'png' });
  });

  it.each([
    ['a bare root', svgDocument(10, 10)],
    [
      'a BOM, XML declaration, comment and doctype with an internal subset',
      '\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<!-- Generator: Adobe Illustrator -->\n' +
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [\n' +
        '  <!ENTITY ns_svg "http://www.w3.org/2000/svg">\n]>\n' +
        svgDocument(10, 10),
    ],
  ])('detects an SVG with %s', async (_, text) => {
    const path = await temp.file('drawing.txt', text);
    expect(await detectMediaType(path)).toEqual({ resourceType: 'image', format: 'svg', mime: 'image/svg+xml' });
  });

  it('keeps other XML raw', async () => {
    const path = await temp.file('feed.svg', '<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>');
    expect(await detectMediaType(path)).toEqual({ resourceType: 'raw', format: 'xml', mime: 'application/xml' });
  });

  it('keeps HTML that embeds an SVG raw', async () => {
    const path = await temp.file('page.svg', `<!DOCTYPE html><html><body>${svgDocument(5, 5)}</body></html>`);
    expect(await detectMediaType(path)).toEqual({ resourceType: 'raw', format: '', mime: 'application/octet-stream' });
  });

  it('calls plain text raw with no format: bytes cannot name it, the caller has the file name', async () => {
    const path = await temp.file('notes.txt', 'Shopping list\n- milk\n- bread\n');
    expect(await detectMediaType(path)).toEqual({ resourceType: 'raw', format: '', mime: 'application/octet-stream' });
  });

  it('calls random bytes raw', async () => {
    const path = await temp.file('noise.jpg', noise(8192));
    expect(await detectMediaType(path)).toMatchObject({ resourceType: 'raw', format: '' });
  });

  it('keeps a recognised non-media format raw under its own name', async () => {
    const path = await temp.file('archive.bin', gzipSync(Buffer.from('hello')));
    expect(await detectMediaType(path)).toEqual({ resourceType: 'raw', format: 'gz', mime: 'application/gzip' });
  });

  it('returns null for an empty file', async () => {
    expect(await detectMediaType(await temp.file('empty.png', ''))).toBeNull();
  });

  it('files audio as video, as Cloudinary does', async () => {
    const path = await temp.file('sound.bin', wavHeader());
    expect(await detectMediaType(path)).toEqual({ resourceType: 'video', format: 'wav', mime: 'audio/wav' });
  });

  it.each([
    ['isom', 'mp4', 'video/mp4'],
    ['qt  ', 'mov', 'video/quicktime'],
    ['M4A ', 'm4a', 'audio/x-m4a'],
    ['3gp4', '3gp', 'video/3gpp'],
  ])('reads the ftyp brand %j as %s', async (brand, format, mime) => {
    const path = await temp.file(`movie-${format}.bin`, ftypBox(brand));
    expect(await detectMediaType(path)).toEqual({ resourceType: 'video', format, mime });
  });

  it('fails with the I/O error for a missing file', async () => {
    await expect(detectMediaType(join(temp.path, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('detects a file read whole with its head (under 64 KiB) as one read in place past it', async () => {
    const png = Buffer.from(await readFile(imageFixture('embedgravitybird.png')));
    const small = await temp.file('small.png', png.subarray(0, Math.min(png.length, 60_000)));
    const large = await temp.file('large.png', Buffer.concat([png, noise(70_000)]));
    const exact = await temp.file('exact.png', Buffer.concat([png, noise(65_536)]).subarray(0, 65_536));
    for (const path of [small, large, exact]) expect(await detectMediaType(path)).toEqual({ resourceType: 'image', format: 'png', mime: 'image/png' });
    expect(await detectMediaType(await temp.file('short.svg', svgDocument(3, 3)))).toEqual({
      resourceType: 'image',
      format: 'svg',
      mime: 'image/svg+xml',
    });
    expect(await detectMediaType(await temp.file('short.txt', 'plain words'))).toMatchObject({ resourceType: 'raw' });
  });

  it('detects bytes held in memory as it detects the same bytes in a file', async () => {
    const png = await readFile(imageFixture('embedgravitybird.png'));
    const cases: Array<[string, Buffer]> = [
      ['photo.jpg', await readFile(imageFixture('2569067123_aca715a2ee_o.jpg'))],
      ['bird.png', png],
      ['long.png', Buffer.concat([png, noise(70_000)])],
      ['drawing.svg', Buffer.from(svgDocument(4, 4))],
      ['feed.xml', Buffer.from('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>')],
      ['doc.pdf', await readFile(documentFixture('basicapi.pdf'))],
      ['sound.wav', wavHeader()],
      ['movie.mp4', ftypBox('isom')],
      ['notes.txt', Buffer.from('Shopping list\n')],
      ['archive.gz', gzipSync(Buffer.from('hello'))],
    ];
    for (const [name, bytes] of cases) {
      const fromFile = await detectMediaType(await temp.file(`in-memory-${name}`, bytes));
      expect(fromFile, name).not.toBeNull();
      expect(await detectMediaType(bytes), name).toEqual(fromFile);
    }
    expect(await detectMediaType(Buffer.alloc(0))).toBeNull();
  });
});

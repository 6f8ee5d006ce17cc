import { readFile } from 'node:fs/promises';
import { fixturePath } from '@rendition/testing';
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegImageDataOffset, readImageMetadata, videoMetadata } from '../../src/analysis/image-metadata.ts';
import { useTempDir } from '../media-files.ts';

const temp = useTempDir();

const image = (name: string): string => fixturePath(`images/${name}`);

const XMP = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/"
  xmlns:tiff="http://ns.adobe.com/tiff/1.0/" xmp:Rating="4" xmp:CreateDate="2013-05-12T15:31:04+02:00">
<dc:creator><rdf:Seq><rdf:li>Jane Doe</rdf:li><rdf:li>John Roe</rdf:li></rdf:Seq></dc:creator>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Bridge at dusk</rdf:li></rdf:Alt></dc:title>
<dc:subject><rdf:Bag><rdf:li>bridge</rdf:li><rdf:li>river</rdf:li></rdf:Bag></dc:subject>
<tiff:Make>Not the EXIF make</tiff:Make>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`;

const pixels = (): Sharp => sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } });

/** A camera-like JPEG: EXIF (IFD0, ExifIFD, GPS) written by libvips, orientation 6, and an XMP packet. */
async function cameraJpeg(): Promise<string> {
  const bytes = await pixels()
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({
      IFD0: { Make: 'Canon', Model: 'Canon EOS 5D Mark III', Software: 'Rendition test', DateTime: '2013:05:14 09:00:00' },
      IFD2: {
        DateTimeOriginal: '2013:05:12 15:31:04',
        ExposureTime: '1/125',
        FNumber: '28/10',
        ISOSpeedRatings: '200',
        FocalLength: '50/1',
        ExposureBiasValue: '-2/3',
        Flash: '16',
        UserComment: 'hello',
      },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '37/1 46/1 2964/100',
        GPSLongitudeRef: 'W',
        GPSLongitude: '122/1 25/1 984/100',
        GPSAltitudeRef: '0',
        GPSAltitude: '123/10',
        GPSTimeStamp: '15/1 31/1 4/1',
        GPSDateStamp: '2013:05:12',
      },
    })
    .withXmp(XMP)
    .toBuffer();
  return temp.file('camera.jpg', bytes);
}

/** An APP13 segment: Photoshop's image resources holding one IPTC-IIM block (record 2). */
function iptcSegment(datasets: Array<[number, string]>): Buffer {
  const iim = Buffer.concat(
    datasets.map(([dataset, text]) => {
      const value = Buffer.from(text, 'utf8');
      return Buffer.concat([Buffer.from([0x1c, 0x02, dataset, value.length >> 8, value.length & 0xff]), value]);
    }),
  );
  const size = Buffer.alloc(4);
  size.writeUInt32BE(iim.length);
  const resource = Buffer.concat([Buffer.from('8BIM'), Buffer.from([0x04, 0x04, 0, 0]), size, iim, Buffer.alloc(iim.length % 2)]);
  const payload = Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(payload.length + 2);
  return Buffer.concat([Buffer.from([0xff, 0xed]), length, payload]);
}

/** An APP1 segment holding `body` after the "Exif\0\0" header. */
function exifSegment(body: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(body.length + 8);
  return Buffer.concat([Buffer.from([0xff, 0xe1]), length, Buffer.from('Exif\0\0', 'latin1'), body]);
}

const afterSoi = (jpeg: Buffer, segment: Buffer): Buffer => Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);

/** Cloudinary's documented sample for a plain JPEG (shared/spec/cloudinary-reference-wave2.md §5). */
const PLAIN_JPEG_SAMPLE = { JFIFVersion: '1.01', ResolutionUnit: 'None', XResolution: '1', YResolution: '1', Colorspace: 'RGB', DPI: '0' };

describe('readImageMetadata', () => {
  it("gives Cloudinary's sample for a plain JPEG: the JFIF header and the colour space", async () => {
    const metadata = await readImageMetadata(image('2569067123_aca715a2ee_o.jpg'), { format: 'jpg', width: 2725, height: 2225 });
    expect(metadata).toEqual(PLAIN_JPEG_SAMPLE);
    expect(Object.keys(metadata)).toEqual(Object.keys(PLAIN_JPEG_SAMPLE));
  });

  it('names and prints the camera fields of a real camera JPEG (EXIF over JFIF, XMP and ICC beside)', async () => {
    const metadata = await readImageMetadata(image('Channel_digital_image_CMYK_color.jpg'), { format: 'jpg', width: 500, height: 333 });
    expect(metadata).toMatchObject({
      Make: 'Canon',
      Model: 'Canon EOS 300D DIGITAL',
      Orientation: 'Horizontal (normal)',
      XResolution: '180',
      ResolutionUnit: 'inches',
      ModifyDate: '2005:05:14 00:51:18',
      ExposureTime: '1/640',
      ShutterSpeedValue: '1/640',
      FNumber: '5.6',
      ApertureValue: '5.6',
      ISO: '400',
      ExifVersion: '0221',
      DateTimeOriginal: '2004:03:20 14:54:55',
      ComponentsConfiguration: 'Y, Cb, Cr, -',
      ExposureCompensation: '0',
      MeteringMode: 'Multi-segment',
      Flash: 'Off, Did not fire',
      FocalLength: '55.0 mm',
      ColorSpace: 'Uncalibrated',
      ExifImageWidth: '500',
      FocalPlaneXResolution: '3443.946188',
      CreatorTool: 'Adobe Photoshop CS2 Windows',
      MetadataDate: '2005:05:14 00:51:18+03:00',
      DerivedFromDocumentID: 'uuid:B4378616F6C3D911B37E9CCEB7A92F18',
      ICCProfileName: 'U.S. Web Coated (SWOP) v2',
      ProfileDescription: 'U.S. Web Coated (SWOP) v2',
      ProfileClass: 'Output Device Profile',
      ColorSpaceData: 'CMYK',
      ProfileDateTime: '2000:07:26 05:41:53',
      Colorspace: 'CMYK',
      DPI: '180',
    });
    // The XMP copy of an EXIF date does not replace it (EXIF has the higher priority).
    expect(metadata.CreateDate).toBe('2004:03:20 14:54:55');
    expect(metadata.JFIFVersion).toBeUndefined();
    for (const value of Object.values(metadata)) expect(typeof value).toBe('string');
  });

  it('prints orientation, GPS, exposure and XMP fields as ExifTool does', async () => {
    const metadata = await readImageMetadata(await cameraJpeg(), { format: 'jpg', width: 64, height: 48 });
    expect(metadata).toMatchObject({
      Make: 'Canon',
      Model: 'Canon EOS 5D Mark III',
      Orientation: 'Rotate 90 CW',
      ModifyDate: '2013:05:14 09:00:00',
      DateTimeOriginal: '2013:05:12 15:31:04',
      ExposureTime: '1/125',
      FNumber: '2.8',
      ISO: '200',
      FocalLength: '50.0 mm',
      ExposureCompensation: '-2/3',
      Flash: 'Off, Did not fire',
      UserComment: 'hello',
      GPSLatitudeRef: 'North',
      GPSLatitude: `37 deg 46' 29.64"`,
      GPSLongitudeRef: 'West',
      GPSLongitude: `122 deg 25' 9.84"`,
      GPSAltitudeRef: 'Above Sea Level',
      GPSAltitude: '12.3 m',
      GPSTimeStamp: '15:31:04',
      GPSDateStamp: '2013:05:12',
      Creator: 'Jane Doe, John Roe',
      Title: 'Bridge at dusk',
      Subject: 'bridge, river',
      Rating: '4',
      CreateDate: '2013:05:12 15:31:04+02:00',
      Colorspace: 'RGB',
    });
    expect(metadata.Make).toBe('Canon'); // not the XMP copy
    expect(metadata.latitude).toBeUndefined();
  });

  it('names IPTC fields as ExifTool does', async () => {
    const plain = await pixels().jpeg().toBuffer();
    const segment = iptcSegment([
      [25, 'bridge'],
      [25, 'river'],
      [120, 'A bridge at dusk'],
      [80, 'Jane Doe'],
      [55, '20130512'],
      [60, '153104+0200'],
      [90, 'San Francisco'],
    ]);
    const metadata = await readImageMetadata(await temp.file('iptc.jpg', afterSoi(plain, segment)), { format: 'jpg', width: 64, height: 48 });
    expect(metadata).toMatchObject({
      Keywords: 'bridge, river',
      'Caption-Abstract': 'A bridge at dusk',
      'By-line': 'Jane Doe',
      DateCreated: '2013:05:12',
      TimeCreated: '15:31:04+02:00',
      City: 'San Francisco',
    });
  });

  it('reads a PNG: IHDR, pHYs as PixelsPerUnitX/PixelsPerUnitY/PixelUnits, and the DPI they make', async () => {
    const metadata = await readImageMetadata(image('embedgravitybird.png'), { format: 'png', width: 576, height: 384 });
    expect(metadata).toEqual({
      ImageWidth: '576',
      ImageHeight: '384',
      BitDepth: '8',
      ColorType: 'RGB with Alpha',
      Compression: 'Deflate/Inflate',
      Filter: 'Adaptive',
      Interlace: 'Noninterlaced',
      PixelsPerUnitX: '2835',
      PixelsPerUnitY: '2835',
      PixelUnits: 'meters',
      Colorspace: 'RGB',
      DPI: '72',
    });
  });

  it("reads a PNG's eXIf chunk and its XMP from a compressed zTXt chunk", async () => {
    const bytes = await pixels()
      .png()
      .withExif({ IFD0: { Make: 'PngCam' } })
      .withXmp(XMP)
      .toBuffer();
    const metadata = await readImageMetadata(await temp.file('exif.png', bytes), { format: 'png', width: 64, height: 48 });
    expect(metadata).toMatchObject({ ImageWidth: '64', Make: 'PngCam', Creator: 'Jane Doe, John Roe', Rating: '4' });
  });

  it('reads WebP metadata through the header blobs', async () => {
    const bytes = await pixels()
      .webp()
      .withExif({ IFD0: { Make: 'WebPCam' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 51/1 3540/100' } })
      .withXmp(XMP)
      .withIccProfile('p3')
      .toBuffer();
    const metadata = await readImageMetadata(await temp.file('meta.webp', bytes), { format: 'webp', width: 64, height: 48 });
    expect(metadata).toMatchObject({
      ImageWidth: '64',
      ImageHeight: '48',
      Make: 'WebPCam',
      GPSLatitudeRef: 'South',
      GPSLatitude: `33 deg 51' 35.40"`,
      Title: 'Bridge at dusk',
      ProfileClass: 'Display Device Profile',
      Colorspace: 'RGB',
    });
  });

  it('gives a grey JPEG with a centimetre resolution its DPI', async () => {
    const metadata = await readImageMetadata(image('giant-image.jpg'), { format: 'jpg', width: 20000, height: 14000 });
    expect(metadata).toEqual({ JFIFVersion: '1.01', ResolutionUnit: 'cm', XResolution: '151', YResolution: '151', Colorspace: 'GRAY', DPI: '384' });
  });

  it('gives an image without metadata its basic fields only', async () => {
    const bare = await temp.file('bare.jpg', await pixels().jpeg().toBuffer());
    expect(await readImageMetadata(bare, { format: 'jpg', width: 64, height: 48 })).toEqual({ Colorspace: 'RGB' });
    expect(await readImageMetadata(image('Crash_test.gif'), { format: 'gif', width: 800, height: 533 })).toEqual({
      ImageWidth: '800',
      ImageHeight: '533',
      Colorspace: 'RGB',
    });
    expect(await readImageMetadata(image('4.webp'), { format: 'webp', width: 1024, height: 772 })).toEqual({
      ImageWidth: '1024',
      ImageHeight: '772',
      Colorspace: 'RGB',
    });
  });

  it('answers {} for formats it has no reader for', async () => {
    const svg = await temp.file('a.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect(await readImageMetadata(svg, { format: 'svg', width: 10, height: 10 })).toEqual({});
    expect(await readImageMetadata(svg, { format: '', width: null, height: null })).toEqual({});
  });

  it('survives a corrupt EXIF block, a truncated file and bytes that are no image', async () => {
    const plain = await readFile(image('2569067123_aca715a2ee_o.jpg'));
    const offsetBeyondEnd = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x00, 0xff, 0xff, 0x7f]);
    const hugeCount = Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, 0xff, 0xff]), Buffer.alloc(24, 0xee)]);
    const noTiffHeader = Buffer.from('this is not a TIFF structure at all', 'latin1');
    const entryPointingAway = Buffer.concat([
      Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01]),
      Buffer.from([0x01, 0x0f, 0x00, 0x02, 0x00, 0x00, 0x10, 0x00, 0x7f, 0xff, 0xff, 0xf0]), // Make: 4096 chars far away
      Buffer.alloc(4),
    ]);
    for (const [name, body] of Object.entries({ offsetBeyondEnd, hugeCount, noTiffHeader, entryPointingAway })) {
      const path = await temp.file(`corrupt-${name}.jpg`, afterSoi(plain, exifSegment(body)));
      expect(await readImageMetadata(path, { format: 'jpg', width: 2725, height: 2225 }), name).toMatchObject({ Colorspace: 'RGB' });
    }

    const truncated = await temp.file('truncated.jpg', (await readFile(image('Channel_digital_image_CMYK_color.jpg'))).subarray(0, 3000));
    const partial = await readImageMetadata(truncated, { format: 'jpg', width: 500, height: 333 });
    for (const value of Object.values(partial)) expect(typeof value).toBe('string');

    const garbage = await temp.file('garbage.png', Buffer.from('\x89PNG\r\n\x1a\n\xff\xff\xff\xff garbage', 'latin1'));
    expect(await readImageMetadata(garbage, { format: 'png', width: null, height: null })).toEqual({});
  });
});

describe('readImageMetadata of bytes in memory', () => {
  /** A JPEG whose metadata segments reach past the first 128 KiB read: its head is read again, larger, then cut at its image data. */
  async function jpegWithLongHead(): Promise<Buffer> {
    const withExif = await pixels()
      .jpeg()
      .withExif({ IFD0: { Make: 'LongCam', Model: 'L2' } })
      .toBuffer();
    const comment = (fill: number): Buffer => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(60_002);
      return Buffer.concat([Buffer.from([0xff, 0xfe]), length, Buffer.alloc(60_000, fill)]);
    };
    // Comments first: the EXIF segment starts past the first read.
    return afterSoi(withExif, Buffer.concat([comment(0x41), comment(0x42), comment(0x43)]));
  }

  it.each([
    ['a camera JPEG (EXIF, XMP, ICC)', async () => readFile(image('Channel_digital_image_CMYK_color.jpg')), 'jpg', 500, 333],
    ['a plain JPEG', async () => readFile(image('2569067123_aca715a2ee_o.jpg')), 'jpg', 2725, 2225],
    ['a JPEG whose metadata reach past the first read', jpegWithLongHead, 'jpg', 64, 48],
    [
      'a PNG with eXIf and zTXt',
      async () =>
        pixels()
          .png()
          .withExif({ IFD0: { Make: 'PngCam' } })
          .withXmp(XMP)
          .toBuffer(),
      'png',
      64,
      48,
    ],
    ['a PNG with pHYs', async () => readFile(image('embedgravitybird.png')), 'png', 576, 384],
    [
      'a WebP with blobs',
      async () =>
        pixels()
          .webp()
          .withExif({ IFD0: { Make: 'WebPCam' } })
          .withIccProfile('p3')
          .toBuffer(),
      'webp',
      64,
      48,
    ],
    ['a GIF', async () => readFile(image('Crash_test.gif')), 'gif', 800, 533],
  ])('reads %s the same as from its file', async (name, make, format, width, height) => {
    const bytes = await make();
    const path = await temp.file(`in-memory-${format}-${width}.${format}`, bytes);
    const fromFile = await readImageMetadata(path, { format, width, height });
    expect(Object.keys(fromFile).length).toBeGreaterThan(2);
    const fromMemory = await readImageMetadata(bytes, { format, width, height });
    expect(fromMemory).toEqual(fromFile);
    expect(Object.keys(fromMemory)).toEqual(Object.keys(fromFile));
  });

  it('reads the camera fields from memory, where the head is the bytes before the image data', async () => {
    const bytes = await jpegWithLongHead();
    expect(bytes.length).toBeGreaterThan(128 * 1024);
    expect(await readImageMetadata(bytes, { format: 'jpg', width: 64, height: 48 })).toMatchObject({ Make: 'LongCam', Model: 'L2' });
    const camera = await readFile(image('Channel_digital_image_CMYK_color.jpg'));
    expect(await readImageMetadata(camera, { format: 'jpg', width: 500, height: 333 })).toMatchObject({
      Make: 'Canon',
      Model: 'Canon EOS 300D DIGITAL',
    });
  });
});

describe('videoMetadata', () => {
  it('flattens the stored probe into the documented keys, in their wire types', () => {
    const media = {
      width: 478,
      height: 850,
      audio: { codec: 'aac', bit_rate: '128018', frequency: 48000, channels: 1, channel_layout: 'mono' },
      video: { pix_format: 'yuv420p', codec: 'h264', level: 30, profile: 'High', bit_rate: '983526', dar: '239:425', time_base: '1/90000' },
      is_audio: false,
      frame_rate: 29.605263157894736,
      bit_rate: 1118507,
      duration: 1.722667,
      rotation: 0,
      nb_frames: 51,
    };
    const metadata = videoMetadata(media);
    expect(metadata).toEqual({
      audio_codec: 'aac',
      audio_bit_rate: '128018',
      audio_frequency: 48000,
      channels: 1,
      channel_layout: 'mono',
      pix_format: 'yuv420p',
      codec: 'h264',
      level: 30,
      profile: 'High',
      video_bit_rate: '983526',
      dar: '239:425',
    });
    expect(Object.keys(metadata)[0]).toBe('audio_codec');
  });

  it('keeps only what the streams have', () => {
    expect(videoMetadata({ audio: { codec: 'mp3', bit_rate: '128000', frequency: 44100, channels: 2, channel_layout: 'stereo' }, video: {} })).toEqual({
      audio_codec: 'mp3',
      audio_bit_rate: '128000',
      audio_frequency: 44100,
      channels: 2,
      channel_layout: 'stereo',
    });
    expect(videoMetadata({ audio: {}, video: { codec: 'vp8', level: -99, profile: '0' } })).toEqual({ codec: 'vp8', level: -99, profile: '0' });
    expect(videoMetadata({})).toEqual({});
    expect(videoMetadata({ audio: 'junk', video: [1, 2] })).toEqual({});
  });
});

describe('jpegImageDataOffset', () => {
  it("finds a JPEG's image data after its metadata segments, so only the head before it is read", async () => {
    const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#336699' } })
      .withExif({ IFD0: { Make: 'Head', Software: 'x'.repeat(300) } })
      .jpeg()
      .toBuffer();
    const offset = jpegImageDataOffset(bytes)!;
    expect(bytes[offset]).toBe(0xff);
    expect(bytes[offset + 1]).toBe(0xda);
    // Every metadata segment lies before it: the EXIF's bytes are in the head.
    expect(bytes.subarray(0, offset).includes(Buffer.from('Head'))).toBe(true);
    expect(bytes.indexOf(Buffer.from([0xff, 0xda]))).toBe(offset);
  });

  it('asks for more when the walk leaves the bytes read, and gives up on bytes that are no JPEG', async () => {
    const bytes = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .withExif({ IFD0: { Make: 'M' } })
      .jpeg()
      .toBuffer();
    expect(jpegImageDataOffset(bytes.subarray(0, 30))).toBeUndefined();
    expect(jpegImageDataOffset(Buffer.from('not a jpeg at all'))).toBeUndefined();
    expect(jpegImageDataOffset(Buffer.from([0xff, 0xd8, 0x00, 0x01, 0x02, 0x03]))).toBeUndefined();
    // A segment length below 2 is corrupt.
    expect(jpegImageDataOffset(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff, 0xda]))).toBeUndefined();
    // Fill bytes between segments are skipped.
    expect(jpegImageDataOffset(Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xff, 0xda, 0x00, 0x02]))).toBe(4);
  });

  it('reads the same metadata from a large JPEG whose head is all that is read', async () => {
    const bytes = await sharp({
      create: { width: 2400, height: 1600, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } },
    })
      .withExif({ IFD0: { Make: 'LargeCam', Model: 'L1' } })
      .jpeg({ quality: 95 })
      .toBuffer();
    // Larger than the first read: the head is found by the segment walk, not by reading it all.
    expect(bytes.length).toBeGreaterThan(128 * 1024);
    const path = await temp.file('large.jpg', bytes);
    const metadata = await readImageMetadata(path, { format: 'jpg', width: 2400, height: 1600 });
    expect(metadata).toMatchObject({ Make: 'LargeCam', Model: 'L1' });
  });
});

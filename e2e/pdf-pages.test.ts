import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, pdfinfo, popplerPage, renderingLikeness, type CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// PDFs as images (issue 12, item 2), through the official Node SDK: an uploaded PDF answers its page
// count and page 1's size in points; delivery and eager render page pg_ at dn_ dpi (default 72) and
// run the image pipeline on it; the PDF itself is still delivered as uploaded.

const PAPER = fixturePath('documents/tracemonkey.pdf');

type Result = Record<string, unknown> & { public_id: string; version: number; eager?: Array<Record<string, unknown>> };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let uploaded: Result;
/** What poppler's pdfinfo says of the fixture. */
let info: { pages: number; width: number; height: number };

beforeAll(async () => {
  info = await pdfinfo(PAPER);
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  uploaded = (await cloudinary.uploader.upload(PAPER, { public_id: 'paper', eager: [{ page: 2, format: 'jpg' }] })) as Result;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Delivery URLs exactly as the SDK builds them, pointed at our host with `cname`. */
function sdkUrl(publicId: string, options: Record<string, unknown>): string {
  return cloudinary.url(publicId, { secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false, ...options });
}

async function fetchBytes(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('uploading a PDF', () => {
  it('answers an image of format pdf with its page count and page 1 in points, as pdfinfo reports them', () => {
    expect(info).toEqual({ pages: 14, width: 612, height: 792 });
    expect(uploaded).toMatchObject({ resource_type: 'image', format: 'pdf', pages: 14, width: info.width, height: info.height });
  });

  it('derives an eager pg_2/jpg item: page 2 at 72 dpi', async () => {
    expect(uploaded.eager).toHaveLength(1);
    const [item] = uploaded.eager!;
    expect(item).toMatchObject({ transformation: 'pg_2/jpg', width: info.width, height: info.height, format: 'jpg' });
    const { response, bytes } = await fetchBytes(String(item!.secure_url));
    expect(response.status).toBe(200);
    expect(bytes.length).toBe(item!.bytes);
    const metadata = await sharp(bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', info.width, info.height]);
  });

  it('delivers the PDF itself, untransformed, as the bytes uploaded', async () => {
    const { response, bytes } = await fetchBytes(sdkUrl('paper', { format: 'pdf' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(bytes.equals(await readFile(PAPER))).toBe(true);
    // a transformation cannot be delivered as a PDF: no PDF is written
    const transformed = await fetchBytes(sdkUrl('paper', { width: 300, format: 'pdf' }));
    expect(transformed.response.status).toBe(400);
    expect(transformed.response.headers.get('x-cld-error')).toBe('Unsupported delivery format pdf');
  });
});

describe('delivering a page as an image', () => {
  it.each<[string, Record<string, unknown>, string, number, number]>([
    // label, SDK options, expected format, page, dpi
    ['pg_2 as jpg', { page: 2, format: 'jpg' }, 'jpeg', 2, 72],
    ['pg_3,w_300 as png', { page: 3, width: 300, format: 'png' }, 'png', 3, 72],
    ['dn_144 as jpg (page 1)', { density: 144, format: 'jpg' }, 'jpeg', 1, 144],
  ])('%s: 200, the pixel size of pdfinfo’s page × dn/72, and poppler’s look', async (_label, options, format, page, dpi) => {
    const url = sdkUrl('paper', options);
    const { response, bytes } = await fetchBytes(url);
    expect(response.status, response.headers.get('x-cld-error') ?? '').toBe(200);
    const scale = dpi / 72;
    const rendered = { width: Math.round(info.width * scale), height: Math.round(info.height * scale) };
    const width = typeof options.width === 'number' ? options.width : rendered.width;
    const height = typeof options.width === 'number' ? Math.round((rendered.height * options.width) / rendered.width) : rendered.height;
    const metadata = await sharp(bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual([format, width, height]);
    const reference = await sharp(await popplerPage(PAPER, page, dpi))
      .resize(width, height, { fit: 'fill' })
      .png()
      .toBuffer();
    const alike = await renderingLikeness(bytes, reference);
    expect(alike.luminance).toBeLessThan(2);
    expect(alike.pixels).toBeLessThan(6);
  });

  it('tells pages apart: page 2 does not look like poppler’s page 1 or 3', async () => {
    const second = await fetchBytes(sdkUrl('paper', { page: 2, format: 'png' }));
    expect(second.response.status).toBe(200);
    for (const other of [1, 3]) {
      const alike = await renderingLikeness(second.bytes, await popplerPage(PAPER, other, 72));
      expect(alike.pixels).toBeGreaterThan(8);
    }
  });

  it('chooses the format with f_auto from Accept', async () => {
    const { response, bytes } = await fetchBytes(sdkUrl('paper', { page: 2, width: 200, fetch_format: 'auto' }), { accept: 'image/webp,*/*' });
    expect(response.status).toBe(200);
    expect(response.headers.get('vary')).toBe('Accept');
    expect((await sharp(bytes).metadata()).format).toBe('webp');
  });

  it('answers a page beyond the document with a 400 naming it', async () => {
    const { response } = await fetchBytes(sdkUrl('paper', { page: 20, format: 'jpg' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('x-cld-error')).toContain('Invalid page 20: the document has 14 pages');
  });

  it('refuses page ranges with a 400 saying they are not supported', async () => {
    const { response } = await fetchBytes(`${cluster.baseUrl}/demo/image/upload/pg_1-3/paper.jpg`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-cld-error')).toContain('Unsupported transformation parameter - pg_1-3');
  });

  it('refuses a density beyond 600 dpi with a 400', async () => {
    const { response } = await fetchBytes(`${cluster.baseUrl}/demo/image/upload/dn_601/paper.jpg`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-cld-error')).toBe('Invalid density in transformation: 601');
  });
});

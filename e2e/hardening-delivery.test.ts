// The delivery and signature parts of the hardening issue, end to end: stored XSS through SVG and
// active raw types (item 4), parameter smuggling through v1 signatures (item 10), and delivery URL
// edge cases: malformed steps, empty components, fl_attachment (item 11).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { uploadOk, type UploadBody } from './support/basic-upload.ts';
import { signParamsForTest } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

const PNG = readFileSync(fixturePath('images/embedgravitybird.png'));
const EVIL_SVG = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20" viewBox="0 0 40 20">' +
    '<rect width="40" height="20" fill="#0a0"/>' +
    '<script type="text/javascript">fetch("/v1_1/demo/resources/image", { credentials: "include" })</script>' +
    '</svg>\n',
);
const HTML = Buffer.from('<!doctype html><title>x</title><script>alert(document.domain)</script>\n');
const TEXT = Buffer.from('just text\n');
const CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let bird: UploadBody;

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  bird = await uploadOk(cluster, { bytes: PNG, filename: 'bird.png', contentType: 'image/png' }, { public_id: 'hardening/bird' });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const get = (path: string, method = 'GET') => fetch(path.startsWith('http') ? path : `${cluster.baseUrl}${path}`, { method });

async function bodyOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

async function expectDeliveryError(response: Response, status: number, message: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('x-cld-error')).toBe(message);
  expect(await response.json()).toEqual({ error: { message } });
}

describe('item 4: SVG and active raw types', () => {
  it('serves an SVG image with <script> byte for byte, inline, under a sandboxing CSP and nosniff', async () => {
    const svg = await uploadOk(cluster, { bytes: EVIL_SVG, filename: 'logo.svg', contentType: 'image/svg+xml' }, { public_id: 'hardening/logo' });
    expect(svg).toMatchObject({ format: 'svg', etag: md5(EVIL_SVG) });
    for (const method of ['GET', 'HEAD']) {
      const response = await get(svg.secure_url, method);
      expect(response.status, method).toBe(200);
      expect(response.headers.get('content-type'), method).toBe('image/svg+xml');
      expect(response.headers.get('content-security-policy'), method).toBe(CSP);
      expect(response.headers.get('x-content-type-options'), method).toBe('nosniff');
      expect(response.headers.get('content-disposition'), method).toBeNull();
      const body = await bodyOf(response);
      if (method === 'GET') expect(body.equals(EVIL_SVG)).toBe(true);
    }
    // Ranges and revalidations carry the policy too: a cached or partial answer is no way around it.
    const ranged = await fetch(svg.secure_url, { headers: { range: 'bytes=0-9' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-security-policy')).toBe(CSP);
    await ranged.arrayBuffer();
    const revalidated = await fetch(svg.secure_url, { headers: { 'if-none-match': `"${svg.etag}"` } });
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('content-security-policy')).toBe(CSP);
  });

  it('sends the policy with raster originals and derivatives as well', async () => {
    const original = await get(bird.secure_url);
    expect(original.headers.get('content-security-policy')).toBe(CSP);
    expect((await bodyOf(original)).equals(PNG)).toBe(true);
    const derived = await get('/demo/image/upload/w_20/v1/hardening/bird.webp');
    expect(derived.status).toBe(200);
    expect(derived.headers.get('content-type')).toBe('image/webp');
    expect(derived.headers.get('content-security-policy')).toBe(CSP);
    expect(derived.headers.get('x-content-type-options')).toBe('nosniff');
    await derived.arrayBuffer();
  });

  it('sends raw SVG, HTML and XML as application/octet-stream attachments', async () => {
    const cases = [
      { bytes: EVIL_SVG, publicId: 'hardening/raw/logo.svg', filename: 'logo.svg' },
      { bytes: HTML, publicId: 'hardening/raw/page.html', filename: 'page.html' },
      { bytes: Buffer.from('<?xml version="1.0"?><a/>\n'), publicId: 'hardening/raw/feed.XML', filename: 'feed.XML' },
    ];
    for (const { bytes, publicId, filename } of cases) {
      const raw = await uploadOk(cluster, { bytes, filename }, { public_id: publicId }, 'raw');
      const response = await get(raw.secure_url);
      expect(response.status, publicId).toBe(200);
      expect(response.headers.get('content-type'), publicId).toBe('application/octet-stream');
      expect(response.headers.get('content-disposition'), publicId).toBe(`attachment; filename="${filename}"`);
      expect(response.headers.get('content-security-policy'), publicId).toBe(CSP);
      expect(response.headers.get('x-content-type-options'), publicId).toBe('nosniff');
      expect((await bodyOf(response)).equals(bytes), publicId).toBe(true);
    }
  });

  it('still serves passive raw types inline with their type', async () => {
    const raw = await uploadOk(cluster, { bytes: TEXT, filename: 'notes.txt' }, { public_id: 'hardening/raw/notes.txt' }, 'raw');
    const response = await get(raw.secure_url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('content-disposition')).toBeNull();
    expect(response.headers.get('content-security-policy')).toBe(CSP);
    expect((await bodyOf(response)).equals(TEXT)).toBe(true);
  });
});

describe('item 10: v1 signatures and parameter smuggling', () => {
  const now = () => String(Math.floor(Date.now() / 1000));
  const post = (fields: Record<string, string>, bytes: Buffer) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([bytes]), 'x.png');
    return fetch(`${cluster.baseUrl}/v1_1/demo/image/upload`, { method: 'POST', body: form });
  };
  /** A version 1 signature (values joined unescaped), as older SDKs and other languages make it. */
  const signV1 = (params: Record<string, string>) =>
    createHash('sha1')
      .update(
        Object.keys(params)
          .sort()
          .map((key) => `${key}=${params[key]}`)
          .join('&') + cluster.credentials.apiSecret,
      )
      .digest('hex');

  it('refuses a signature of context + overwrite=false replayed as one context value holding both', async () => {
    const publicId = 'hardening/victim';
    const first = await uploadOk(cluster, { bytes: PNG, filename: 'bird.png' }, { public_id: publicId });
    const other = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();

    // What the client signed: two parameters, no `&` in any value, so v1 and v2 signatures are equal.
    const timestamp = now();
    const signed = { context: 'alt=x', overwrite: 'false', public_id: publicId, timestamp };
    const signature = signV1(signed);
    expect(signature).toBe(signParamsForTest(signed, cluster.credentials));

    // What an attacker replays: overwrite folded into the context value, so the v1 text is unchanged.
    const smuggled = { context: 'alt=x&overwrite=false', public_id: publicId, timestamp };
    const refused = await post({ ...smuggled, api_key: cluster.credentials.apiKey, signature }, other);
    expect(refused.status).toBe(401);
    const body = (await refused.json()) as { error: { message: string } };
    expect(body.error.message).toBe(
      `Invalid Signature ${signature}. String to sign - 'context=alt=x%26overwrite=false&public_id=${publicId}&timestamp=${timestamp}'.`,
    );

    // The asset is untouched, and the request as signed is still accepted (and does not overwrite).
    const delivered = await get(`/demo/image/upload/${publicId}.png`);
    expect((await bodyOf(delivered)).equals(PNG)).toBe(true);
    const asSigned = await post({ ...signed, api_key: cluster.credentials.apiKey, signature }, other);
    expect(asSigned.status).toBe(200);
    expect(await asSigned.json()).toMatchObject({ public_id: publicId, version: first.version, existing: true, etag: md5(PNG) });
  });

  it('refuses a v1 signature over a value with & and accepts the v2 one', async () => {
    const params = { context: 'caption=fish & chips', public_id: 'hardening/amp', timestamp: now() };
    const v1 = await post({ ...params, api_key: cluster.credentials.apiKey, signature: signV1(params) }, PNG);
    expect(v1.status).toBe(401);
    await v1.arrayBuffer();
    const v2 = await post({ ...params, api_key: cluster.credentials.apiKey, signature: signParamsForTest(params, cluster.credentials) }, PNG);
    expect(v2.status).toBe(200);
    expect(await v2.json()).toMatchObject({ public_id: 'hardening/amp', context: { custom: { caption: 'fish & chips' } } });
  });

  it('keeps every SDK-made signature valid, & included (the SDK signs v2 by default)', async () => {
    const result = (await cloudinary.uploader.upload(fixturePath('images/embedgravitybird.png'), {
      public_id: 'hardening/sdk-amp',
      context: { caption: 'a&b', alt: 'x=y' },
      tags: ['t&1', 't2'],
      overwrite: false,
    })) as Record<string, unknown>;
    expect(result).toMatchObject({ public_id: 'hardening/sdk-amp', context: { custom: { caption: 'a&b', alt: 'x=y' } }, tags: ['t&1', 't2'] });
  });
});

describe('item 11: delivery URL edge cases', () => {
  it('answers 400 naming a malformed transformation step, whether or not the asset exists', async () => {
    const message = 'Invalid transformation component - w_100,,,h_100';
    await expectDeliveryError(await get('/demo/image/upload/w_100,,,h_100/v1/hardening/bird.png'), 400, message);
    await expectDeliveryError(await get('/demo/image/upload/w_100,,,h_100/hardening-bird.png'), 400, message);
    await expectDeliveryError(await get('/demo/image/upload/w_100,,,h_100/nothing-here.png'), 400, message);
  });

  it('answers 400 for empty path components instead of serving the asset under endless aliases', async () => {
    const plain = await uploadOk(cluster, { bytes: PNG, filename: 'x.png' }, { public_id: 'x' });
    expect((await get('/demo/image/upload/x.png')).status).toBe(200);
    for (const path of [
      '/demo/image/upload//////x.png',
      '/demo/image/upload//x.png',
      '/demo/image/upload/x.png/',
      `/demo/image/upload/v${plain.version}//x.png`,
    ]) {
      await expectDeliveryError(await get(path), 400, `Invalid URL path ${path}: '.', '..' and empty path elements are not allowed`);
    }
  });

  it('fl_attachment alone serves the stored bytes as an attachment named after the public_id', async () => {
    const response = await get(`/demo/image/upload/fl_attachment/v${bird.version}/hardening/bird.png`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="bird.png"');
    expect(response.headers.get('etag')).toBe(`"${md5(PNG)}"`);
    expect((await bodyOf(response)).equals(PNG)).toBe(true);

    const named = await get('/demo/image/upload/fl_attachment:my-bird/v1/hardening/bird.png');
    expect(named.headers.get('content-disposition')).toBe('attachment; filename="my-bird.png"');
    expect((await bodyOf(named)).equals(PNG)).toBe(true);

    const converted = await get('/demo/image/upload/fl_attachment/v1/hardening/bird.jpg');
    expect(converted.status).toBe(200);
    expect(converted.headers.get('content-type')).toBe('image/jpeg');
    expect(converted.headers.get('content-disposition')).toBe('attachment; filename="bird.jpg"');
    await converted.arrayBuffer();
  });

  it('fl_attachment in a transformation, or inside a named one, makes the derivative an attachment', async () => {
    const resized = await get('/demo/image/upload/c_scale,fl_attachment:small,w_20/v1/hardening/bird.png');
    expect(resized.status).toBe(200);
    expect(resized.headers.get('content-disposition')).toBe('attachment; filename="small.png"');
    expect((await sharp(await bodyOf(resized)).metadata()).width).toBe(20);

    await cloudinary.api.create_transformation('hardening_download', 'w_30,c_scale,fl_attachment:named');
    const viaNamed = await get('/demo/image/upload/t_hardening_download/v1/hardening/bird.webp');
    expect(viaNamed.status).toBe(200);
    expect(viaNamed.headers.get('content-type')).toBe('image/webp');
    expect(viaNamed.headers.get('content-disposition')).toBe('attachment; filename="named.webp"');
    await viaNamed.arrayBuffer();

    const inline = await get('/demo/image/upload/w_20/v1/hardening/bird.png');
    expect(inline.headers.get('content-disposition')).toBeNull();
    await inline.arrayBuffer();
  });

  it('fl_attachment works for raw files and follows the original access rules', async () => {
    await uploadOk(cluster, { bytes: TEXT, filename: 'notes.txt' }, { public_id: 'hardening/dl/notes.txt' }, 'raw');
    const raw = await get('/demo/raw/upload/fl_attachment:saved/v1/hardening/dl/notes.txt');
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toBe('text/plain');
    expect(raw.headers.get('content-disposition')).toBe('attachment; filename="saved.txt"');
    expect((await bodyOf(raw)).equals(TEXT)).toBe(true);

    await uploadOk(cluster, { bytes: PNG, filename: 'p.png' }, { public_id: 'hardening/private', type: 'private' });
    const privateOriginal = await get('/demo/image/private/fl_attachment/v1/hardening/private.png');
    expect(privateOriginal.status).toBe(401);
    await privateOriginal.arrayBuffer();
  });
});

import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';
import { ApiError } from './api-error.ts';
import { buildDeliveryUrl, deliveryStringToSign, parseDeliveryPath } from './delivery-url.ts';
import { decodeFetchSource, encodeFetchSource, fetchRequestUrl, isAllowedFetchHost, normalizeFetchDomain } from './fetch-url.ts';
import { urlSignature, verifyUrlSignature } from './signature.ts';

const cloudinary = loadCloudinarySdk();

/** The SDK's fetch URL, without its origin: what the delivery route receives as its path. */
function sdkFetchPath(remote: string, options: Record<string, unknown> = {}): string {
  const url = cloudinary.url(remote, { type: 'fetch', cloud_name: 'demo', api_secret: 'b', urlAnalytics: false, ...options });
  return new URL(url).pathname;
}

function refusal(run: () => unknown): ApiError {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('fetch delivery paths', () => {
  it('reads the SDK fetch URL of a plain remote URL, with and without transformations', () => {
    expect(parseDeliveryPath(sdkFetchPath('https://example.com/img/a.png'))).toEqual({
      cloudName: 'demo',
      resourceType: 'image',
      type: 'fetch',
      publicIdWithExt: 'https://example.com/img/a.png',
      signedPayload: 'https://example.com/img/a.png',
    });
    const path = sdkFetchPath('https://example.com/img/a.png', { width: 100, crop: 'scale', fetch_format: 'auto' });
    expect(path).toBe('/demo/image/fetch/c_scale,f_auto,w_100/https://example.com/img/a.png');
    expect(parseDeliveryPath(path)).toMatchObject({
      transformation: 'c_scale,f_auto,w_100',
      publicIdWithExt: 'https://example.com/img/a.png',
      signedPayload: 'c_scale,f_auto,w_100/https://example.com/img/a.png',
    });
    // Chained steps, and the SDK's `format` (for fetch: f_<format>).
    const chained = sdkFetchPath('http://example.com/a.jpg', { transformation: [{ width: 50, crop: 'fill' }, { effect: 'sepia' }], format: 'webp' });
    expect(parseDeliveryPath(chained)).toMatchObject({ transformation: 'c_fill,w_50/e_sepia/f_webp', publicIdWithExt: 'http://example.com/a.jpg' });
  });

  it("keeps the remote URL's own query, escapes and fragment (written escaped by the SDK)", () => {
    const remote = 'http://127.0.0.1:8080/img/a b%20c.png?x=1&y=2,3#frag';
    const path = sdkFetchPath(remote);
    expect(path).toBe('/demo/image/fetch/http://127.0.0.1:8080/img/a%20b%2520c.png%3Fx%3D1%26y%3D2%2C3%23frag');
    const parsed = parseDeliveryPath(path);
    expect(parsed.publicIdWithExt).toBe(remote);
    expect(fetchRequestUrl(parsed.publicIdWithExt)).toBe('http://127.0.0.1:8080/img/a%20b%20c.png?x=1&y=2,3');
  });

  it("reads the SDK's Latin-1 escapes of non-ASCII characters, and UTF-8 ones", () => {
    expect(sdkFetchPath('https://example.com/ä.png')).toBe('/demo/image/fetch/https://example.com/%E4.png');
    expect(parseDeliveryPath('/demo/image/fetch/https://example.com/%E4.png').publicIdWithExt).toBe('https://example.com/ä.png');
    expect(parseDeliveryPath('/demo/image/fetch/https://example.com/%C3%A4.png').publicIdWithExt).toBe('https://example.com/ä.png');
  });

  it('verifies the signature vector of the spec (cloud test123, secret b)', () => {
    const path = sdkFetchPath('http://google.com/path/to/image.png', { sign_url: true, cloud_name: 'test123' });
    expect(path).toBe('/test123/image/fetch/s--hH_YcbiS--/http://google.com/path/to/image.png');
    const parsed = parseDeliveryPath(path);
    expect(parsed.signature).toBe('hH_YcbiS');
    expect(verifyUrlSignature(parsed.signedPayload, 'hH_YcbiS', 'b')).toBe(true);
    const signed = parseDeliveryPath(sdkFetchPath('http://example.com/a.png?q=1', { sign_url: true, width: 10, crop: 'scale' }));
    expect(verifyUrlSignature(signed.signedPayload, signed.signature ?? '', 'b')).toBe(true);
  });

  it('accepts raw (unescaped) remote URLs and a version component, and ignores the request query', () => {
    expect(parseDeliveryPath('/demo/image/fetch/w_100/v12/https://example.com/a.png?_a=BAM&x=1')).toMatchObject({
      version: 12,
      transformation: 'w_100',
      publicIdWithExt: 'https://example.com/a.png',
      signedPayload: 'w_100/https://example.com/a.png',
    });
    // A proxy that merges slashes: `https:/host` is read as `https://host`.
    expect(parseDeliveryPath('/demo/image/fetch/https:/example.com/a.png').publicIdWithExt).toBe('https://example.com/a.png');
    // Wholly escaped, as some clients write it.
    expect(parseDeliveryPath('/demo/image/fetch/https%3A%2F%2Fexample.com%2Fa.png').publicIdWithExt).toBe('https://example.com/a.png');
  });

  it('reads a host-per-cloud path (private_cdn) with the cloud given', () => {
    expect(parseDeliveryPath('/image/fetch/https://example.com/a.png', { cloudName: 'demo' })).toMatchObject({
      cloudName: 'demo',
      type: 'fetch',
      publicIdWithExt: 'https://example.com/a.png',
    });
  });

  it('refuses what is not a remote http(s) URL with a 400, and unknown resource types with a 404', () => {
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/sample.jpg')).status).toBe(400);
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/w_100/folder/https://example.com/a.png')).message).toMatch(/^Invalid fetch URL/);
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/ftp://example.com/a.png')).status).toBe(400);
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/https://')).status).toBe(400);
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/https://example.com/a%0d%0a.png')).message).toMatch(/control characters/);
    expect(refusal(() => parseDeliveryPath(`/demo/image/fetch/https://example.com/${'a'.repeat(2100)}`)).status).toBe(400);
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/w_100,,/https://example.com/a.png')).status).toBe(400);
    expect(refusal(() => parseDeliveryPath('/demo/image/fetch/w_100//https://example.com/a.png')).status).toBe(400);
    expect(refusal(() => parseDeliveryPath('/demo/images/fetch/https://example.com/a.png')).status).toBe(404);
  });

  it('builds the URL of a fetched asset as the SDK does, and its signature verifies', () => {
    for (const remote of ['https://example.com/a.png', 'http://127.0.0.1:8080/img/a b%20c.png?x=1&y=2#f', 'https://example.com/名前.jpg']) {
      const toSign = deliveryStringToSign({ publicId: remote, resourceType: 'image', type: 'fetch', transformation: 'w_10' });
      const signature = urlSignature(toSign, 'b');
      const url = buildDeliveryUrl({
        baseUrl: 'http://h',
        cloudName: 'demo',
        resourceType: 'image',
        type: 'fetch',
        publicId: remote,
        format: 'png',
        version: 3,
        transformation: 'w_10',
        signature,
      });
      const parsed = parseDeliveryPath(url.slice('http://h'.length));
      expect(parsed).toMatchObject({ type: 'fetch', publicIdWithExt: remote, version: 3, transformation: 'w_10', signature });
      expect(verifyUrlSignature(parsed.signedPayload, signature, 'b')).toBe(true);
    }
    expect(encodeFetchSource('https://example.com/a.png')).toBe('https://example.com/a.png');
  });

  it('decodes a source once, keeping what the client wrote', () => {
    expect(decodeFetchSource('https://example.com/a%2520b.png')).toBe('https://example.com/a%20b.png');
    expect(decodeFetchSource('HTTPS://Example.com/A.png')).toBe('HTTPS://Example.com/A.png');
  });
});

describe('allowed fetch domains', () => {
  it('normalizes entries and refuses what is not a host', () => {
    expect(normalizeFetchDomain(' Example.COM. ')).toBe('example.com');
    expect(normalizeFetchDomain('*.example.com')).toBe('example.com');
    expect(normalizeFetchDomain('bücher.example')).toBe('xn--bcher-kva.example');
    expect(normalizeFetchDomain('127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeFetchDomain('[::1]')).toBe('[::1]');
    for (const bad of ['', 'https://example.com', 'example.com/x', 'example.com:8080', 'a b', 'user@example.com', '..', 'a..b']) {
      expect(normalizeFetchDomain(bad), bad).toBeUndefined();
    }
  });

  it('allows every host when the list is empty, else the names, their subdomains and exact IPs', () => {
    expect(isAllowedFetchHost('anything.test', [])).toBe(true);
    const domains = ['example.com', '127.0.0.1'];
    expect(isAllowedFetchHost('example.com', domains)).toBe(true);
    expect(isAllowedFetchHost('IMG.Example.com.', domains)).toBe(true);
    expect(isAllowedFetchHost('badexample.com', domains)).toBe(false);
    expect(isAllowedFetchHost('example.com.evil.test', domains)).toBe(false);
    expect(isAllowedFetchHost('127.0.0.1', domains)).toBe(true);
    expect(isAllowedFetchHost('1.127.0.0.1', domains)).toBe(false);
    expect(isAllowedFetchHost('localhost', domains)).toBe(false);
  });
});

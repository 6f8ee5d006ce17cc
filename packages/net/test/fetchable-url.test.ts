import { describe, expect, it } from 'vitest';
import { createAddressPolicy } from '../src/address-policy.ts';
import { assertFetchableUrl } from '../src/fetchable-url.ts';

describe('assertFetchableUrl', () => {
  const policy = createAddressPolicy(['192.168.10.0/24']);

  it.each([
    'https://example.com/image.jpg',
    'http://example.com:8080/a?b=c#d',
    'https://8.8.8.8/x',
    'https://[2606:4700:4700::1111]/x',
    'http://192.168.10.5/allowed-by-cidr',
    // Names are judged at connect time, when their address is known.
    'http://localhost/x',
    'http://internal.corp/x',
  ])('accepts %s', (url) => {
    expect(assertFetchableUrl(url, policy).href).toBe(new URL(url).href);
  });

  it.each([
    ['not a url', /not a valid URL/],
    ['/relative/path', /not a valid URL/],
    ['ftp://example.com/file', /only http and https/],
    ['file:///etc/passwd', /only http and https/],
    ['gopher://127.0.0.1:6379/_FLUSHALL', /only http and https/],
    ['data:image/png;base64,AAAA', /only http and https/],
    ['javascript:alert(1)', /only http and https/],
    ['http://user:secret@example.com/', /credentials/],
    ['http://user@example.com/', /credentials/],
  ])('refuses %s as bad_url', (url, message) => {
    expect(() => assertFetchableUrl(url, policy)).toThrow(expect.objectContaining({ code: 'bad_url', message: expect.stringMatching(message) }));
  });

  it('never echoes credentials', () => {
    expect(() => assertFetchableUrl('http://user:secret@example.com/x?token=abc', policy)).toThrow(
      'Refused to fetch http://example.com/x: URLs with credentials are not allowed',
    );
  });

  it.each([
    ['http://10.0.0.1/x', '10.0.0.1'],
    ['http://127.0.0.1:8080/', '127.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://0.0.0.0/', '0.0.0.0'],
    ['http://[::1]/', '::1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['http://[fe80::1]/', 'fe80::1'],
    // The WHATWG parser turns these spellings of 127.0.0.1 into the dotted quad before we look.
    ['http://2130706433/', '127.0.0.1'],
    ['http://0x7f.1/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://192.168.11.1/', '192.168.11.1'],
  ])('refuses %s as refused_address', (url, address) => {
    expect(() => assertFetchableUrl(url, policy)).toThrow(
      expect.objectContaining({ code: 'refused_address', message: expect.stringContaining(`address ${address} is not allowed`) }),
    );
  });

  it('words the refusal for the client', () => {
    expect(() => assertFetchableUrl('http://10.0.0.1/x?sig=abc', policy)).toThrow(
      'Refused to fetch http://10.0.0.1/x: address 10.0.0.1 is not allowed',
    );
  });
});

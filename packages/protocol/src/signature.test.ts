import { randomBytes, randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';

const cloudinary = loadCloudinarySdk();
import type { RawParams } from './request-params.ts';
import {
  algorithmForSignature,
  notificationSignature,
  responseSignature,
  signParams,
  stringToSign,
  urlSignature,
  verifyParamsSignature,
  verifyUrlSignature,
} from './signature.ts';

const SECRET = 'abcd';

const vectorParams: RawParams = {
  notification_url: 'https://e.com?a=1&b=2',
  public_ids: ['a', 'b'],
  timestamp: '1700000000',
  overwrite: '0',
  empty: '',
};

describe('reference §1.5 vectors', () => {
  it.each([
    [{ public_id: 'sample_image', timestamp: '1315060510' }, 'sha1', 2, 'b4ad47fb4e25c7bf5f92a20089f9db59bc302313'],
    [{ public_id: 'sample_image', timestamp: '1315060510' }, 'sha256', 2, 'e3c44b54e67a3ecc918f5d7236ca5faa36250ea8a8cd6cbabfd2d6bb2453acac'],
    [vectorParams, 'sha1', 2, '4aa8cb016ebf720a85eaf8777f07cd4da270f3b1'],
    [vectorParams, 'sha1', 1, 'd66cb753b589b2e3696c6552f8a38fd976d58e27'],
  ] as const)('signs %j with %s v%d', (params, algorithm, version, expected) => {
    expect(signParams(params, SECRET, { algorithm, version })).toBe(expected);
  });

  it('builds the documented v2 and v1 strings', () => {
    expect(stringToSign(vectorParams, 2)).toBe('notification_url=https://e.com?a=1%26b=2&overwrite=0&public_ids=a,b&timestamp=1700000000');
    expect(stringToSign(vectorParams, 1)).toBe('notification_url=https://e.com?a=1&b=2&overwrite=0&public_ids=a,b&timestamp=1700000000');
  });

  it('signs a notification body', () => {
    expect(notificationSignature('{"a":1}', 1700000000, SECRET)).toBe('6bedb09d7cbe1884653bbf2d9db1884eb0b891a4');
  });
});

describe('stringToSign', () => {
  it.each([
    [
      'excludes routing, auth and file fields',
      { file: 'x', cloud_name: 'c', resource_type: 'image', api_key: 'k', signature: 's', timestamp: '1' },
      'timestamp=1',
    ],
    ['drops empty values and empty lists', { a: '', b: [], timestamp: '1' }, 'timestamp=1'],
    ['keeps 0', { overwrite: '0' }, 'overwrite=0'],
    ['sorts a key before its extensions', { public_id_prefix: 'p', public_id: 'i' }, 'public_id=i&public_id_prefix=p'],
    ['sorts by bytes, not locale', { b: '1', B: '2', a_b: '3', ab: '4' }, 'B=2&a_b=3&ab=4&b=1'],
    ['does not URL-encode', { context: 'alt=a b|c=ü' }, 'context=alt=a b|c=ü'],
    ['escapes & in keys too under v2', { 'a&b': 'c&d' }, 'a%26b=c%26d'],
  ] as const)('%s', (_name, params, expected) => {
    expect(stringToSign(params as RawParams, 2)).toBe(expected);
  });
});

describe('verifyParamsSignature', () => {
  const params: RawParams = { ...vectorParams, api_key: '123', file: 'https://x' };

  it.each([
    ['v2 sha1', '4aa8cb016ebf720a85eaf8777f07cd4da270f3b1', true],
    // The vector's notification_url holds a `&`: there v1 reads differently from v2 and is refused.
    ['v1 sha1 of a value with &', 'd66cb753b589b2e3696c6552f8a38fd976d58e27', false],
    ['v2 sha1, uppercase hex', '4AA8CB016EBF720A85EAF8777F07CD4DA270F3B1', true],
    ['v2 sha256', signParams(vectorParams, SECRET, { algorithm: 'sha256', version: 2 }), true],
    ['v1 sha256 of a value with &', signParams(vectorParams, SECRET, { algorithm: 'sha256', version: 1 }), false],
    ['wrong digest', '4aa8cb016ebf720a85eaf8777f07cd4da270f3b2', false],
    ['wrong length', '4aa8cb016ebf720a85eaf8777f07cd4da270f3', false],
    ['empty', '', false],
    ['sha1 digest under the wrong secret', signParams(vectorParams, 'other', { algorithm: 'sha1', version: 2 }), false],
  ])('%s → %s', (_name, signature, ok) => {
    const result = verifyParamsSignature(params, signature, SECRET);
    expect(result.ok).toBe(ok);
    expect(result.stringToSign).toBe(stringToSign(vectorParams, 2));
  });

  it('accepts v1 signatures wherever no signed value holds a & (v1 and v2 texts are then equal)', () => {
    const plain: RawParams = { public_id: 'folder/x', tags: ['a', 'b'], context: 'alt=x|c=d', overwrite: '0', timestamp: '1700000000' };
    expect(stringToSign(plain, 1)).toBe(stringToSign(plain, 2));
    for (const algorithm of ['sha1', 'sha256'] as const) {
      expect(verifyParamsSignature(plain, signParams(plain, SECRET, { algorithm, version: 1 }), SECRET).ok).toBe(true);
    }
  });

  it('refuses a v1 signature of two parameters replayed as one parameter holding both (parameter smuggling)', () => {
    // What the client signed: a hook URL and overwrite=false, as two parameters.
    const signed: RawParams = { notification_url: 'https://x/hook', overwrite: 'false', public_id: 'p', timestamp: '1700000000' };
    const signature = signParams(signed, SECRET, { algorithm: 'sha1', version: 1 });
    expect(verifyParamsSignature(signed, signature, SECRET).ok).toBe(true);
    // What an attacker replays: overwrite folded into the URL, so the upload overwrites after all.
    const smuggled: RawParams = { notification_url: 'https://x/hook&overwrite=false', public_id: 'p', timestamp: '1700000000' };
    expect(stringToSign(smuggled, 1)).toBe(stringToSign(signed, 1));
    expect(verifyParamsSignature(smuggled, signature, SECRET).ok).toBe(false);
    // The same folding under v2 never matched, because v2 escapes the `&`.
    expect(verifyParamsSignature(smuggled, signParams(signed, SECRET, { algorithm: 'sha1', version: 2 }), SECRET).ok).toBe(false);
  });

  it('refuses a signed key containing = (it reads like another key whose value holds the rest)', () => {
    const signed: RawParams = { context: 'alt=x', public_id: 'p', timestamp: '1700000000' };
    const signature = signParams(signed, SECRET, { algorithm: 'sha1', version: 2 });
    const renamed: RawParams = { 'context=alt': 'x', public_id: 'p', timestamp: '1700000000' };
    expect(stringToSign(renamed, 2)).toBe(stringToSign(signed, 2));
    expect(verifyParamsSignature(signed, signature, SECRET).ok).toBe(true);
    expect(verifyParamsSignature(renamed, signature, SECRET).ok).toBe(false);
  });

  it('reads the algorithm from the length', () => {
    expect(algorithmForSignature('a'.repeat(40))).toBe('sha1');
    expect(algorithmForSignature('a'.repeat(64))).toBe('sha256');
    expect(algorithmForSignature('a'.repeat(32))).toBeUndefined();
  });
});

describe('cross-checked with the SDK', () => {
  beforeAll(() => {
    cloudinary.config({ cloud_name: 'demo', api_key: '123456789012345', api_secret: SECRET, signature_algorithm: 'sha1' });
  });

  const KEYS = [
    'public_id',
    'public_ids',
    'tags',
    'context',
    'timestamp',
    'eager',
    'notification_url',
    'folder',
    'a_b',
    'ab',
    'overwrite',
    'public_id_prefix',
    'type',
    'x',
  ];
  const PIECES = ['a', 'b', '&', '=', '|', ',', ' ', 'ü', '😀', '%26', '0', '\\', '?', 'https://e.com/?q=1&r=2'];

  function randomValue(): string {
    const n = randomInt(0, 5);
    return Array.from({ length: n }, () => PIECES[randomInt(PIECES.length)]).join('');
  }

  function randomParams(): RawParams {
    const params: RawParams = {};
    for (const key of KEYS) {
      const roll = randomInt(0, 4);
      if (roll === 0) continue;
      params[key] = roll === 1 ? Array.from({ length: randomInt(0, 3) }, randomValue) : randomValue();
    }
    return params;
  }

  // api_string_to_sign is not exported by the SDK; equal digests imply equal strings.
  it('agrees on 300 random parameter sets, v1 and v2, sha1 and sha256', () => {
    for (let i = 0; i < 300; i++) {
      const params = randomParams();
      for (const version of [1, 2] as const) {
        for (const algorithm of ['sha1', 'sha256'] as const) {
          const ours = signParams(params, SECRET, { algorithm, version });
          expect(ours, JSON.stringify({ params, algorithm, version })).toBe(cloudinary.utils.api_sign_request(params, SECRET, algorithm, version));
          // v1 stays valid exactly where it equals v2: no signed pair holds a `&`.
          const accepted = version === 2 || stringToSign(params, 1) === stringToSign(params, 2);
          expect(verifyParamsSignature(params, ours, SECRET).ok, JSON.stringify({ params, algorithm, version })).toBe(accepted);
        }
      }
    }
  });

  it('verifies what build_upload_params + api_sign_request produce (default v2)', () => {
    const options = {
      public_id: 'folder/my id&more',
      tags: ['a', 'b'],
      context: { alt: 'x=y|z', caption: 'c&d' },
      overwrite: false,
      notification_url: 'https://hooks.example.com/cb?x=1&y=2',
      eager: [
        { width: 100, crop: 'fill' },
        { width: 50, format: 'png' },
      ],
      timestamp: 1700000000,
    };
    const built = cloudinary.utils.build_upload_params(options);
    const wire: RawParams = {};
    for (const [key, value] of Object.entries(built)) {
      if (value === null || value === undefined) continue;
      wire[key] = Array.isArray(value) ? value.map(String) : String(value);
    }
    const signature = cloudinary.utils.api_sign_request(built, SECRET);
    expect(verifyParamsSignature(wire, signature, SECRET).ok).toBe(true);
    expect(verifyParamsSignature(wire, cloudinary.utils.api_sign_request(built, SECRET, 'sha256'), SECRET).ok).toBe(true);
    // These values hold `&`: a v1 signature of them is the ambiguous form and is refused.
    const v1 = cloudinary.utils.api_sign_request(built, SECRET, 'sha256', 1);
    expect(verifyParamsSignature(wire, v1, SECRET).ok).toBe(false);
  });

  it('verifies what the SDK signs by default (no signature_version configured: v2), with and without &', () => {
    for (const options of [
      { public_id: 'plain', tags: ['a', 'b'], overwrite: false, timestamp: 1700000000 },
      { public_id: 'amp', context: { caption: 'fish & chips' }, notification_url: 'https://h.example.com/?a=1&b=2', timestamp: 1700000000 },
    ]) {
      const built = cloudinary.utils.build_upload_params(options);
      const wire: RawParams = {};
      for (const [key, value] of Object.entries(built)) {
        if (value === null || value === undefined) continue;
        wire[key] = Array.isArray(value) ? value.map(String) : String(value);
      }
      // No version argument: the SDK uses config().signature_version || 2, what uploader.upload does.
      for (const algorithm of ['sha1', 'sha256'] as const) {
        const signature = cloudinary.utils.api_sign_request(built, SECRET, algorithm);
        expect(verifyParamsSignature(wire, signature, SECRET).ok, JSON.stringify({ options, algorithm })).toBe(true);
      }
    }
  });

  it.each([
    ['sample', 1315060510],
    ['folder/sub/ünïcode name', 1700000000],
    ['a&b', 1],
  ])('response signature of %s v%d passes verify_api_response_signature', (publicId, version) => {
    expect(cloudinary.utils.verify_api_response_signature(publicId, version, responseSignature(publicId, version, SECRET))).toBe(true);
  });

  it.each(['{"a":1}', '{"notification_type":"upload","public_id":"ü"}', ''])(
    'notification signature of %j passes verifyNotificationSignature',
    (body) => {
      const timestamp = Math.round(Date.now() / 1000);
      expect(cloudinary.utils.verifyNotificationSignature(body, timestamp, notificationSignature(body, timestamp, SECRET))).toBe(true);
    },
  );

  it('notification signature with sha256 matches the SDK', () => {
    const timestamp = 1700000000;
    const body = randomBytes(32).toString('hex');
    expect(notificationSignature(body, timestamp, SECRET, 'sha256')).toBe(
      cloudinary.utils.webhook_signature(body, timestamp, { api_secret: SECRET, signature_algorithm: 'sha256' }),
    );
  });
});

describe('urlSignature (reference §6.5)', () => {
  it.each([
    ['c_crop,h_20,w_10/image.jpg', 'Ai4Znfl3'],
    ['image.jpg', '--SjmNDA'],
    ['http://google.com/path/to/image.png', 'hH_YcbiS'],
  ])('%s → s--%s--', (toSign, expected) => {
    expect(urlSignature(toSign, 'b')).toBe(expected);
    expect(verifyUrlSignature(toSign, expected, 'b')).toBe(true);
    expect(
      verifyUrlSignature(
        toSign,
        expected.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        'b',
      ),
    ).toBe(false);
  });

  it('verifies a short signature with the account algorithm it was made with', () => {
    const sha256 = urlSignature('image.jpg', 'b', { algorithm: 'sha256' });
    expect(sha256).not.toBe(urlSignature('image.jpg', 'b'));
    expect(verifyUrlSignature('image.jpg', sha256, 'b', 'sha256')).toBe(true);
    expect(verifyUrlSignature('image.jpg', sha256, 'b')).toBe(false);
  });

  it('refuses, without throwing, a signature of the right length in characters but not in bytes', () => {
    // 8 (or 32) characters, more UTF-8 bytes: a byte comparison of unequal lengths must not be reached.
    expect(verifyUrlSignature('image.jpg', 'é'.repeat(8), 'b')).toBe(false);
    expect(verifyUrlSignature('image.jpg', 'é'.repeat(32), 'b')).toBe(false);
    expect(verifyParamsSignature({ timestamp: '1' }, 'é'.repeat(40), 'b')).toEqual({ ok: false, stringToSign: 'timestamp=1' });
    expect(verifyParamsSignature({ timestamp: '1' }, 'é'.repeat(64), 'b').ok).toBe(false);
  });

  it('long signatures are 32 chars of sha256', () => {
    const long = urlSignature('image.jpg', 'b', { long: true });
    expect(long).toHaveLength(32);
    expect(verifyUrlSignature('image.jpg', long, 'b')).toBe(true);
  });

  it('matches the SDK url() for plain, sha256 and long signatures', () => {
    const base = { cloud_name: 'test123', api_secret: 'b', sign_url: true, analytics: false, secure: true };
    const cases = [
      [{ ...base, raw_transformation: 'c_fill,w_100', format: 'jpg' }, 'c_fill,w_100/sample.jpg', {}],
      [{ ...base, format: 'png', signature_algorithm: 'sha256' }, 'sample.png', { algorithm: 'sha256' }],
      [{ ...base, long_url_signature: true, version: 3 }, 'sample', { long: true }],
    ] as const;
    for (const [options, toSign, sigOptions] of cases) {
      const sdk = cloudinary.url('sample', { ...options });
      expect(sdk).toContain(`/s--${urlSignature(toSign, 'b', sigOptions)}--/`);
    }
  });
});

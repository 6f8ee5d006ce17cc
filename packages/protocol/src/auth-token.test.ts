import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCloudinarySdk } from '@rendition/testing';
import {
  aclCovers,
  authTokenFromQuery,
  authTokensFromCookies,
  escapeAuthTokenText,
  generateAuthTokenKey,
  globMatches,
  isAuthTokenKey,
  MAX_AUTH_TOKEN_LENGTH,
  parseAuthToken,
  verifyAuthToken,
  type AuthTokenRequest,
} from './auth-token.ts';

const cloudinary = loadCloudinarySdk();
const sdkUtils = cloudinary.utils as unknown as { generate_auth_token(options: Record<string, unknown>): string };

/** The key of the SDKs' own auth token tests. */
const KEY = '00112233FF99';
const OTHER_KEY = '00112233FF98';

/** The official SDK's token (lib/auth_token.js), without its `__cld_token__=` name. */
function sdkToken(options: Record<string, unknown>, key = KEY): string {
  const written = sdkUtils.generate_auth_token({ key, ...options });
  expect(written.startsWith('__cld_token__=')).toBe(true);
  return written.slice('__cld_token__='.length);
}

/** Signs arbitrary fields (for tokens no SDK writes), as the SDK signs its own. */
function signed(fields: string, key = KEY): string {
  return `${fields}~hmac=${createHmac('sha256', Buffer.from(key, 'hex')).update(fields).digest('hex')}`;
}

const request = (overrides: Partial<AuthTokenRequest> = {}): AuthTokenRequest => ({
  paths: ['/demo/image/authenticated/v1/sample.jpg', '/image/authenticated/v1/sample.jpg'],
  ip: '10.0.0.1',
  now: 1_111_111_200,
  ...overrides,
});

describe('the SDKs’ reference vector', () => {
  // cloudinary_npm test/unit/authToken: start_time 1111111111, duration 300, acl /image/*.
  const VECTOR = 'st=1111111111~exp=1111111411~acl=%2fimage%2f*~hmac=1751370bcc6cfe9e03f30dd1a9722ba0f2cdca283fa3e6df3342a00a7528cc51';

  it('is what the SDK builds, and verifies', () => {
    expect(sdkToken({ start_time: 1111111111, acl: '/image/*', duration: 300 })).toBe(VECTOR);
    expect(verifyAuthToken(VECTOR, KEY, request())).toEqual({ ok: true });
  });

  it('parses into its fields', () => {
    expect(parseAuthToken(VECTOR)).toEqual({
      ok: true,
      token: {
        startTime: 1111111111,
        expiration: 1111111411,
        acl: ['/image/*'],
        signedFields: 'st=1111111111~exp=1111111411~acl=%2fimage%2f*',
        hmac: '1751370bcc6cfe9e03f30dd1a9722ba0f2cdca283fa3e6df3342a00a7528cc51',
      },
    });
  });

  it('is refused with another key, and with any field changed', () => {
    expect(verifyAuthToken(VECTOR, OTHER_KEY, request())).toEqual({
      ok: false,
      failure: 'signature',
      message: 'Invalid token: the signature does not match its fields',
    });
    for (const tampered of [
      VECTOR.replace('st=1111111111', 'st=1111111110'),
      VECTOR.replace('exp=1111111411', 'exp=1111111412'),
      VECTOR.replace('%2fimage%2f*', '%2f*'),
      `ip=10.0.0.1~${VECTOR}`,
      VECTOR.replace('st=1111111111~', ''),
      VECTOR.replace('hmac=1', 'hmac=2'),
    ]) {
      expect(verifyAuthToken(tampered, KEY, request())).toMatchObject({ ok: false, failure: 'signature' });
    }
  });

  it('accepts the hmac in capitals (hex is hex)', () => {
    expect(
      verifyAuthToken(
        VECTOR.replace(/hmac=.*$/, (hmac) => hmac.toUpperCase().replace('HMAC', 'hmac')),
        KEY,
        request(),
      ),
    ).toEqual({ ok: true });
  });
});

describe('time window', () => {
  const token = sdkToken({ start_time: 1000, expiration: 2000, acl: '*' });

  it.each([
    [999, { ok: false, failure: 'not_yet_valid', message: 'Token not valid before 1000' }],
    [1000, { ok: true }],
    [1500, { ok: true }],
    [2000, { ok: true }],
    [2001, { ok: false, failure: 'expired', message: 'Token expired at 2000' }],
  ])('at %i', (now, verdict) => {
    expect(verifyAuthToken(token, KEY, request({ now }))).toEqual(verdict);
  });

  it('has no lower bound without st, and duration counts from start_time', () => {
    const open = sdkToken({ expiration: 2000, acl: '*' });
    expect(open).not.toContain('st=');
    expect(verifyAuthToken(open, KEY, request({ now: 0 }))).toEqual({ ok: true });
    expect(verifyAuthToken(open, KEY, request({ now: 2001 }))).toMatchObject({ failure: 'expired' });
    const lasting = sdkToken({ start_time: 5000, duration: 60, acl: '*' });
    expect(verifyAuthToken(lasting, KEY, request({ now: 5060 }))).toEqual({ ok: true });
    expect(verifyAuthToken(lasting, KEY, request({ now: 5061 }))).toMatchObject({ failure: 'expired' });
  });

  it('checks the signature before the time: a forged expired token is a bad signature', () => {
    expect(verifyAuthToken(token, OTHER_KEY, request({ now: 5000 }))).toMatchObject({ failure: 'signature' });
  });
});

describe('IP address', () => {
  const token = sdkToken({ ip: '10.0.0.1', expiration: 2_000_000_000, acl: '*' });

  it.each([
    ['10.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['10.0.0.2', false],
    ['10.0.0.10', false],
    ['::1', false],
  ])('from %s: %s', (ip, ok) => {
    const verdict = verifyAuthToken(token, KEY, request({ ip }));
    expect(verdict).toEqual(ok ? { ok: true } : { ok: false, failure: 'ip', message: 'Token is not valid for this IP address' });
  });

  it('compares IPv6 without regard to case', () => {
    const v6 = sdkToken({ ip: 'FE80::1', expiration: 2_000_000_000, acl: '*' });
    expect(verifyAuthToken(v6, KEY, request({ ip: 'fe80::1' }))).toEqual({ ok: true });
    expect(verifyAuthToken(v6, KEY, request({ ip: 'fe80::2' }))).toMatchObject({ failure: 'ip' });
    // Only a dotted IPv4 comes out of ::ffff:.
    const mapped = sdkToken({ ip: '::ffff:a00:1', expiration: 2_000_000_000, acl: '*' });
    expect(verifyAuthToken(mapped, KEY, request({ ip: '::ffff:a00:1' }))).toEqual({ ok: true });
    expect(verifyAuthToken(mapped, KEY, request({ ip: 'a00:1' }))).toMatchObject({ failure: 'ip' });
  });
});

describe('ACL', () => {
  const forAcl = (acl: string | string[]) => sdkToken({ expiration: 2_000_000_000, acl });
  const at = (path: string) => request({ paths: [path] });

  it.each([
    ['/image/*', '/image/authenticated/v1/sample.jpg', true],
    ['/image/*', '/image/', true],
    ['/image/*', '/image', false],
    ['/image/*', '/video/authenticated/v1/sample.mp4', false],
    ['/image/*', '/images/x', false],
    ['*', '/anything/at/all', true],
    ['/image/authenticated/v1/sample.jpg', '/image/authenticated/v1/sample.jpg', true],
    ['/image/authenticated/v1/sample.jpg', '/image/authenticated/v1/sample.jpgx', false],
    ['/image/authenticated/v1/sample.jpg', '/image/authenticated/v1/sample.jp', false],
    ['/image/authenticated/v1/sample.jpg', '/x/image/authenticated/v1/sample.jpg', false],
    ['/image/*/sample.jpg', '/image/authenticated/w_100/v1/sample.jpg', true],
    ['/image/*/sample.jpg', '/image/authenticated/v1/sample.png', false],
    ['/image/authenticated/other*', '/image/authenticated/v1/sample.jpg', false],
    ['/image/authenticated/other*', '/image/authenticated/other/sample.jpg', true],
    ['*.jpg', '/image/authenticated/v1/sample.jpg', true],
    ['*.jpg', '/image/authenticated/v1/sample.jpeg', false],
    ['/image/authenticated/my folder/*', '/image/authenticated/my%20folder/a.jpg', true],
    ['/image/authenticated/my%20folder/*', '/image/authenticated/my%20folder/a.jpg', true],
    ['/image/authenticated/caf\u00e9/*', '/image/authenticated/caf%C3%A9/a.jpg', true],
    ['/a?c', '/abc', false],
    ['/a?c', '/a%3Fc', true],
  ])('%s against %s: %s', (acl, path, ok) => {
    const verdict = verifyAuthToken(forAcl(acl), KEY, at(path));
    expect(verdict).toEqual(ok ? { ok: true } : { ok: false, failure: 'acl', message: `Token ACL does not cover ${path}` });
  });

  it('takes several ACLs (an array, joined with !) and any one of them covers', () => {
    const several = forAcl(['/video/*', '/image/authenticated/*']);
    expect(several).toContain('acl=%2fvideo%2f*!%2fimage%2fauthenticated%2f*~');
    expect(parseAuthToken(several)).toMatchObject({ ok: true, token: { acl: ['/video/*', '/image/authenticated/*'] } });
    expect(verifyAuthToken(several, KEY, at('/video/authenticated/a.mp4'))).toEqual({ ok: true });
    expect(verifyAuthToken(several, KEY, at('/image/authenticated/a.jpg'))).toEqual({ ok: true });
    expect(verifyAuthToken(several, KEY, at('/image/upload/a.jpg'))).toMatchObject({ failure: 'acl' });
    expect(verifyAuthToken(forAcl('/video/*!/image/*'), KEY, at('/image/upload/a.jpg'))).toEqual({ ok: true });
  });

  it('covers a request when it covers any of the forms of its path', () => {
    const token = forAcl('/image/authenticated/*');
    expect(verifyAuthToken(token, KEY, request())).toEqual({ ok: true });
    expect(verifyAuthToken(token, KEY, request({ paths: ['/demo/image/authenticated/v1/sample.jpg'] }))).toMatchObject({ failure: 'acl' });
    expect(verifyAuthToken(forAcl('/demo/image/*'), KEY, request())).toEqual({ ok: true });
  });

  it('names the first form of the path when none is covered', () => {
    expect(verifyAuthToken(forAcl('/video/*'), KEY, request())).toEqual({
      ok: false,
      failure: 'acl',
      message: 'Token ACL does not cover /demo/image/authenticated/v1/sample.jpg',
    });
  });

  it('leaves a path with broken escapes to its raw form', () => {
    expect(aclCovers(['/a/%zz'], '/a/%zz')).toBe(true);
    expect(aclCovers(['/a/*'], '/a/%ff')).toBe(true);
    expect(aclCovers(['/b/*'], '/a/%ff')).toBe(false);
  });
});

describe('globMatches', () => {
  it.each([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['**', 'abc', true],
    ['a', 'a', true],
    ['a', 'b', false],
    ['a*', 'a', true],
    ['a*', 'ba', false],
    ['*a', 'ba', true],
    ['*a', 'ab', false],
    ['a*b', 'ab', true],
    ['a*b', 'axxb', true],
    ['a*b', 'axxbx', false],
    ['a**b', 'ab', true],
    ['a*b*c', 'abbbc', true],
    ['a*b*c', 'acb', false],
    ['a*bc', 'abcbc', true],
    ['*/x', 'a/b/x', true],
    ['a*', 'A', false],
  ])('%j matches %j: %s', (pattern, text, expected) => {
    expect(globMatches(pattern, text)).toBe(expected);
  });

  it('takes no time on patterns that make backtracking matchers slow', () => {
    const text = 'a'.repeat(4000);
    const started = performance.now();
    expect(globMatches(`${'*a'.repeat(30)}b`, text)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('edges of a token text', () => {
  const HMAC = 'a'.repeat(64);

  it('names an unknown field, an empty one included, at most 32 characters of it', () => {
    expect(parseAuthToken(`=x~exp=1~hmac=${HMAC}`)).toEqual({ ok: false, message: expect.stringContaining('unknown field ""') });
    const long = 'f'.repeat(40);
    const parsed = parseAuthToken(`${long}=1~exp=1~hmac=${HMAC}`);
    expect(parsed).toEqual({ ok: false, message: expect.stringContaining(`unknown field "${'f'.repeat(32)}"`) });
    expect(parsed.ok === false && parsed.message.includes('f'.repeat(33))).toBe(false);
  });

  it('has no ip nor start time unless the token names them', () => {
    const parsed = parseAuthToken(`exp=1~hmac=${HMAC}`);
    expect(parsed.ok && Object.keys(parsed.token).sort()).toEqual(['expiration', 'hmac', 'signedFields']);
  });

  it('reads an empty quoted cookie value as empty', () => {
    expect(authTokensFromCookies('__cld_token__=""; other=1')).toEqual(['']);
    expect(authTokensFromCookies('__cld_token__="a"')).toEqual(['a']);
    expect(authTokensFromCookies('__cld_token__="')).toEqual(['"']);
  });
});

describe('URL tokens (no acl)', () => {
  const path = '/demo/image/authenticated/w_100/v1/a%20b/sample.jpg';
  const token = sdkToken({ url: path, expiration: 2_000_000_000 });

  it('signs the escaped path without carrying it', () => {
    expect(token).toMatch(/^exp=2000000000~hmac=[0-9a-f]{64}$/);
    expect(parseAuthToken(token)).toMatchObject({ ok: true, token: { signedFields: 'exp=2000000000' } });
    expect(parseAuthToken(token).ok && 'acl' in (parseAuthToken(token) as { token: object }).token).toBe(false);
  });

  it('is valid for its URL only, in whichever form of the path the URL was made for', () => {
    expect(verifyAuthToken(token, KEY, request({ paths: [path] }))).toEqual({ ok: true });
    expect(verifyAuthToken(token, KEY, request({ paths: ['/image/authenticated/x.jpg', path] }))).toEqual({ ok: true });
    expect(verifyAuthToken(token, KEY, request({ paths: [path.replace('w_100', 'w_200')] }))).toEqual({
      ok: false,
      failure: 'signature',
      message: 'Invalid token: the signature does not match this URL',
    });
    expect(verifyAuthToken(token, KEY, request({ paths: ['/demo/image/authenticated/w_100/v1/a b/sample.jpg'] }))).toMatchObject({
      failure: 'signature',
    });
    expect(verifyAuthToken(token, KEY, request({ paths: [] }))).toMatchObject({ failure: 'signature' });
    expect(verifyAuthToken(token, OTHER_KEY, request({ paths: [path] }))).toMatchObject({ failure: 'signature' });
  });

  it('still checks time and IP', () => {
    const bound = sdkToken({ url: path, ip: '10.0.0.1', start_time: 100, duration: 10 });
    expect(verifyAuthToken(bound, KEY, request({ paths: [path], now: 105 }))).toEqual({ ok: true });
    expect(verifyAuthToken(bound, KEY, request({ paths: [path], now: 111 }))).toMatchObject({ failure: 'expired' });
    expect(verifyAuthToken(bound, KEY, request({ paths: [path], now: 105, ip: '10.0.0.2' }))).toMatchObject({ failure: 'ip' });
  });

  it('is the token the SDK appends to a signed URL', () => {
    cloudinary.config({ cloud_name: 'demo', api_key: '1', api_secret: 'secret' });
    const url = new URL(
      cloudinary.url('a b/sample', {
        sign_url: true,
        type: 'authenticated',
        transformation: { width: 100 },
        format: 'jpg',
        secure: false,
        cname: 'localhost:3000',
        auth_token: { key: KEY, start_time: 1000, duration: 300 },
      }),
    );
    expect(url.pathname).toBe('/demo/image/authenticated/w_100/v1/a%20b/sample.jpg');
    expect(url.search).toMatch(/^\?__cld_token__=st=1000~exp=1300~hmac=[0-9a-f]{64}&_a=/);
    const sent = authTokenFromQuery(url.search.slice(1));
    expect(sent).toBeDefined();
    expect(verifyAuthToken(sent ?? '', KEY, request({ paths: [url.pathname], now: 1200 }))).toEqual({ ok: true });
  });

  it('verifies for any path the SDK signs (escaping as the SDK escapes)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (path) => {
        fc.pre(path.length > 0);
        const made = sdkToken({ url: path, expiration: 2_000_000_000 });
        expect(verifyAuthToken(made, KEY, request({ paths: [path] }))).toEqual({ ok: true });
        expect(verifyAuthToken(made, KEY, request({ paths: [`${path}x`] }))).toMatchObject({ failure: 'signature' });
      }),
      { numRuns: 200 },
    );
  });
});

describe('escapeAuthTokenText', () => {
  it.each([
    ['/image/*', '%2fimage%2f*'],
    ['a b', 'a%20b'],
    ['a%20b', 'a%2520b'],
    ['!*-_.()$,+', '!*-_.()$,+'],
    // The SDK's character class reads `\]` as `]`: a backslash stays as it is.
    ['\\', '\\'],
    [' "#%&\'/:;<=>?@[\\]^`{|}~', '%20%22%23%25%26%27%2f%3a%3b%3c%3d%3e%3f%40%5b\\%5d%5e%60%7b%7c%7d%7e'],
    ['caf\u00e9', 'caf\u00e9'],
    ['AZaz09', 'AZaz09'],
  ])('%j → %j', (text, escaped) => {
    expect(escapeAuthTokenText(text)).toBe(escaped);
  });

  it('escapes an ACL as the SDK does', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (acl) => {
        fc.pre(acl.length > 0 && !acl.includes('!'));
        const made = sdkToken({ acl, expiration: 7 });
        expect(made.startsWith(`exp=7~acl=${escapeAuthTokenText(acl)}~hmac=`)).toBe(true);
        // A pattern covers its own text (`*` matches itself too).
        expect(verifyAuthToken(made, KEY, request({ now: 7, paths: [acl] }))).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });
});

describe('malformed tokens', () => {
  const HMAC = 'a'.repeat(64);
  it.each([
    ['', 'empty'],
    ['exp=1', 'hmac is missing'],
    [`hmac=${HMAC}`, 'exp is missing'],
    [`st=1~hmac=${HMAC}`, 'exp is missing'],
    [`exp=abc~hmac=${HMAC}`, 'exp is not a number of seconds'],
    [`exp=-1~hmac=${HMAC}`, 'exp is not a number of seconds'],
    [`exp=1.5~hmac=${HMAC}`, 'exp is not a number of seconds'],
    [`exp=~hmac=${HMAC}`, 'exp is not a number of seconds'],
    [`exp=1234567890123~hmac=${HMAC}`, 'exp is not a number of seconds'],
    [`st=x~exp=1~hmac=${HMAC}`, 'st is not a number of seconds'],
    [`st=~exp=1~hmac=${HMAC}`, 'st is not a number of seconds'],
    [`ip=~exp=1~hmac=${HMAC}`, 'ip is empty'],
    [`exp=1~acl=~hmac=${HMAC}`, 'acl is empty'],
    [`exp=1~acl=%zz~hmac=${HMAC}`, 'acl is not valid percent-encoding'],
    [`exp=1~acl=%2fa!%ff~hmac=${HMAC}`, 'acl is not valid percent-encoding'],
    ['exp=1~hmac=zz', 'hmac is not 64 hexadecimal digits'],
    [`exp=1~hmac=${'a'.repeat(63)}`, 'hmac is not 64 hexadecimal digits'],
    [`exp=1~hmac=${'a'.repeat(65)}`, 'hmac is not 64 hexadecimal digits'],
    [`exp=1~hmac=${'g'.repeat(64)}`, 'hmac is not 64 hexadecimal digits'],
    [`exp=1~hmac=`, 'hmac is not 64 hexadecimal digits'],
    [`foo=1~exp=1~hmac=${HMAC}`, 'unknown field "foo"'],
    [`url=%2fa~exp=1~hmac=${HMAC}`, 'unknown field "url"'],
    [`exp~hmac=${HMAC}`, 'unknown field "exp"'],
    [`exp=1~~hmac=${HMAC}`, 'unknown field ""'],
    [`exp=1~ip=10.0.0.1~hmac=${HMAC}`, 'field ip repeated or out of place (the order is ip, st, exp, acl, hmac)'],
    [`acl=*~exp=1~hmac=${HMAC}`, 'field exp repeated or out of place'],
    [`exp=1~exp=2~hmac=${HMAC}`, 'field exp repeated or out of place'],
    [`exp=1~hmac=${HMAC}~acl=*`, 'field acl repeated or out of place'],
    [`exp=1~hmac=${HMAC}~hmac=${HMAC}`, 'field hmac repeated or out of place'],
    [`EXP=1~hmac=${HMAC}`, 'unknown field "EXP"'],
    [`exp=1~acl=${'a'.repeat(MAX_AUTH_TOKEN_LENGTH)}~hmac=${HMAC}`, `longer than ${MAX_AUTH_TOKEN_LENGTH} characters`],
    [`exp=1~acl=${'a'.repeat(MAX_AUTH_TOKEN_LENGTH + 1 - 'exp=1~acl=~hmac='.length - 64)}~hmac=${HMAC}`, 'longer than'],
  ])('%j: %s', (token, reason) => {
    const verdict = verifyAuthToken(token, KEY, request());
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.failure).toBe('malformed');
    expect(verdict.message.startsWith(`Invalid token: ${reason}`)).toBe(true);
  });

  it('reads every field a well-formed token may have, at the longest length allowed', () => {
    const full = signed('ip=10.0.0.1~st=1~exp=999999999999~acl=*');
    expect(parseAuthToken(full)).toMatchObject({ ok: true, token: { ip: '10.0.0.1', startTime: 1, expiration: 999999999999, acl: ['*'] } });
    expect(verifyAuthToken(full, KEY, request())).toEqual({ ok: true });
    const longest = signed(`exp=2000000000~acl=*!${'a'.repeat(MAX_AUTH_TOKEN_LENGTH - 'exp=2000000000~acl=*!~hmac='.length - 64)}`);
    expect(longest).toHaveLength(MAX_AUTH_TOKEN_LENGTH);
    expect(verifyAuthToken(longest, KEY, request())).toEqual({ ok: true });
  });

  it('signs the fields in the SDK order, not as sent', () => {
    // The same fields signed in another order do not verify (the order is part of what is signed).
    const reordered = `exp=2000000000~acl=*~hmac=${createHmac('sha256', Buffer.from(KEY, 'hex')).update('acl=*~exp=2000000000').digest('hex')}`;
    expect(verifyAuthToken(reordered, KEY, request())).toMatchObject({ failure: 'signature' });
  });
});

describe('authTokenFromQuery', () => {
  it.each([
    ['__cld_token__=exp=1~hmac=ab', 'exp=1~hmac=ab'],
    ['a=1&__cld_token__=exp=1~acl=%2fimage%2f*~hmac=ab&_a=BAMAROiw0', 'exp=1~acl=%2fimage%2f*~hmac=ab'],
    ['__cld_token__=exp=1~hmac=ab&__cld_token__=exp=2~hmac=cd', 'exp=1~hmac=ab'],
    ['x__cld_token__=exp=1~hmac=ab', undefined],
    ['__cld_token=exp=1~hmac=ab', undefined],
    ['', undefined],
    ['__cld_token__=', ''],
    // Fully percent-encoded, as a client that encodes the value writes it.
    ['__cld_token__=exp%3D1%7Eacl%3D%252fimage%252f*%7Ehmac%3Dab', 'exp=1~acl=%2fimage%2f*~hmac=ab'],
    ['__cld_token__=exp%3d1%7eacl%3d*%7ehmac%3dab', 'exp=1~acl=*~hmac=ab'],
    // The SDK leaves characters beyond ASCII unescaped; clients send them as UTF-8 escapes.
    ['__cld_token__=exp=1~acl=%2fcaf%C3%A9%2f*~hmac=ab', 'exp=1~acl=%2fcaf\u00e9%2f*~hmac=ab'],
    ['__cld_token__=exp=1~acl=%2fcaf%c3%a9%2f*~hmac=ab', 'exp=1~acl=%2fcaf\u00e9%2f*~hmac=ab'],
    ['__cld_token__=exp=1~acl=%ff~hmac=ab', 'exp=1~acl=%ff~hmac=ab'],
    ['__cld_token__=exp%3D1%7Eacl%3D%ff', 'exp%3D1%7Eacl%3D%ff'],
  ])('%j → %j', (query, token) => {
    expect(authTokenFromQuery(query)).toBe(token);
  });
});

describe('authTokensFromCookies', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['a=b', []],
    ['__cld_token__=exp=1~acl=%2f*~hmac=ab', ['exp=1~acl=%2f*~hmac=ab']],
    ['a=b; __cld_token__=exp=1~hmac=ab; c=d', ['exp=1~hmac=ab']],
    ['__cld_token__="exp=1~hmac=ab"', ['exp=1~hmac=ab']],
    ['__cld_token__="', ['"']],
    ['__cld_token__="exp=1~hmac=ab', ['"exp=1~hmac=ab']],
    ['__cld_token__=exp=1~hmac=ab"', ['exp=1~hmac=ab"']],
    [' __cld_token__ = exp=1~hmac=ab ;__cld_token__=exp=2~hmac=cd', ['exp=1~hmac=ab', 'exp=2~hmac=cd']],
    ['__cld_token__x=exp=1; x__cld_token__=exp=2; __cld_token__', []],
  ])('%j → %j', (header, tokens) => {
    expect(authTokensFromCookies(header)).toEqual(tokens);
  });
});

describe('token keys', () => {
  it.each([
    ['0'.repeat(32), true],
    ['aBcD'.repeat(8), true],
    ['f'.repeat(512), true],
    ['0'.repeat(30), false],
    ['0'.repeat(33), false],
    ['0'.repeat(514), false],
    [`${'0'.repeat(31)}g`, false],
    ['', false],
  ])('%j: %s', (key, valid) => {
    expect(isAuthTokenKey(key)).toBe(valid);
  });

  it('generates 32 random bytes in hex', () => {
    const key = generateAuthTokenKey();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(isAuthTokenKey(key)).toBe(true);
    expect(generateAuthTokenKey()).not.toBe(key);
  });
});

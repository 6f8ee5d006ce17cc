import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Token-authenticated delivery (issue 19 item 5, docs/token-auth.md): `__cld_token__` tokens as the
// official Node SDK's `auth_token` builds them, in the query and in a cookie, with the cloud's token
// key set through the CLI (`rendition auth-token-key`).

const MAIN = fileURLToPath(new URL('../apps/cli/bin/rendition.mjs', import.meta.url));
const JPEG = fixturePath('images/2569067123_aca715a2ee_o.jpg');

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let key: string;
let original: Buffer;

/** `rendition auth-token-key demo …` against the cluster's database, as an operator runs it. */
async function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, 'auth-token-key', ...args], {
    env: { ...(process.env as Record<string, string>), ...cluster.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stdout, stderr };
}

const keyOf = (stdout: string) => /^AUTH_TOKEN_KEY=(.*)$/m.exec(stdout)?.[1];

beforeAll(async () => {
  // Requests come from loopback: trusting it as a proxy lets a test name another client in X-Forwarded-For.
  cluster = await startTestCluster({ TRUST_PROXY: 'loopback' });
  cloudinary = sdkFor(cluster);
  const generated = await cli('demo', 'generate');
  expect(generated.code, generated.stderr).toBe(0);
  key = keyOf(generated.stdout) ?? '';
  expect(key).toMatch(/^[0-9a-f]{64}$/);
  await cloudinary.uploader.upload(JPEG, { public_id: 'locked/photo', type: 'authenticated' });
  original = await readFile(JPEG);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const now = () => Math.round(Date.now() / 1000);
const host = () => ({ secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false });

/** A delivery URL as the SDK signs it with `auth_token` (no `s--…--`: the token replaces it). */
function tokenUrl(publicId: string, authToken: Record<string, unknown>, options: Record<string, unknown> = {}): string {
  return cloudinary.url(publicId, { ...host(), type: 'authenticated', sign_url: true, format: 'jpg', auth_token: { key, ...authToken }, ...options });
}

/** The SDK's `utils.generate_auth_token` (what a site sets as its `__cld_token__` cookie). */
function cookieToken(options: Record<string, unknown>): string {
  return (cloudinary.utils as unknown as { generate_auth_token(options: Record<string, unknown>): string }).generate_auth_token({ key, ...options });
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** A refusal in Cloudinary's shape: the JSON error, repeated in X-Cld-Error. */
async function expectRefusal(url: string, status: number, message: RegExp, headers: Record<string, string> = {}) {
  const answer = await get(url, headers);
  expect(answer.status).toBe(status);
  expect(answer.headers.get('x-cld-error')).toMatch(message);
  expect(JSON.parse(answer.body.toString())).toEqual({ error: { message: expect.stringMatching(message) } });
}

describe('query tokens (sign_url with auth_token)', () => {
  it('deliver the authenticated original, only to its holder', async () => {
    const url = tokenUrl('locked/photo', { duration: 300 });
    expect(url).toMatch(/\/demo\/image\/authenticated\/v1\/locked\/photo\.jpg\?__cld_token__=exp=\d+~hmac=[0-9a-f]{64}$/);
    const answer = await get(url);
    expect(answer.status).toBe(200);
    expect(answer.body.equals(original)).toBe(true);
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    // Without the token (and without a signature) nothing is delivered.
    await expectRefusal(url.split('?')[0] ?? '', 401, /requires a signed URL/);
  });

  it('deliver a derivative the token was made for, and no other', async () => {
    const url = tokenUrl('locked/photo', { duration: 300 }, { width: 100, crop: 'scale' });
    expect(url).toContain('/image/authenticated/c_scale,w_100/v1/locked/photo.jpg?__cld_token__=');
    const answer = await get(url);
    expect(answer.status).toBe(200);
    expect(await sharp(answer.body).metadata()).toMatchObject({ format: 'jpeg', width: 100 });
    // A URL token signs its URL: moved onto another transformation it is refused.
    await expectRefusal(url.replace('w_100', 'w_120'), 403, /signature does not match this URL/);
  });

  it('keep the SDK analytics parameter after them', async () => {
    const url = tokenUrl('locked/photo', { duration: 300 }, { urlAnalytics: true, analytics: true });
    expect(url).toMatch(/\?__cld_token__=[^&]+&_a=/);
    expect((await get(url)).status).toBe(200);
  });

  it('are refused once expired, and before their start', async () => {
    await expectRefusal(tokenUrl('locked/photo', { start_time: now() - 600, duration: 60 }), 403, /^Token expired at \d+$/);
    await expectRefusal(tokenUrl('locked/photo', { start_time: now() + 600, duration: 60 }), 403, /^Token not valid before \d+$/);
    expect((await get(tokenUrl('locked/photo', { start_time: now() - 10, duration: 60 }))).status).toBe(200);
  });

  it('follow their ACL: a pattern that covers the path delivers, another is refused', async () => {
    await expectRefusal(tokenUrl('locked/photo', { duration: 300, acl: '/image/authenticated/other*' }), 403, /Token ACL does not cover/);
    const wildcard = await get(tokenUrl('locked/photo', { duration: 300, acl: '/image/*' }));
    expect(wildcard.status).toBe(200);
    expect(wildcard.body.equals(original)).toBe(true);
    // An ACL token is not tied to one URL: the same token serves a derivative.
    const derivative = await get(tokenUrl('locked/photo', { duration: 300, acl: '/image/authenticated/*' }, { width: 50, crop: 'scale' }));
    expect(derivative.status).toBe(200);
    expect(await sharp(derivative.body).metadata()).toMatchObject({ width: 50 });
    // Several ACLs, and the path with the cloud name.
    expect((await get(tokenUrl('locked/photo', { duration: 300, acl: ['/video/*', '/demo/image/authenticated/locked/*'] }))).status).toBe(403);
    expect((await get(tokenUrl('locked/photo', { duration: 300, acl: ['/video/*', '/demo/image/authenticated/v1/locked/*'] }))).status).toBe(200);
  });

  it('are refused when made with another key', async () => {
    const forged = tokenUrl('locked/photo', { duration: 300, key: 'ab'.repeat(32) });
    await expectRefusal(forged, 403, /^Invalid token: the signature does not match this URL$/);
    await expectRefusal(tokenUrl('locked/photo', { duration: 300, acl: '/*', key: 'ab'.repeat(32) }), 403, /signature does not match its fields/);
  });

  it('are refused when malformed', async () => {
    const base = tokenUrl('locked/photo', { duration: 300 }).split('?')[0] ?? '';
    await expectRefusal(`${base}?__cld_token__=exp=soon~hmac=00`, 403, /^Invalid token: exp is not a number of seconds$/);
    await expectRefusal(`${base}?__cld_token__=`, 403, /^Invalid token: empty$/);
  });

  it('bound to an IP address serve that client only (X-Forwarded-For from a trusted proxy names it)', async () => {
    expect((await get(tokenUrl('locked/photo', { duration: 300, ip: '127.0.0.1' }))).status).toBe(200);
    const elsewhere = tokenUrl('locked/photo', { duration: 300, ip: '10.9.8.7' });
    await expectRefusal(elsewhere, 403, /^Token is not valid for this IP address$/);
    expect((await get(elsewhere, { 'x-forwarded-for': '10.9.8.7' })).status).toBe(200);
    await expectRefusal(elsewhere, 403, /IP address/, { 'x-forwarded-for': '10.9.8.6' });
  });
});

describe('cookie tokens (__cld_token__ cookie)', () => {
  const plainUrl = () => cloudinary.url('locked/photo', { ...host(), type: 'authenticated', format: 'jpg' });

  it('deliver originals and derivatives their ACL covers', async () => {
    const cookie = cookieToken({ duration: 300, acl: '/image/authenticated/*' });
    expect(cookie).toMatch(/^__cld_token__=exp=\d+~acl=%2fimage%2fauthenticated%2f\*~hmac=[0-9a-f]{64}$/);
    const answer = await get(plainUrl(), { cookie: `theme=dark; ${cookie}` });
    expect(answer.status).toBe(200);
    expect(answer.body.equals(original)).toBe(true);
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    const derivative = await get(cloudinary.url('locked/photo', { ...host(), type: 'authenticated', format: 'jpg', width: 60, crop: 'scale' }), {
      cookie,
    });
    expect(derivative.status).toBe(200);
    expect(await sharp(derivative.body).metadata()).toMatchObject({ width: 60 });
  });

  it('are checked as query tokens are', async () => {
    await expectRefusal(plainUrl(), 403, /Token expired/, { cookie: cookieToken({ start_time: now() - 600, duration: 60, acl: '/*' }) });
    await expectRefusal(plainUrl(), 403, /Token ACL does not cover/, { cookie: cookieToken({ duration: 300, acl: '/video/*' }) });
    await expectRefusal(plainUrl(), 403, /signature/, { cookie: cookieToken({ duration: 300, acl: '/*', key: 'cd'.repeat(32) }) });
    // One cookie that verifies is enough (a browser sends one per path it was set for).
    const good = cookieToken({ duration: 300, acl: '/image/*' });
    const bad = cookieToken({ duration: 300, acl: '/video/*' });
    expect((await get(plainUrl(), { cookie: `${bad}; ${good}` })).status).toBe(200);
  });

  it('never stand in the way of a public asset or of a signed URL', async () => {
    const uploaded = await cloudinary.uploader.upload(JPEG, { public_id: 'open/photo' });
    const badCookie = cookieToken({ start_time: now() - 600, duration: 60, acl: '/*' });
    const open = await get(cloudinary.url('open/photo', { ...host(), format: 'jpg' }), { cookie: badCookie });
    expect(open.status).toBe(200);
    // A public answer keeps its public caching.
    expect(open.headers.get('cache-control')).not.toContain('private');
    expect(uploaded.type).toBe('upload');
    const signed = await get(cloudinary.url('locked/photo', { ...host(), type: 'authenticated', format: 'jpg', sign_url: true }), {
      cookie: badCookie,
    });
    expect(signed.status).toBe(200);
  });

  it('open an access_control restricted asset (access_type token)', async () => {
    await cloudinary.uploader.upload(JPEG, { public_id: 'restricted/photo', access_control: [{ access_type: 'token' }] });
    const url = cloudinary.url('restricted/photo', { ...host(), format: 'jpg' });
    await expectRefusal(url, 401, /access_control/);
    expect((await get(url, { cookie: cookieToken({ duration: 300, acl: '/image/upload/*' }) })).status).toBe(200);
    // A token that does not verify is passed over on a public URL: the asset's own refusal answers.
    await expectRefusal(url, 401, /access_control/, { cookie: cookieToken({ duration: 300, acl: '/video/*' }) });
  });
});

describe('the token key (rendition auth-token-key)', () => {
  it('shows the key, refuses one that is no hex key, and takes a key given', async () => {
    expect(keyOf((await cli('demo', 'show')).stdout)).toBe(key);
    for (const args of [['demo', 'set', 'abc'], ['demo', 'set', 'zz'.repeat(16)], ['demo', 'set'], ['demo', 'rotate'], ['Demo!', 'show'], ['demo']]) {
      const refused = await cli(...args);
      expect(refused.code, args.join(' ')).toBe(2);
      expect(refused.stderr).toContain('Usage: rendition auth-token-key');
    }
    const given = 'AB'.repeat(16);
    const set = await cli('demo', 'set', given);
    expect(set.code).toBe(0);
    expect(keyOf(set.stdout)).toBe(given.toLowerCase());
    expect((await get(tokenUrl('locked/photo', { duration: 300, key: given }))).status).toBe(200);
    await expectRefusal(tokenUrl('locked/photo', { duration: 300 }), 403, /signature/);
    key = given.toLowerCase();
  });

  it('cleared, leaves tokens unread: an authenticated asset then wants a signature', async () => {
    const url = tokenUrl('locked/photo', { duration: 300 });
    const cleared = await cli('demo', 'clear');
    expect(cleared.code).toBe(0);
    expect(keyOf(cleared.stdout)).toBe('');
    await expectRefusal(url, 401, /takes no tokens/);
    expect((await get(cloudinary.url('locked/photo', { ...host(), type: 'authenticated', format: 'jpg', sign_url: true }))).status).toBe(200);
  });
});

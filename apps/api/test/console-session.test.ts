import { describe, expect, it } from 'vitest';
import type { ApiCredentials } from '@rendition/catalog';
import { clearedSessionCookie, readCookie, sessionCookie } from '../src/console/cookies.ts';
import { checkLogin } from '../src/console/login.ts';
import { issueSession, SESSION_LIFETIME_SECONDS, sessionMac, verifySession, type FindApiKey } from '../src/console/session.ts';

// The console's stateless session cookie: what it carries, what invalidates it, how it is sent.

const demo: ApiCredentials = { cloudName: 'demo', apiKey: '123456789012345', apiSecret: 'secret-of-demo' };
const keys = new Map([[demo.apiKey, demo]]);
const lookup: FindApiKey = async (apiKey) => keys.get(apiKey);
const now = 1_800_000_000;

const decodePayload = (value: string) => JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('session cookie value', () => {
  it('carries the key, the cloud and an 8-hour expiry, signed with the key secret', async () => {
    const value = issueSession(demo, now);
    expect(decodePayload(value)).toEqual({ k: demo.apiKey, c: 'demo', exp: now + SESSION_LIFETIME_SECONDS });
    const [payload, mac] = value.split('.');
    expect(mac).toBe(sessionMac(demo.apiSecret, payload!));
    const session = await verifySession(value, lookup, now + 60);
    expect(session).toMatchObject({ credentials: demo, payload, expiresAt: now + 8 * 3600 });
  });

  it('expires', async () => {
    const value = issueSession(demo, now);
    expect(await verifySession(value, lookup, now + SESSION_LIFETIME_SECONDS - 1)).toBeDefined();
    expect(await verifySession(value, lookup, now + SESSION_LIFETIME_SECONDS)).toBeUndefined();
  });

  it('refuses a tampered payload, a forged or truncated MAC, and garbage', async () => {
    const value = issueSession(demo, now);
    const [payload, mac] = value.split('.') as [string, string];
    const longer = Buffer.from(JSON.stringify({ k: demo.apiKey, c: 'demo', exp: now + 10 * SESSION_LIFETIME_SECONDS })).toString('base64url');
    expect(await verifySession(`${longer}.${mac}`, lookup, now)).toBeUndefined();
    expect(await verifySession(`${payload}.${sessionMac('another secret', payload)}`, lookup, now)).toBeUndefined();
    expect(await verifySession(`${payload}.${mac.slice(0, -1)}`, lookup, now)).toBeUndefined();
    expect(await verifySession(`${payload}.${mac}.x`, lookup, now)).toBeUndefined();
    for (const garbage of ['', '.', 'abc', 'abc.', `.${mac}`, `%%%.${mac}`, `${Buffer.from('[1]').toString('base64url')}.${mac}`]) {
      expect(await verifySession(garbage, lookup, now), garbage).toBeUndefined();
    }
    expect(await verifySession(undefined, lookup, now)).toBeUndefined();
  });

  it('ends when the key is deleted, its secret rotated, or it belongs to another cloud now', async () => {
    const value = issueSession(demo, now);
    expect(await verifySession(value, async () => undefined, now)).toBeUndefined();
    expect(await verifySession(value, async () => ({ ...demo, apiSecret: 'rotated' }), now)).toBeUndefined();
    expect(await verifySession(value, async () => ({ ...demo, cloudName: 'other' }), now)).toBeUndefined();
  });

  it('signs the cloud too: a payload naming another cloud does not verify with the right MAC of the original', async () => {
    const value = issueSession(demo, now);
    const mac = value.split('.')[1]!;
    const otherCloud = Buffer.from(JSON.stringify({ k: demo.apiKey, c: 'other', exp: now + 100 })).toString('base64url');
    expect(await verifySession(`${otherCloud}.${mac}`, async () => ({ ...demo, cloudName: 'other' }), now)).toBeUndefined();
  });
});

describe('cookie headers', () => {
  it('is HttpOnly, SameSite=Strict, Path=/console, and Secure only over https', () => {
    const plain = sessionCookie('v.m', { secure: false });
    expect(plain).toBe(`rendition_console=v.m; Max-Age=${8 * 3600}; Path=/console; HttpOnly; SameSite=Strict`);
    expect(sessionCookie('v.m', { secure: true })).toMatch(/; Secure$/);
    expect(clearedSessionCookie({ secure: false })).toBe('rendition_console=; Max-Age=0; Path=/console; HttpOnly; SameSite=Strict');
  });

  it('reads one cookie among several', () => {
    expect(readCookie('a=1; rendition_console=p.m; b=2', 'rendition_console')).toBe('p.m');
    expect(readCookie('rendition_consolex=1; rendition_console=p.m', 'rendition_console')).toBe('p.m');
    expect(readCookie('a=1', 'rendition_console')).toBeUndefined();
    expect(readCookie(undefined, 'rendition_console')).toBeUndefined();
  });
});

describe('login check', () => {
  it('accepts the key with its secret only', async () => {
    expect(await checkLogin(lookup, demo.apiKey, demo.apiSecret)).toEqual(demo);
    expect(await checkLogin(lookup, demo.apiKey, 'wrong')).toBeUndefined();
    expect(await checkLogin(lookup, demo.apiKey, `${demo.apiSecret}x`)).toBeUndefined();
    expect(await checkLogin(lookup, 'unknown', demo.apiSecret)).toBeUndefined();
    expect(await checkLogin(lookup, demo.apiKey, '')).toBeUndefined();
    expect(await checkLogin(lookup, '', '')).toBeUndefined();
  });
});

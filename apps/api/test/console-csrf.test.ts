import { describe, expect, it } from 'vitest';
import { csrfToken, csrfTokenValid, originAllowed } from '../src/console/csrf.ts';
import { sessionMac } from '../src/console/session.ts';

// The decision endpoint's CSRF token and Origin check.

describe('CSRF token', () => {
  const payload = Buffer.from(JSON.stringify({ k: 'key', c: 'demo', exp: 1 })).toString('base64url');

  it('is an HMAC of the session payload with the key secret, distinct from the cookie MAC', () => {
    const token = csrfToken('secret', payload);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).toBe(csrfToken('secret', payload));
    expect(token).not.toBe(sessionMac('secret', payload));
    expect(token).not.toBe(csrfToken('secret', `${payload}x`));
    expect(token).not.toBe(csrfToken('another', payload));
  });

  it('verifies only the exact token', () => {
    const token = csrfToken('secret', payload);
    expect(csrfTokenValid('secret', payload, token)).toBe(true);
    expect(csrfTokenValid('secret', payload, undefined)).toBe(false);
    expect(csrfTokenValid('secret', payload, '')).toBe(false);
    expect(csrfTokenValid('secret', payload, token.slice(1))).toBe(false);
    expect(csrfTokenValid('secret', payload, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(csrfTokenValid('secret', `${payload}x`, token)).toBe(false);
  });
});

describe('Origin check', () => {
  it('lets a request without Origin through to the token check', () => {
    expect(originAllowed(undefined, 'localhost:8080')).toBe(true);
  });

  it('accepts this host only', () => {
    expect(originAllowed('http://localhost:8080', 'localhost:8080')).toBe(true);
    expect(originAllowed('https://media.example.com', 'media.example.com')).toBe(true);
    expect(originAllowed('https://media.example.com', 'MEDIA.example.com')).toBe(true);
    expect(originAllowed('https://media.example.com:443', 'media.example.com')).toBe(true);
    expect(originAllowed('http://localhost:8081', 'localhost:8080')).toBe(false);
    expect(originAllowed('https://evil.example', 'media.example.com')).toBe(false);
    expect(originAllowed('https://media.example.com.evil.example', 'media.example.com')).toBe(false);
    expect(originAllowed('null', 'localhost:8080')).toBe(false);
    expect(originAllowed('http://localhost:8080', undefined)).toBe(false);
  });
});

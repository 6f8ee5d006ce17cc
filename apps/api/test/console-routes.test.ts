import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiCredentials, CatalogDb } from '@rendition/catalog';
import { ApiError, type RawParams } from '@rendition/protocol';
import { installBodyGuard } from '../src/body-guard.ts';
import { installErrorHandling } from '../src/error-handler.ts';
import { registerConsoleRoutesWith } from '../src/console/index.ts';
import { csrfToken } from '../src/console/csrf.ts';
import type { ConsoleServices } from '../src/console/services.ts';
import { issueSession } from '../src/console/session.ts';

// The console's routes in a server built like the API's (error handling, body guard), with the
// catalog and the Admin API's moderation functions replaced by fakes.

const demo: ApiCredentials = { cloudName: 'demo', apiKey: '111122223333444', apiSecret: 'demo-secret' };
const NOW = 1_800_000_000;
const CSP =
  "default-src 'none'; img-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

interface Fakes {
  listed: Array<{ path: unknown; params: RawParams }>;
  decided: Array<{ caller: unknown; path: unknown; params: RawParams }>;
  listing: () => Promise<Record<string, unknown>>;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function consoleApp(listing?: Fakes['listing']): Promise<{ app: FastifyInstance; fakes: Fakes }> {
  const fakes: Fakes = {
    listed: [],
    decided: [],
    listing:
      listing ??
      (async () => ({
        resources: [
          {
            public_id: 'a',
            resource_type: 'image',
            type: 'upload',
            version: 1,
            format: 'png',
            moderation_kind: 'manual',
            moderation_status: 'pending',
          },
        ],
        next_cursor: 'cursor-2',
      })),
  };
  const services: ConsoleServices = {
    findApiKey: async (apiKey) => (apiKey === demo.apiKey ? demo : undefined),
    listByModeration: async (_caller, path, params) => {
      fakes.listed.push({ path, params });
      return fakes.listing();
    },
    decide: async (caller, path, params) => {
      fakes.decided.push({ caller, path, params });
      return { public_id: path.publicId, moderation: [{ kind: 'manual', status: params.moderation_status }] };
    },
    preview: async (cloudName, _request, reply, urlPath) => reply.type('text/plain').send(`${cloudName} ${urlPath}`),
    now: () => NOW,
  };
  const app = Fastify();
  apps.push(app);
  installErrorHandling(app, { maxUploadBytes: 1_000_000, maxFieldsTotalBytes: 1024 * 1024 });
  const limits = { maxUploadBytes: 1_000_000, maxDataUriBytes: 1_000_000, maxFieldBytes: 64 * 1024, maxFieldsTotalBytes: 1024 * 1024 };
  installBodyGuard(app, { db: {} as CatalogDb, limits });
  registerConsoleRoutesWith(app, services);
  await app.ready();
  return { app, fakes };
}

const session = issueSession(demo, NOW - 60);
const cookie = `rendition_console=${session}`;
const token = csrfToken(demo.apiSecret, session.split('.')[0]!);
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  expect(headers['content-security-policy']).toBe(CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['cache-control']).toBe('no-store');
}

describe('signing in', () => {
  it('sends an unauthenticated visitor to the login page with a 303', async () => {
    const { app } = await consoleApp();
    for (const url of ['/console/moderation', '/console/moderation?kind=duplicate']) {
      const reply = await app.inject({ url });
      expect(reply.statusCode).toBe(303);
      expect(reply.headers.location).toBe('/console/login');
      expectSecurityHeaders(reply.headers);
    }
    const tampered = await app.inject({ url: '/console/moderation', headers: { cookie: `${cookie}x` } });
    expect(tampered.headers.location).toBe('/console/login');
    expect((await app.inject({ url: '/console' })).headers.location).toBe('/console/moderation');
  });

  it('shows the login form with the security headers', async () => {
    const { app } = await consoleApp();
    const reply = await app.inject({ url: '/console/login' });
    expect(reply.statusCode).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(reply.headers);
    expect(reply.body).toContain('name="api_key"');
    expect(reply.body).toContain('name="api_secret"');
    expect((await app.inject({ url: '/console/login', headers: { cookie } })).headers.location).toBe('/console/moderation');
  });

  it('refuses a wrong secret or an unknown key with the form again, and no cookie', async () => {
    const { app } = await consoleApp();
    const attempts: Array<Record<string, string>> = [
      { api_key: demo.apiKey, api_secret: 'wrong' },
      { api_key: 'unknown', api_secret: demo.apiSecret },
      { api_key: demo.apiKey },
    ];
    for (const fields of attempts) {
      const reply = await app.inject({ method: 'POST', url: '/console/login', headers: { 'content-type': FORM }, payload: form(fields) });
      expect(reply.statusCode).toBe(401);
      expect(reply.headers['set-cookie']).toBeUndefined();
      expect(reply.body).toContain('Unknown API key or wrong secret.');
      expectSecurityHeaders(reply.headers);
    }
  });

  it('sets the session cookie and redirects to the review page', async () => {
    const { app } = await consoleApp();
    const reply = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': FORM, origin: 'http://localhost:80', host: 'localhost:80' },
      payload: form({ api_key: demo.apiKey, api_secret: demo.apiSecret }),
    });
    expect(reply.statusCode).toBe(303);
    expect(reply.headers.location).toBe('/console/moderation');
    expect(reply.headers['set-cookie']).toBe(`rendition_console=${issueSession(demo, NOW)}; Max-Age=28800; Path=/console; HttpOnly; SameSite=Strict`);
    const overHttps = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': FORM, 'x-forwarded-proto': 'https' },
      payload: form({ api_key: demo.apiKey, api_secret: demo.apiSecret }),
    });
    expect(overHttps.headers['set-cookie']).toMatch(/; Secure$/);
  });

  it('refuses a login posted from another origin', async () => {
    const { app } = await consoleApp();
    const reply = await app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': FORM, origin: 'https://evil.example', host: 'localhost' },
      payload: form({ api_key: demo.apiKey, api_secret: demo.apiSecret }),
    });
    expect(reply.statusCode).toBe(403);
    expect(reply.json()).toEqual({ error: { message: 'Cross-origin request refused' } });
    expect(reply.headers['set-cookie']).toBeUndefined();
  });

  it('signs out by clearing the cookie', async () => {
    const { app } = await consoleApp();
    const reply = await app.inject({ method: 'POST', url: '/console/logout', headers: { cookie } });
    expect(reply.statusCode).toBe(303);
    expect(reply.headers.location).toBe('/console/login');
    expect(reply.headers['set-cookie']).toBe('rendition_console=; Max-Age=0; Path=/console; HttpOnly; SameSite=Strict');
  });
});

describe('the review page', () => {
  it('lists the filtered queue through the Admin API function, with the CSRF token in a meta tag', async () => {
    const { app, fakes } = await consoleApp();
    const reply = await app.inject({
      url: '/console/moderation?resource_type=video&kind=aws_rek_video&status=rejected&next_cursor=c1',
      headers: { cookie },
    });
    expect(reply.statusCode).toBe(200);
    expectSecurityHeaders(reply.headers);
    expect(fakes.listed).toEqual([
      { path: { resourceType: 'video', kind: 'aws_rek_video', status: 'rejected' }, params: { max_results: '24', next_cursor: 'c1' } },
    ]);
    expect(reply.body).toContain(`<meta name="csrf-token" content="${token}">`);
    expect(reply.body).toContain('data-public-id="a"');
    expect(reply.body).toContain('next_cursor=cursor-2');
  });

  it('shows a listing the API refused on the page, and lets failures reach the error handler', async () => {
    const refused = await consoleApp(async () => {
      throw new ApiError(400, 'Invalid next_cursor <x>');
    });
    const reply = await refused.app.inject({ url: '/console/moderation', headers: { cookie } });
    expect(reply.statusCode).toBe(400);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('Invalid next_cursor &lt;x&gt;');

    const failing = await consoleApp(async () => {
      throw new Error('database gone');
    });
    const failed = await failing.app.inject({ url: '/console/moderation', headers: { cookie } });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({ error: { message: 'Internal server error' } });
    expectSecurityHeaders(failed.headers);
  });

  it('serves thumbnails only to a session, for its own cloud, through the preview service', async () => {
    const { app } = await consoleApp();
    const path = '/demo/image/upload/s--abcdefgh--/c_fill,w_200,h_200/v1/a.png';
    const anonymous = await app.inject({ url: `/console/preview${path}` });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ error: { message: 'Not signed in to the console' } });
    const signedIn = await app.inject({ url: `/console/preview${path}?x=1`, headers: { cookie } });
    expect(signedIn.statusCode).toBe(200);
    expect(signedIn.body).toBe(`demo ${path}`);
    expectSecurityHeaders(signedIn.headers);
  });

  it('serves its script and stylesheet under the same policy', async () => {
    const { app } = await consoleApp();
    const script = await app.inject({ url: '/console/assets/console.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('x-csrf-token');
    expectSecurityHeaders(script.headers);
    const style = await app.inject({ url: '/console/assets/console.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });
});

describe('decisions', () => {
  const decision = { public_id: 'folder/a', resource_type: 'image', type: 'upload', status: 'approved' };

  it('refuses a decision without the CSRF token, with a wrong one, or from another origin: 403 JSON', async () => {
    const { app, fakes } = await consoleApp();
    const attempts = [
      { headers: { cookie } },
      { headers: { cookie, 'x-csrf-token': `${token}x` } },
      { headers: { cookie, 'x-csrf-token': csrfToken('another secret', session.split('.')[0]!) } },
      { headers: { cookie, 'x-csrf-token': token, origin: 'https://evil.example', host: 'localhost' } },
    ];
    for (const attempt of attempts) {
      const reply = await app.inject({ method: 'POST', url: '/console/moderation/decide', headers: attempt.headers, payload: decision });
      expect(reply.statusCode).toBe(403);
      expect(reply.json().error.message).toMatch(/CSRF|Cross-origin/);
      expectSecurityHeaders(reply.headers);
    }
    const formWithoutToken = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'content-type': FORM },
      payload: form(decision),
    });
    expect(formWithoutToken.statusCode).toBe(403);
    expect(fakes.decided).toEqual([]);
  });

  it('decides with the token in a header (JSON) and answers the resource', async () => {
    const { app, fakes } = await consoleApp();
    const reply = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'x-csrf-token': token, origin: 'http://localhost', host: 'localhost' },
      payload: decision,
    });
    expect(reply.statusCode).toBe(200);
    expect(reply.json()).toEqual({ public_id: 'folder/a', moderation: [{ kind: 'manual', status: 'approved' }] });
    expect(fakes.decided).toEqual([
      {
        caller: { cloudName: 'demo', apiSecret: demo.apiSecret, apiKey: demo.apiKey },
        path: { resourceType: 'image', type: 'upload', publicId: 'folder/a' },
        params: { moderation_status: 'approved' },
      },
    ]);
  });

  it('decides from the no-script form (token in a field) and goes back to the same page', async () => {
    const { app, fakes } = await consoleApp();
    const reply = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'content-type': FORM },
      payload: form({ ...decision, status: 'rejected', csrf_token: token, back: '/console/moderation?kind=duplicate&next_cursor=c2&x=//evil' }),
    });
    expect(reply.statusCode).toBe(303);
    expect(reply.headers.location).toBe('/console/moderation?resource_type=image&kind=duplicate&status=pending&next_cursor=c2');
    expect(fakes.decided[0]?.params).toEqual({ moderation_status: 'rejected' });
    const offsite = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'content-type': FORM },
      payload: form({ ...decision, csrf_token: token, back: 'https://evil.example/' }),
    });
    expect(offsite.headers.location).toBe('/console/moderation?resource_type=image&kind=manual&status=pending');
  });

  it('refuses other statuses and a missing public_id', async () => {
    const { app, fakes } = await consoleApp();
    for (const payload of [
      { ...decision, status: 'pending' },
      { ...decision, status: undefined },
      { ...decision, public_id: '' },
    ]) {
      const reply = await app.inject({ method: 'POST', url: '/console/moderation/decide', headers: { cookie, 'x-csrf-token': token }, payload });
      expect(reply.statusCode).toBe(400);
    }
    expect(fakes.decided).toEqual([]);
  });

  it('answers 401 JSON without a session, or sends a form back to the login page', async () => {
    const { app } = await consoleApp();
    const json = await app.inject({ method: 'POST', url: '/console/moderation/decide', headers: { 'x-csrf-token': token }, payload: decision });
    expect(json.statusCode).toBe(401);
    expect(json.json()).toEqual({ error: { message: 'Not signed in to the console' } });
    const formReply = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { 'content-type': FORM },
      payload: form(decision),
    });
    expect(formReply.statusCode).toBe(303);
    expect(formReply.headers.location).toBe('/console/login');
  });

  it('reads bodies within the console limits only, urlencoded or JSON', async () => {
    const { app } = await consoleApp();
    const large = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'x-csrf-token': token, 'content-type': 'application/json' },
      payload: JSON.stringify({ ...decision, padding: 'x'.repeat(20_000) }),
    });
    expect(large.statusCode).toBe(413);
    const field = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'content-type': FORM },
      payload: form({ ...decision, csrf_token: token, public_id: 'x'.repeat(9_000) }),
    });
    expect(field.statusCode).toBe(400);
    const multipart = await app.inject({
      method: 'POST',
      url: '/console/moderation/decide',
      headers: { cookie, 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x--\r\n',
    });
    expect(multipart.statusCode).toBe(400);
  });
});

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, findAsset, type ApiCredentials } from '@rendition/catalog';
import { fixturePath } from '@rendition/testing';
import { jsonReply, type Json, type JsonReply } from './support/json-reply.ts';
import { basicAuthHeader, signedFields, signParamsForTest } from './support/signed-form.ts';
import { startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The Upload API's authentication as a plain HTTP client (curl, a hand-written integration) meets it:
// Basic auth, signed parameters in all three body encodings, and every refusal's exact status and text.

const PNG_BYTES = readFileSync(fixturePath('images/embedgravitybird.png'));
const PNG_DATA_URI = `data:image/png;base64,${PNG_BYTES.toString('base64')}`;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
const nowSeconds = () => Math.floor(Date.now() / 1000);

let cluster: TestCluster;
let credentials: ApiCredentials;

beforeAll(async () => {
  cluster = await startTestCluster();
  credentials = cluster.credentials;
});

afterAll(async () => {
  await cluster?.stop();
});

function uploadUrl(path = 'image/upload', cloud = 'demo'): string {
  return `${cluster.baseUrl}/v1_1/${cloud}/${path}`;
}

function multipart(fields: Record<string, string>, file: Buffer | undefined = PNG_BYTES): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file) form.append('file', new Blob([file], { type: 'image/png' }), 'bird.png');
  return form;
}

type Reply = JsonReply & { cldError?: string | null };

async function send(url: string, init: RequestInit): Promise<Reply> {
  const response = await fetch(url, { method: 'POST', ...init });
  const cldError = response.headers.get('x-cld-error');
  return { ...(await jsonReply(response)), cldError };
}

async function expectError(result: Promise<Reply>, status: number, message: string | RegExp): Promise<string> {
  const { status: actual, body, contentType, cldError } = await result;
  expect({ status: actual, body }).toMatchObject({ status, body: { error: { message: expect.any(String) } } });
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error as Json)).toEqual(['message']);
  const text = (body.error as { message: string }).message;
  if (typeof message === 'string') expect(text).toBe(message);
  else expect(text).toMatch(message);
  expect(contentType).toMatch(/^application\/json/);
  // Cloudinary mirrors the reason in X-Cld-Error; every message here is plain ASCII.
  if (cldError !== undefined) expect(cldError).toBe(text);
  return text;
}

async function expectNoAsset(publicId: string, type = 'upload'): Promise<void> {
  const asset = await findAsset(cluster.cluster.services.db, { cloudName: 'demo', resourceType: 'image', type, publicId });
  expect(asset).toBeUndefined();
}

/** Signature version 1: no `&` escaping inside pairs (older SDKs, other languages). */
function signV1(params: Record<string, string>, secret: string): string {
  const toSign = Object.keys(params)
    .sort()
    .map((key) => `${key}=${params[key]}`)
    .join('&');
  return sha1(toSign + secret);
}

describe('Basic authentication', () => {
  it('uploads a multipart file with Authorization: Basic', async () => {
    const { status, body } = await send(uploadUrl(), {
      headers: { authorization: basicAuthHeader(credentials) },
      body: multipart({ public_id: 'auth/basic' }),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      public_id: 'auth/basic',
      width: 576,
      height: 384,
      format: 'png',
      resource_type: 'image',
      type: 'upload',
      bytes: PNG_BYTES.length,
      etag: md5(PNG_BYTES),
      api_key: credentials.apiKey,
      original_filename: 'bird',
    });
    expect(body.signature).toBe(sha1(`public_id=auth/basic&version=${body.version as number}${credentials.apiSecret}`));
    const delivered = await fetch(body.secure_url as string);
    expect(delivered.status).toBe(200);
    expect(Buffer.from(await delivered.arrayBuffer()).equals(PNG_BYTES)).toBe(true);
  });

  it('refuses a wrong secret with 401 api_secret mismatch', async () => {
    const wrong = { ...credentials, apiSecret: `${credentials.apiSecret}x` };
    await expectError(
      send(uploadUrl(), { headers: { authorization: basicAuthHeader(wrong) }, body: multipart({ public_id: 'auth/basic-wrong-secret' }) }),
      401,
      'api_secret mismatch',
    );
    await expectNoAsset('auth/basic-wrong-secret');
  });

  it('checks a header it has seen against the key as it is now: a changed secret refuses it, a wrong one stays refused', async () => {
    // The API's own database handle: its writes empty this process's settings cache at once.
    const db = cluster.cluster.services.db;
    const key = await createApiKey(db, 'demo');
    const header = basicAuthHeader(key);
    const upload = (publicId: string) => send(uploadUrl(), { headers: { authorization: header }, body: multipart({ public_id: publicId }) });
    expect((await upload('auth/rotating-before')).status).toBe(200);
    await db
      .updateTable('api_keys')
      .set({ api_secret: `${key.apiSecret.slice(0, -1)}${key.apiSecret.endsWith('z') ? 'y' : 'z'}` })
      .where('api_key', '=', key.apiKey)
      .execute();
    await expectError(upload('auth/rotating-after'), 401, 'api_secret mismatch');
    await expectError(upload('auth/rotating-again'), 401, 'api_secret mismatch');
    await expectNoAsset('auth/rotating-after');
    await db.updateTable('api_keys').set({ api_secret: key.apiSecret }).where('api_key', '=', key.apiKey).execute();
    expect((await upload('auth/rotating-restored')).status).toBe(200);
  });

  it('refuses a malformed Basic header', async () => {
    const header = `Basic ${Buffer.from('no-colon-here').toString('base64')}`;
    await expectError(
      send(uploadUrl(), { headers: { authorization: header }, body: multipart({ public_id: 'auth/basic-malformed' }) }),
      401,
      'Invalid Basic authorization header',
    );
    await expectNoAsset('auth/basic-malformed');
  });

  it('refuses an unknown key with 401 Unknown API key', async () => {
    const unknown = { ...credentials, apiKey: '999999999999999' };
    await expectError(
      send(uploadUrl(), { headers: { authorization: basicAuthHeader(unknown) }, body: multipart({ public_id: 'auth/basic-unknown-key' }) }),
      401,
      'Unknown API key 999999999999999',
    );
    await expectNoAsset('auth/basic-unknown-key');
  });
});

describe('signed parameters', () => {
  it('accepts a SHA-1 signature with a multipart body', async () => {
    const fields = signedFields({ public_id: 'auth/signed-multipart', tags: 'a,b' }, credentials);
    expect(fields.signature).toMatch(/^[0-9a-f]{40}$/);
    const { status, body } = await send(uploadUrl(), { body: multipart(fields) });
    expect(status).toBe(200);
    expect(body).toMatchObject({ public_id: 'auth/signed-multipart', tags: ['a', 'b'], width: 576, api_key: credentials.apiKey });
  });

  it('accepts a signed application/x-www-form-urlencoded body with the file as a data URI', async () => {
    const fields = signedFields({ public_id: 'auth/signed-urlencoded' }, credentials);
    const { status, body } = await send(uploadUrl(), { body: new URLSearchParams({ ...fields, file: PNG_DATA_URI }) });
    expect(status).toBe(200);
    expect(body).toMatchObject({ public_id: 'auth/signed-urlencoded', width: 576, height: 384, bytes: PNG_BYTES.length, etag: md5(PNG_BYTES) });
  });

  it('accepts a signed application/json body', async () => {
    const fields = signedFields({ public_id: 'auth/signed-json', context: 'alt=json' }, credentials);
    const { status, body } = await send(uploadUrl(), {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...fields, file: PNG_DATA_URI }),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ public_id: 'auth/signed-json', context: { custom: { alt: 'json' } }, etag: md5(PNG_BYTES) });
  });

  it('accepts a SHA-256 signature (64 hex digits)', async () => {
    const fields = signedFields({ public_id: 'auth/signed-sha256' }, credentials, 'sha256');
    expect(fields.signature).toMatch(/^[0-9a-f]{64}$/);
    const { status, body } = await send(uploadUrl(), { body: multipart(fields) });
    expect(status).toBe(200);
    expect(body.public_id).toBe('auth/signed-sha256');
  });

  it('accepts only the v2 signature when a value contains & (v1 would let & smuggle parameters)', async () => {
    const params = { context: 'a=1&2', public_id: 'auth/amp', timestamp: String(nowSeconds()) };
    const v1 = signV1(params, credentials.apiSecret);
    const v2 = signParamsForTest(params, credentials);
    // The two forms differ only because of the `&`: otherwise this would not test both.
    expect(v1).not.toBe(v2);
    await expectError(
      send(uploadUrl(), { body: new URLSearchParams({ ...params, api_key: credentials.apiKey, signature: v1, file: PNG_DATA_URI }) }),
      401,
      `Invalid Signature ${v1}. String to sign - 'context=a=1%262&public_id=auth/amp&timestamp=${params.timestamp}'.`,
    );
    await expectNoAsset('auth/amp');
    const { status, body } = await send(uploadUrl(), {
      body: new URLSearchParams({ ...params, api_key: credentials.apiKey, signature: v2, file: PNG_DATA_URI }),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ public_id: 'auth/amp', context: { custom: { a: '1&2' } } });
  });

  it('still accepts a v1 signature when no value contains & (v1 and v2 are then the same)', async () => {
    const params = { context: 'a=1', public_id: 'auth/plain-v1', timestamp: String(nowSeconds()) };
    const { status, body } = await send(uploadUrl(), {
      body: new URLSearchParams({ ...params, api_key: credentials.apiKey, signature: signV1(params, credentials.apiSecret), file: PNG_DATA_URI }),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ public_id: 'auth/plain-v1', context: { custom: { a: '1' } } });
  });

  it('refuses a wrong signature with the string to sign', async () => {
    const timestamp = String(nowSeconds());
    const signature = signParamsForTest({ public_id: 'auth/bad-signature', timestamp }, { apiSecret: 'not-the-secret' });
    const message = await expectError(
      send(uploadUrl(), { body: multipart({ public_id: 'auth/bad-signature', timestamp, api_key: credentials.apiKey, signature }) }),
      401,
      `Invalid Signature ${signature}. String to sign - 'public_id=auth/bad-signature&timestamp=${timestamp}'.`,
    );
    expect(message).toContain(`timestamp=${timestamp}`);
    expect(message).not.toContain(credentials.apiSecret);
    await expectNoAsset('auth/bad-signature');
  });

  it('refuses a signature over different parameters than were sent', async () => {
    // Signed for one public_id, sent with another: the classic tampering case.
    const fields = signedFields({ public_id: 'auth/signed-for-this' }, credentials);
    await expectError(
      send(uploadUrl(), { body: multipart({ ...fields, public_id: 'auth/tampered' }) }),
      401,
      `Invalid Signature ${fields.signature}. String to sign - 'public_id=auth/tampered&timestamp=${fields.timestamp}'.`,
    );
    await expectNoAsset('auth/tampered');
    await expectNoAsset('auth/signed-for-this');
  });

  it('refuses a stale timestamp (2 hours ago)', async () => {
    const timestamp = nowSeconds() - 7200;
    const fields = signedFields({ public_id: 'auth/stale', timestamp: String(timestamp) }, credentials);
    expect(fields.timestamp).toBe(String(timestamp));
    const reported = `${new Date(timestamp * 1000).toISOString().slice(0, 19).replace('T', ' ')} +0000`;
    const message = await expectError(
      send(uploadUrl(), { body: multipart(fields) }),
      401,
      `Stale request - reported time is ${reported} which is more than 1 hour ago`,
    );
    expect(message).toMatch(/^Stale request - reported time is \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 which is more than 1 hour ago$/);
    await expectNoAsset('auth/stale');
  });

  it('refuses a timestamp far in the future, or not a number', async () => {
    const future = String(nowSeconds() + 7200);
    await expectError(
      send(uploadUrl(), { body: multipart(signedFields({ public_id: 'auth/future', timestamp: future }, credentials)) }),
      401,
      `Invalid timestamp ${future}: in the future`,
    );
    await expectError(
      send(uploadUrl(), { body: multipart(signedFields({ public_id: 'auth/nan-timestamp', timestamp: 'yesterday' }, credentials)) }),
      401,
      'Invalid timestamp yesterday',
    );
    await expectNoAsset('auth/future');
    await expectNoAsset('auth/nan-timestamp');
  });

  it('accepts a timestamp a little in the future (clock skew)', async () => {
    const fields = signedFields({ public_id: 'auth/skewed', timestamp: String(nowSeconds() + 60) }, credentials);
    const { status, body } = await send(uploadUrl(), { body: multipart(fields) });
    expect(status).toBe(200);
    expect(body.public_id).toBe('auth/skewed');
  });

  it('refuses an api_key without a signature', async () => {
    await expectError(
      send(uploadUrl(), { body: multipart({ public_id: 'auth/no-signature', api_key: credentials.apiKey, timestamp: String(nowSeconds()) }) }),
      401,
      'Missing required parameter - signature',
    );
    await expectNoAsset('auth/no-signature');
  });

  it('refuses a signature without api_key', async () => {
    const { api_key: _dropped, ...fields } = signedFields({ public_id: 'auth/no-key' }, credentials);
    await expectError(send(uploadUrl(), { body: multipart(fields) }), 401, 'Missing required parameter - api_key');
    await expectNoAsset('auth/no-key');
  });

  it('refuses a signature without timestamp', async () => {
    const params = { public_id: 'auth/no-timestamp' };
    const signature = signParamsForTest(params, credentials);
    await expectError(
      send(uploadUrl(), { body: multipart({ ...params, api_key: credentials.apiKey, signature }) }),
      401,
      'Missing required parameter - timestamp',
    );
    await expectNoAsset('auth/no-timestamp');
  });

  it('asks for an upload preset when there is no authentication at all', async () => {
    await expectError(
      send(uploadUrl(), { body: multipart({ public_id: 'auth/anonymous' }) }),
      400,
      'Upload preset must be specified when using unsigned upload',
    );
    await expectNoAsset('auth/anonymous');
  });

  it('refuses an unknown cloud, whatever the credentials', async () => {
    await expectError(
      send(uploadUrl('image/upload', 'nosuchcloud'), { headers: { authorization: basicAuthHeader(credentials) }, body: multipart({}) }),
      401,
      'Invalid cloud_name nosuchcloud',
    );
    await expectError(
      send(uploadUrl('image/upload', 'nosuchcloud'), { body: multipart(signedFields({}, credentials)) }),
      401,
      'Invalid cloud_name nosuchcloud',
    );
  });

  it('refuses the key of another cloud, which works on its own cloud', async () => {
    const other = await createApiKey(cluster.cluster.services.db, 'other');
    const ownCloud = await send(uploadUrl('image/upload', 'other'), {
      headers: { authorization: basicAuthHeader(other) },
      body: multipart({ public_id: 'auth/cross-cloud' }),
    });
    expect(ownCloud.status).toBe(200);
    expect(ownCloud.body).toMatchObject({ public_id: 'auth/cross-cloud', api_key: other.apiKey });
    expect(ownCloud.body.secure_url).toBe(`${cluster.baseUrl}/other/image/upload/v${ownCloud.body.version as number}/auth/cross-cloud.png`);

    await expectError(
      send(uploadUrl(), { headers: { authorization: basicAuthHeader(other) }, body: multipart({ public_id: 'auth/cross-cloud' }) }),
      401,
      `Unknown API key ${other.apiKey}`,
    );
    await expectError(
      send(uploadUrl(), { body: multipart(signedFields({ public_id: 'auth/cross-cloud' }, other)) }),
      401,
      `Unknown API key ${other.apiKey}`,
    );
    await expectNoAsset('auth/cross-cloud');
  });
});

describe('delivery type', () => {
  async function expectPrivate(body: Json, publicId: string): Promise<void> {
    expect(body).toMatchObject({ public_id: publicId, type: 'private', resource_type: 'image', format: 'png' });
    expect(body.url).toBe(`${cluster.baseUrl}/demo/image/private/v${body.version as number}/${publicId}.png`);
    const stored = await findAsset(cluster.cluster.services.db, { cloudName: 'demo', resourceType: 'image', type: 'private', publicId });
    expect(stored?.type).toBe('private');
    await expectNoAsset(publicId, 'upload');

    // Unsigned delivery of a private asset is refused, in JSON, and leaks no byte of it.
    for (const url of [body.url as string, body.secure_url as string]) {
      await expectError(
        fetch(url).then(async (response) => ({
          status: response.status,
          body: (await response.json()) as Json,
          contentType: response.headers.get('content-type'),
          cldError: response.headers.get('x-cld-error'),
        })),
        401,
        `The original of private resource ${publicId}.png is not delivered by URL`,
      );
    }
    // Nothing is stored under type upload with this id.
    const asUpload = await fetch(`${cluster.baseUrl}/demo/image/upload/${publicId}.png`);
    expect(asUpload.status).toBe(404);
    expect(await asUpload.json()).toEqual({ error: { message: `Resource not found - ${publicId}.png` } });
  }

  it('takes the type from the path: /image/private/upload', async () => {
    const { status, body } = await send(uploadUrl('image/private/upload'), {
      headers: { authorization: basicAuthHeader(credentials) },
      body: multipart({ public_id: 'auth/private-by-path' }),
    });
    expect(status).toBe(200);
    await expectPrivate(body, 'auth/private-by-path');
  });

  it('takes the type from a signed type parameter', async () => {
    const { status, body } = await send(uploadUrl(), {
      body: multipart(signedFields({ public_id: 'auth/private-by-param', type: 'private' }, credentials)),
    });
    expect(status).toBe(200);
    await expectPrivate(body, 'auth/private-by-param');
  });
});

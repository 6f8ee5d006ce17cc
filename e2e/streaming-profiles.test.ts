import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { basicAuthHeader } from './support/signed-form.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// The Admin API's streaming profiles through the official SDK, as its own integration spec calls
// them: the predefined ladders, custom profiles created from object transformations (the SDK turns
// them into strings), their parsed answers, overrides of a predefined profile and their revert.

type Json = Record<string, unknown>;
type ProfileSdk = CloudinarySdk;

const PREDEFINED = ['4k', 'full_hd', 'hd', 'sd', 'full_hd_wifi', 'full_hd_lean', 'hd_lean'];

let cluster: TestCluster;
let cloudinary: ProfileSdk;

beforeAll(async () => {
  cluster = await startTestCluster({}, ['api']);
  cloudinary = sdkFor(cluster) as ProfileSdk;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const names = (result: Json) => (result.data as Json[]).map((profile) => profile.name);

describe('streaming profiles through the SDK', () => {
  it('lists the predefined profiles, each with a display name and predefined: true', async () => {
    const result = await cloudinary.api.list_streaming_profiles();
    expect(Object.keys(result)).toContain('data');
    for (const name of PREDEFINED) expect(names(result)).toContain(name);
    for (const profile of result.data as Json[]) {
      expect(profile).toEqual({ name: expect.any(String), display_name: expect.any(String), predefined: true });
    }
  });

  it('gets a predefined profile with its representations parsed into objects', async () => {
    const { data } = (await cloudinary.api.get_streaming_profile('full_hd')) as { data: Json };
    expect(data).toMatchObject({ name: 'full_hd', display_name: expect.any(String), predefined: true });
    const representations = data.representations as Array<{ transformation: Json[] }>;
    expect(representations.length).toBeGreaterThan(1);
    for (const representation of representations) {
      expect(Array.isArray(representation.transformation)).toBe(true);
      expect(representation.transformation[0]).toMatchObject({
        width: expect.any(Number),
        height: expect.any(Number),
        crop: 'limit',
        bit_rate: expect.any(String),
        video_codec: expect.any(String),
      });
    }
  });

  it('creates, updates, gets and deletes a custom profile', async () => {
    const created = await cloudinary.api.create_streaming_profile('e2e_profile', {
      display_name: 'E2E profile',
      representations: [{ transformation: { bit_rate: '5m', height: 1200, width: 1200, crop: 'limit' } }],
    });
    expect(created).toMatchObject({
      message: 'created',
      data: {
        name: 'e2e_profile',
        display_name: 'E2E profile',
        predefined: false,
        representations: [{ transformation: [{ bit_rate: '5m', height: 1200, width: 1200, crop: 'limit' }] }],
      },
    });
    // An array of transformations, string numbers (as the SDK's own spec sends them).
    const chained = await cloudinary.api.create_streaming_profile('e2e_profile_a', {
      representations: [{ transformation: [{ crop: 'scale', width: '1200', height: '1200', bit_rate: '5m' }] }],
    });
    expect((chained.data as Json).representations).toEqual([{ transformation: [{ width: 1200, height: 1200, bit_rate: '5m', crop: 'scale' }] }]);
    const listed = await cloudinary.api.list_streaming_profiles();
    expect(names(listed).slice(-2)).toEqual(['e2e_profile', 'e2e_profile_a']);
    expect((listed.data as Json[]).find((profile) => profile.name === 'e2e_profile')).toEqual({
      name: 'e2e_profile',
      display_name: 'E2E profile',
      predefined: false,
    });

    const updated = await cloudinary.api.update_streaming_profile('e2e_profile', {
      representations: [{ transformation: { crop: 'scale', width: '1000', height: '1000', bit_rate: '4m' } }],
    });
    expect(updated).toMatchObject({ message: 'updated', data: { name: 'e2e_profile', display_name: 'E2E profile' } });
    const { data } = (await cloudinary.api.get_streaming_profile('e2e_profile')) as { data: Json };
    expect(data.representations).toEqual([{ transformation: [{ crop: 'scale', width: 1000, height: 1000, bit_rate: '4m' }] }]);

    expect(await cloudinary.api.delete_streaming_profile('e2e_profile')).toEqual({ message: 'deleted' });
    expect(await cloudinary.api.delete_streaming_profile('e2e_profile_a')).toEqual({ message: 'deleted' });
    expect(names(await cloudinary.api.list_streaming_profiles())).not.toContain('e2e_profile');
    await expect(cloudinary.api.get_streaming_profile('e2e_profile')).rejects.toMatchObject({
      error: { http_code: 404, message: 'Streaming profile e2e_profile not found' },
    });
    await expect(cloudinary.api.delete_streaming_profile('e2e_profile')).rejects.toMatchObject({ error: { http_code: 404 } });
    await expect(cloudinary.api.update_streaming_profile('e2e_profile', { display_name: 'x' })).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('refuses a taken name with 409 and a bad representation with the parser 400', async () => {
    const representations = [{ transformation: { width: 100 } }];
    await expect(cloudinary.api.create_streaming_profile('hd', { representations })).rejects.toMatchObject({
      error: { http_code: 409, message: 'Streaming profile hd already exists' },
    });
    await cloudinary.api.create_streaming_profile('e2e_taken', { representations });
    await expect(cloudinary.api.create_streaming_profile('e2e_taken', { representations })).rejects.toMatchObject({ error: { http_code: 409 } });
    await cloudinary.api.delete_streaming_profile('e2e_taken');
    await expect(cloudinary.api.create_streaming_profile('e2e_bad', { representations: [{ transformation: 'w_abc' }] })).rejects.toMatchObject({
      error: { http_code: 400, message: 'Invalid width in transformation: abc' },
    });
    await expect(cloudinary.api.create_streaming_profile('e2e_none', {})).rejects.toMatchObject({
      error: { http_code: 400, message: 'Missing required parameter - representations' },
    });
  });

  it('overrides a predefined profile by update and reverts it by delete', async () => {
    const original = (await cloudinary.api.get_streaming_profile('hd_lean')) as { data: Json };
    const updated = await cloudinary.api.update_streaming_profile('hd_lean', {
      display_name: 'Lean, ours',
      representations: [{ transformation: { width: 480, height: 270, crop: 'limit', bit_rate: '600k' } }],
    });
    expect(updated).toEqual({
      message: 'updated',
      data: {
        name: 'hd_lean',
        display_name: 'Lean, ours',
        predefined: true,
        representations: [{ transformation: [{ width: 480, height: 270, bit_rate: '600k', crop: 'limit' }] }],
      },
    });
    const listed = await cloudinary.api.list_streaming_profiles();
    expect((listed.data as Json[]).filter((profile) => profile.name === 'hd_lean')).toEqual([
      { name: 'hd_lean', display_name: 'Lean, ours', predefined: true },
    ]);
    expect(await cloudinary.api.delete_streaming_profile('hd_lean')).toEqual({ message: 'deleted' });
    expect(await cloudinary.api.get_streaming_profile('hd_lean')).toEqual(original);
  });
});

describe('streaming profiles over plain HTTP', () => {
  const url = (path = '') => `${cluster.baseUrl}/v1_1/${cluster.cloud}/streaming_profiles${path}`;

  it('needs the Admin API Basic credentials, and answers in Cloudinary error shape', async () => {
    const anonymous = await fetch(url());
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ error: { message: expect.any(String) } });
    const wrong = await fetch(url('/hd'), { headers: { authorization: basicAuthHeader({ ...cluster.credentials, apiSecret: 'not-the-secret' }) } });
    expect(wrong.status).toBe(401);
  });

  it("answers a profile at …/streaming_profiles/<name> as at the SDK's encoded …/streaming_profiles%2F<name>", async () => {
    const headers = { authorization: basicAuthHeader(cluster.credentials) };
    const plain = await fetch(url('/hd'), { headers });
    const encoded = await fetch(url('%2Fhd'), { headers });
    expect([plain.status, encoded.status]).toEqual([200, 200]);
    const body = (await plain.json()) as { data: Json };
    expect(body.data).toMatchObject({ name: 'hd', predefined: true });
    expect(await encoded.json()).toEqual(body);
    expect((await fetch(url('%2Fno_such'), { headers })).status).toBe(404);
  });

  it('accepts a JSON body whose representations are an array rather than a JSON string', async () => {
    const authorization = basicAuthHeader(cluster.credentials);
    const response = await fetch(url(), {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'e2e_json', representations: [{ transformation: 'w_640,h_360,c_limit,br_1m' }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      data: { name: 'e2e_json', representations: [{ transformation: [{ width: 640, height: 360, bit_rate: '1m', crop: 'limit' }] }] },
    });
    const removed = await fetch(url('/e2e_json'), { method: 'DELETE', headers: { authorization } });
    expect(await removed.json()).toEqual({ message: 'deleted' });
  });
});

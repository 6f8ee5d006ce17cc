import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findAsset } from '@rendition/catalog';
import type { CloudinarySdk } from '@rendition/testing';
import { uploadOk, uploadWithBasicAuth, type FilePart } from './support/basic-upload.ts';
import { basicAuthHeader } from './support/signed-form.ts';
import { storedKeys } from './support/stored-blobs.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// Hardening items 6 and 8: every unbounded input has a configurable limit, refused with a
// Cloudinary-shaped 400 naming it, wherever the parameter enters (upload, explicit, the context,
// tags and metadata commands, presets); and a preset is refused when an upload through it would be.
// Payloads stay under 64 KB per field, so what answers is these limits and not a transport bound on
// the size of one request field.
// The cluster runs with the default context, metadata and eager-count limits, and with a tighter
// TAG_MAX_LENGTH and EAGER_MAX_OUTPUT_PIXELS to show that the configuration is what applies.

type Json = Record<string, unknown>;
type PresetSdk = CloudinarySdk & {
  api: CloudinarySdk['api'] & {
    create_upload_preset(options: Json): Promise<Json>;
    update_upload_preset(name: string, options: Json): Promise<Json>;
    upload_preset(name: string): Promise<Json>;
  };
};

const METADATA_IP = 'http://169.254.169.254/latest/meta-data/';

let cluster: TestCluster;
let cloudinary: PresetSdk;
let png: FilePart;
let dataUri: string;

beforeAll(async () => {
  cluster = await startTestCluster({ TAG_MAX_LENGTH: '32', EAGER_MAX_OUTPUT_PIXELS: '1000000' });
  cloudinary = sdkFor(cluster) as PresetSdk;
  const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
  png = { bytes, filename: 'blue.png', contentType: 'image/png' };
  dataUri = `data:image/png;base64,${bytes.toString('base64')}`;
  await cloudinary.api.add_metadata_field({ external_id: 'caption', label: 'Caption', type: 'string' });
  await cloudinary.api.add_metadata_field({ external_id: 'sku', label: 'SKU', type: 'string', mandatory: true, default_value: 'none' });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function stored(publicId: string) {
  return findAsset(cluster.cluster.services.db, { cloudName: cluster.cloud, resourceType: 'image', type: 'upload', publicId });
}

/** A plain-HTTP refusal: Cloudinary's error shape, the message mirrored in X-Cld-Error. */
async function expectRefusedUpload(fields: Record<string, string | string[]>, message: string | RegExp): Promise<void> {
  const answer = await uploadWithBasicAuth(cluster, png, fields);
  expect(answer.status).toBe(400);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body.error?.message).toMatch(message);
  expect(answer.headers.get('x-cld-error')).toBe(answer.body.error?.message);
}

async function adminFetch(path: string, init: RequestInit = {}): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}${path}`, {
    ...init,
    headers: { authorization: basicAuthHeader(cluster.credentials), ...(init.headers as Record<string, string>) },
  });
  return { status: response.status, body: (await response.json()) as Json };
}

async function managementCall(command: string, fields: Record<string, string>): Promise<{ status: number; body: Json }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return adminFetch(`/image/${command}`, { method: 'POST', body: form });
}

describe('item 6: context', () => {
  it('refuses a huge context value on upload with a 400 naming the limit, storing nothing', async () => {
    const before = await storedKeys(cluster.store, 'assets/');
    await expectRefusedUpload(
      { public_id: 'ctx/huge', context: `alt=${'x'.repeat(60_000)}` },
      "Invalid context value for key 'alt': longer than 1024 characters",
    );
    expect(await stored('ctx/huge')).toBeUndefined();
    expect(await storedKeys(cluster.store, 'assets/')).toEqual(before);
  });

  it('refuses 5,000 context keys, and a key over 128 characters (SDK)', async () => {
    const manyKeys = Array.from({ length: 5_000 }, (_, i) => `k${i}=v`).join('|');
    await expectRefusedUpload(
      { public_id: 'ctx/keys', context: manyKeys },
      /^Context too large: \d+ bytes of keys and values, at most 8192 are allowed$/,
    );
    await expect(cloudinary.uploader.upload(dataUri, { public_id: 'ctx/key', context: { ['k'.repeat(129)]: 'v' } })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringMatching(/^Invalid context key 'k{100}…': longer than 128 characters$/),
    });
    expect(await stored('ctx/keys')).toBeUndefined();
  });

  it('accepts a context at the limits and echoes it', async () => {
    const context = { alt: 'a'.repeat(1024), caption: 'ü'.repeat(1024) };
    const result = (await cloudinary.uploader.upload(dataUri, { public_id: 'ctx/ok', context })) as Json;
    expect(result.context).toEqual({ custom: context });
  });

  it('bounds explicit and the context command the same way; an add that would overflow an asset changes nothing', async () => {
    await cloudinary.uploader.upload(dataUri, { public_id: 'ctx/target', context: { a: 'x'.repeat(1000) } });
    await expect(cloudinary.uploader.explicit('ctx/target', { type: 'upload', context: { alt: 'y'.repeat(1025) } })).rejects.toMatchObject({
      http_code: 400,
      message: "Invalid context value for key 'alt': longer than 1024 characters",
    });
    await expect(cloudinary.uploader.add_context({ alt: 'y'.repeat(1025) }, ['ctx/target'])).rejects.toMatchObject({
      http_code: 400,
      message: "Invalid context value for key 'alt': longer than 1024 characters",
    });
    // Each add is within the limits: 1001 bytes, then 7 adds of 1002 make 8015; the eighth would make 9017.
    for (let i = 0; i < 7; i++) await cloudinary.uploader.add_context({ [`k${i}`]: 'v'.repeat(1000) }, ['ctx/target']);
    const refused = await managementCall('context', { command: 'add', context: `k9=${'v'.repeat(1000)}`, 'public_ids[]': 'ctx/target' });
    expect(refused).toEqual({
      status: 400,
      body: { error: { message: 'Context of ctx/target would be too large: 9017 bytes of keys and values, at most 8192 are allowed' } },
    });
    expect(Object.keys((await stored('ctx/target'))?.context ?? {})).toHaveLength(8);
  });
});

describe('item 6: tags (TAG_MAX_LENGTH=32 in this cluster)', () => {
  it('applies the configured tag length on upload, explicit and the tags command', async () => {
    await expectRefusedUpload({ public_id: 'tags/long', tags: `ok,${'t'.repeat(33)}` }, `Invalid tag ${'t'.repeat(33)}: longer than 32 characters`);
    await cloudinary.uploader.upload(dataUri, { public_id: 'tags/a', tags: ['t'.repeat(32)] });
    await expect(cloudinary.uploader.explicit('tags/a', { type: 'upload', tags: ['u'.repeat(33)] })).rejects.toMatchObject({ http_code: 400 });
    await expect(cloudinary.uploader.add_tag('v'.repeat(33), ['tags/a'])).rejects.toMatchObject({
      http_code: 400,
      message: `Invalid tag ${'v'.repeat(33)}: longer than 32 characters`,
    });
    expect(((await stored('tags/a')) ?? { tags: [] }).tags).toEqual(['t'.repeat(32)]);
  });
});

describe('item 6: structured metadata values', () => {
  it('refuses a string value over 1024 characters on upload, explicit and update_metadata', async () => {
    const message = 'Metadata field caption: the value is longer than 1024 characters';
    await expectRefusedUpload({ public_id: 'md/long', metadata: `caption=${'c'.repeat(1025)}` }, message);
    await cloudinary.uploader.upload(dataUri, { public_id: 'md/a', metadata: { caption: 'c'.repeat(1024) } });
    await expect(cloudinary.uploader.explicit('md/a', { type: 'upload', metadata: { caption: 'd'.repeat(1025) } })).rejects.toMatchObject({
      http_code: 400,
      message,
    });
    await expect(cloudinary.uploader.update_metadata({ caption: 'e'.repeat(1025) }, ['md/a'])).rejects.toMatchObject({ http_code: 400, message });
    // clear_invalid does not lift a limit.
    await expect(cloudinary.uploader.update_metadata({ caption: 'e'.repeat(1025) }, ['md/a'], { clear_invalid: true })).rejects.toMatchObject({
      http_code: 400,
      message,
    });
    expect((await stored('md/a'))?.metadata).toEqual({ caption: 'c'.repeat(1024), sku: 'none' });
  });
});

describe('item 6: eager', () => {
  it('refuses an upload with more eager items than EAGER_MAX_ITEMS (20) before anything is stored or queued', async () => {
    const before = await storedKeys(cluster.store);
    const hundred = Array.from({ length: 100 }, (_, i) => `c_scale,w_${1000 + i}`).join('|');
    await expectRefusedUpload(
      { public_id: 'eager/many', eager: hundred },
      'Too many eager transformations: at most 20 are allowed per request, got 100',
    );
    await expect(
      cloudinary.uploader.upload(dataUri, { public_id: 'eager/21', eager: Array.from({ length: 21 }, (_, i) => ({ width: 10 + i, crop: 'scale' })) }),
    ).rejects.toMatchObject({ http_code: 400, message: 'Too many eager transformations: at most 20 are allowed per request, got 21' });
    expect(await stored('eager/many')).toBeUndefined();
    expect(await storedKeys(cluster.store)).toEqual(before);
  });

  it("refuses an explicit whose projected output exceeds EAGER_MAX_OUTPUT_PIXELS (1 MP here), from the asset's dimensions", async () => {
    await uploadOk(cluster, png, { public_id: 'eager/explicit' });
    // 40x30 scaled by 20 and by 21: 480,000 + 529,200 pixels > 1,000,000.
    await expect(cloudinary.uploader.explicit('eager/explicit', { type: 'upload', eager: 'w_20.0|w_21.0' })).rejects.toMatchObject({
      http_code: 400,
      message: 'Eager transformations too large: the 2 items would produce 1009200 pixels in total, at most 1000000 are allowed per request',
    });
    const asset = await stored('eager/explicit');
    expect(await storedKeys(cluster.store, `assets/${asset?.assetId}/`)).toEqual([expect.stringMatching(/original$/)]);
    // Under the budget, the same call derives.
    const ok = (await cloudinary.uploader.explicit('eager/explicit', { type: 'upload', eager: 'w_20.0' })) as Json;
    expect(ok.eager).toEqual([expect.objectContaining({ width: 800, height: 600 })]);
    const tooMany = Array.from({ length: 21 }, (_, i) => `w_${i + 1}`).join('|');
    await expect(cloudinary.uploader.explicit('eager/explicit', { type: 'upload', eager: tooMany })).rejects.toMatchObject({
      http_code: 400,
      message: 'Too many eager transformations: at most 20 are allowed per request, got 21',
    });
  });
});

describe('item 8: presets are validated like the uploads they feed', () => {
  it('refuses a preset whose notification_url the SSRF guard refuses, on create and on update', async () => {
    await expect(cloudinary.api.create_upload_preset({ name: 'ssrf', notification_url: METADATA_IP })).rejects.toMatchObject({
      error: { http_code: 400, message: expect.stringMatching(/^Invalid notification_url: /) },
    });
    await expect(cloudinary.api.upload_preset('ssrf')).rejects.toMatchObject({ error: { http_code: 404 } });
    await cloudinary.api.create_upload_preset({ name: 'later-ssrf', tags: 'fine' });
    await expect(cloudinary.api.update_upload_preset('later-ssrf', { eager_notification_url: 'http://127.0.0.1:9/hook' })).rejects.toMatchObject({
      error: { http_code: 400, message: expect.stringMatching(/^Invalid eager_notification_url: /) },
    });
    expect(((await cloudinary.api.upload_preset('later-ssrf')) as { settings: Json }).settings).toEqual({ tags: ['fine'] });
    // And uploads through the preset keep working.
    const uploaded = (await cloudinary.uploader.upload(dataUri, { upload_preset: 'later-ssrf', public_id: 'preset/ok' })) as Json;
    expect(uploaded.tags).toEqual(['fine']);
  });

  it('refuses a preset that breaks a parameter limit, an unknown metadata field, or a public_id its folder makes invalid', async () => {
    const refusals: Array<[Json, string | RegExp]> = [
      [{ name: 'p1', context: `alt=${'x'.repeat(1025)}` }, "Invalid context value for key 'alt': longer than 1024 characters"],
      [{ name: 'p2', tags: 't'.repeat(33) }, `Invalid tag ${'t'.repeat(33)}: longer than 32 characters`],
      [
        { name: 'p3', eager: Array.from({ length: 21 }, (_, i) => `w_${i + 1}`).join('|') },
        'Too many eager transformations: at most 20 are allowed per request, got 21',
      ],
      [{ name: 'p4', metadata: 'nope=1' }, 'Metadata field nope: no such metadata field'],
      [{ name: 'p5', metadata: `caption=${'c'.repeat(1025)}` }, 'Metadata field caption: the value is longer than 1024 characters'],
      [{ name: 'p6', folder: 'f'.repeat(200), public_id: 'p'.repeat(100) }, /^Invalid public_id /],
    ];
    for (const [options, message] of refusals) {
      await expect(cloudinary.api.create_upload_preset(options), JSON.stringify(options).slice(0, 80)).rejects.toMatchObject({
        error: {
          http_code: 400,
          message: expect.stringMatching(typeof message === 'string' ? `^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` : message),
        },
      });
    }
    // A preset may leave a mandatory field to the uploads it feeds.
    expect(await cloudinary.api.create_upload_preset({ name: 'md-ok', metadata: 'caption=hello' })).toMatchObject({ message: 'created' });
  });
});

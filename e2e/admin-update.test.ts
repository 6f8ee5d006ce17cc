import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type CloudinarySdk } from '@rendition/testing';
import { sdkRefusal } from './support/sdk-refusal.ts';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

// `cloudinary.api.update` (issue 20, item 1) through the official Node SDK.

type Resource = Record<string, unknown> & { public_id: string; version: number };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
const photo = fixturePath('images/2569067123_aca715a2ee_o.jpg');

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  await cloudinary.api.add_metadata_field({ external_id: 'rating', label: 'Rating', type: 'integer' });
  for (const id of ['edit/one', 'edit/two', 'edit/locked']) await cloudinary.uploader.upload(photo, { public_id: id, tags: ['old'] });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const update = (id: string, options: Record<string, unknown>) => cloudinary.api.update(id, options) as Promise<Resource>;

async function status(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

describe('update', () => {
  it('replaces tags and context, merges metadata, sets display_name and asset_folder, and answers the resource', async () => {
    const updated = await update('edit/one', {
      tags: ['new', 'fresh'],
      context: { alt: 'A bird', caption: 'x' },
      metadata: { rating: 4 },
      display_name: 'Bird over water',
      asset_folder: 'birds/2026',
    });
    expect(updated).toMatchObject({
      public_id: 'edit/one',
      tags: ['new', 'fresh'],
      context: { custom: { alt: 'A bird', caption: 'x' } },
      metadata: { rating: 4 },
      display_name: 'Bird over water',
      asset_folder: 'birds/2026',
    });
    const read = (await cloudinary.api.resource('edit/one')) as Resource;
    expect(read).toMatchObject({ tags: ['new', 'fresh'], display_name: 'Bird over water', asset_folder: 'birds/2026' });
    // Only what is named changes.
    const again = await update('edit/one', { context: { alt: 'Still a bird' } });
    expect(again).toMatchObject({ tags: ['new', 'fresh'], context: { custom: { alt: 'Still a bird' } }, metadata: { rating: 4 } });
  });

  it('answers a quality_override, and the analyses a plain HTTP call asks for (the SDK sends none)', async () => {
    const withQuality = await update('edit/two', { quality_override: 'auto:best' });
    expect(withQuality.quality_override).toBe('auto:best');
    const { apiKey, apiSecret } = cluster.credentials;
    const response = await fetch(`${cluster.baseUrl}/v1_1/${cluster.cloud}/resources/image/upload/edit%2Ftwo`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'phash=true',
    });
    const analysed = (await response.json()) as Resource;
    expect(response.status).toBe(200);
    expect(analysed.phash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('delivers q_auto of an asset with a quality_override as that quality (the same derivative as q_<n>)', async () => {
    await cloudinary.uploader.upload(photo, { public_id: 'edit/quality' });
    await update('edit/quality', { quality_override: '10' });
    await cloudinary.uploader.upload(photo, { public_id: 'edit/quality-plain' });
    const deliver = async (transformation: string, id = 'edit/quality') => {
      const response = await fetch(`${cluster.baseUrl}/${cluster.cloud}/image/upload/${transformation}/${id}.jpg`);
      expect(response.status).toBe(200);
      return Buffer.from(await response.arrayBuffer());
    };
    const auto = await deliver('q_auto,w_200');
    expect(auto.equals(await deliver('q_10,w_200'))).toBe(true);
    // The same image without an override: q_auto encodes better than q_10, a larger file.
    expect((await deliver('q_auto,w_200', 'edit/quality-plain')).length).toBeGreaterThan(auto.length * 2);
  });

  it('honours access_control: outside an anonymous window only signed URLs deliver', async () => {
    const host = { secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false, format: 'jpg' };
    const url = cloudinary.url('edit/locked', host);
    expect(await status(url)).toBe(200);
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const restricted = await update('edit/locked', { access_control: [{ access_type: 'anonymous', start: later }] });
    expect(restricted.access_control).toEqual([{ access_type: 'anonymous', start: later.replace(/\.\d{3}Z$/, 'Z') }]);
    expect(await status(url)).toBe(401);
    expect(await status(cloudinary.url('edit/locked', { ...host, sign_url: true }))).toBe(200);
    const now = new Date(Date.now() - 60_000).toISOString();
    await update('edit/locked', { access_control: [{ access_type: 'anonymous', start: now }] });
    expect(await status(url)).toBe(200);
    const cleared = await update('edit/locked', { access_control: [] });
    expect(cleared.access_control).toBeUndefined();
  });

  it('takes access_control on upload, stores it as update does and answers it (the SDK spec "should allow the user to define ACL in the upload parameters")', async () => {
    const acl = { access_type: 'anonymous', start: new Date(Date.UTC(2019, 1, 22, 16, 20, 57)), end: '2019-03-22 00:00 +0200' };
    const uploaded = (await cloudinary.uploader.upload(photo, { public_id: 'edit/acl', access_control: [acl] })) as Resource & {
      access_control: Array<Record<string, string>>;
    };
    expect(uploaded.access_control).toEqual([{ access_type: 'anonymous', start: '2019-02-22T16:20:57Z', end: '2019-03-21T22:00:00Z' }]);
    expect(Date.parse(uploaded.access_control[0]!.start!)).toBe(acl.start.getTime());
    expect(Date.parse(uploaded.access_control[0]!.end!)).toBe(Date.parse(acl.end));
    // The window is over: only signed URLs deliver, as after an update with the same list.
    const host = { secure: false, cname: new URL(cluster.baseUrl).host, urlAnalytics: false, analytics: false, format: 'jpg' };
    expect(await status(cloudinary.url('edit/acl', host))).toBe(401);
    expect(await status(cloudinary.url('edit/acl', { ...host, sign_url: true }))).toBe(200);
    expect((await update('edit/acl', { tags: ['kept'] })).access_control).toEqual(uploaded.access_control);

    const open = (await cloudinary.uploader.upload(photo, { public_id: 'edit/acl-none', access_control: [] })) as Resource;
    expect(open).not.toHaveProperty('access_control');
    expect(
      await sdkRefusal(cloudinary.uploader.upload(photo, { public_id: 'edit/acl-bad', access_control: [{ access_type: 'nobody' }] })),
    ).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Invalid access_control'),
    });
  });

  it('refuses bad input before changing anything', async () => {
    expect(await sdkRefusal(update('edit/two', { access_control: [{ access_type: 'nobody' }], tags: ['x'] }))).toMatchObject({ http_code: 400 });
    expect(((await cloudinary.api.resource('edit/two')) as Resource).tags).toEqual(['old']);
    expect(await sdkRefusal(update('edit/two', { quality_override: '300' }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(update('edit/two', { metadata: { rating: 'many' } }))).toMatchObject({ http_code: 400 });
    expect(await sdkRefusal(update('edit/two', { display_name: 'Bird over water', unique_display_name: true }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('already in use'),
    });
    expect(await sdkRefusal(update('no/such', { tags: ['x'] }))).toMatchObject({ http_code: 404 });
  });

  it('refuses illegal detection, background_removal and categorization with "Illegal value", and ignores legal ones (api_spec "should support requesting …")', async () => {
    for (const name of ['detection', 'background_removal', 'categorization']) {
      expect(await sdkRefusal(update('edit/two', { [name]: 'illegal', tags: ['x'] }))).toMatchObject({
        http_code: 400,
        message: expect.stringContaining('Illegal value'),
      });
    }
    expect(((await cloudinary.api.resource('edit/two')) as Resource).tags).toEqual(['old']);
    const legal = await update('edit/two', { detection: 'coco', background_removal: 'cloudinary_ai', categorization: 'google_tagging' });
    expect(legal).toMatchObject({ public_id: 'edit/two', tags: ['old'] });
  });

  it('refuses them on upload with the words uploader_spec looks for', async () => {
    const upload = (options: Record<string, unknown>) => sdkRefusal(cloudinary.uploader.upload(photo, { public_id: 'edit/addon', ...options }));
    expect(await upload({ detection: 'illegal' })).toMatchObject({
      http_code: 400,
      message: expect.stringContaining("Detection invalid model 'illegal'"),
    });
    expect(await upload({ background_removal: 'illegal' })).toMatchObject({ http_code: 400, message: expect.stringContaining('is invalid') });
    expect(await upload({ categorization: 'illegal' })).toMatchObject({ http_code: 400, message: expect.stringContaining('Illegal value') });
    const stored = (await cloudinary.uploader.upload(photo, {
      public_id: 'edit/addon',
      detection: 'coco',
      categorization: 'google_tagging',
    })) as Resource;
    expect(stored.public_id).toBe('edit/addon');
  });
});

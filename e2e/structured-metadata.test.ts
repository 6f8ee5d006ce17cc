import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Result = Record<string, unknown> & { public_id: string; version: number; signature: string };

let cluster: TestCluster;
let cloudinary: CloudinarySdk;
let image: string;

const colors = [
  { external_id: 'red', value: 'Red' },
  { external_id: 'green', value: 'Green' },
  { external_id: 'blue', value: 'Blue' },
];

beforeAll(async () => {
  cluster = await startTestCluster();
  cloudinary = sdkFor(cluster);
  const png = await sharp({ create: { width: 12, height: 8, channels: 3, background: '#cc6633' } })
    .png()
    .toBuffer();
  image = `data:image/png;base64,${png.toString('base64')}`;

  // The fields the asset tests use; field CRUD is tested on fields of its own.
  await cloudinary.api.add_metadata_field({ external_id: 'title', label: 'Title', type: 'string', validation: { type: 'strlen', min: 2, max: 20 } });
  await cloudinary.api.add_metadata_field({
    external_id: 'stock',
    label: 'Stock',
    type: 'integer',
    validation: {
      type: 'and',
      rules: [
        { type: 'greater_than', equals: true, value: 0 },
        { type: 'less_than', equals: false, value: 100 },
      ],
    },
  });
  await cloudinary.api.add_metadata_field({
    external_id: 'released',
    label: 'Released',
    type: 'date',
    validation: { type: 'greater_than', equals: false, value: '2000-01-01' },
  });
  await cloudinary.api.add_metadata_field({ external_id: 'color', label: 'Color', type: 'enum', datasource: { values: colors } });
  await cloudinary.api.add_metadata_field({ external_id: 'palette', label: 'Palette', type: 'set', datasource: { values: colors } });
  await cloudinary.api.add_metadata_field({ external_id: 'channel', label: 'Channel', type: 'string', default_value: 'web' });
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const upload = async (publicId: string, options: Record<string, unknown> = {}) =>
  (await cloudinary.uploader.upload(image, { public_id: publicId, ...options })) as Result;
const adminError = (promise: Promise<unknown>) =>
  promise.then(
    () => ({}),
    (failure: { error?: { http_code?: number; message?: string } }) => failure.error ?? failure,
  );
const basic = () => `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;

describe('metadata fields (Admin API)', () => {
  it('creates, reads and lists a field of each type', async () => {
    const created = await cloudinary.api.add_metadata_field({ external_id: 'crud_string', label: 'S', type: 'string', default_value: 'x' });
    expect(created).toEqual({ type: 'string', external_id: 'crud_string', label: 'S', mandatory: false, default_value: 'x', validation: null });
    expect(await cloudinary.api.add_metadata_field({ external_id: 'crud_int', label: 'I', type: 'integer', default_value: '5' })).toMatchObject({
      type: 'integer',
      default_value: 5,
    });
    expect(await cloudinary.api.add_metadata_field({ external_id: 'crud_date', label: 'D', type: 'date' })).toMatchObject({
      type: 'date',
      default_value: null,
    });
    const enumField = await cloudinary.api.add_metadata_field({
      external_id: 'crud_enum',
      label: 'E',
      type: 'enum',
      datasource: { values: [{ external_id: 'a', value: 'A' }, { value: 'B' }] },
    });
    expect(enumField.datasource).toEqual({
      values: [
        { external_id: 'a', value: 'A', state: 'active' },
        { external_id: expect.stringMatching(/^[0-9a-f]{16}$/), value: 'B', state: 'active' },
      ],
    });
    expect(
      await cloudinary.api.add_metadata_field({
        external_id: 'crud_set',
        label: 'Set',
        type: 'set',
        datasource: { values: colors },
        default_value: ['red', 'blue'],
      }),
    ).toMatchObject({
      type: 'set',
      default_value: ['red', 'blue'],
    });

    expect(await cloudinary.api.metadata_field_by_field_id('crud_date')).toEqual({
      type: 'date',
      external_id: 'crud_date',
      label: 'D',
      mandatory: false,
      default_value: null,
      validation: null,
    });
    const listed = (await cloudinary.api.list_metadata_fields()) as { metadata_fields: Array<{ external_id: string }> };
    const ids = listed.metadata_fields.map((field) => field.external_id);
    expect(ids.slice(0, 6)).toEqual(['title', 'stock', 'released', 'color', 'palette', 'channel']);
    expect(ids).toEqual(expect.arrayContaining(['crud_string', 'crud_int', 'crud_date', 'crud_enum', 'crud_set']));
    // Their defaults would land on every later upload.
    for (const id of ['crud_string', 'crud_int', 'crud_date', 'crud_enum', 'crud_set']) await cloudinary.api.delete_metadata_field(id);
  });

  it('updates partially, keeping external_id and type', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'crud_update', label: 'Before', type: 'string' });
    const updated = await cloudinary.api.update_metadata_field('crud_update', {
      external_id: 'other',
      type: 'integer',
      label: 'After',
      mandatory: true,
      default_value: 'dflt',
    });
    expect(updated).toEqual({ type: 'string', external_id: 'crud_update', label: 'After', mandatory: true, default_value: 'dflt', validation: null });
    expect(await cloudinary.api.metadata_field_by_field_id('crud_update')).toEqual(updated);
    await cloudinary.api.delete_metadata_field('crud_update');
  });

  it('refuses bad definitions and default values that fail validation', async () => {
    expect(
      await adminError(
        cloudinary.api.add_metadata_field({
          external_id: 'bad_int',
          label: 'n',
          type: 'integer',
          default_value: 6,
          validation: { type: 'less_than', equals: true, value: 5 },
        }),
      ),
    ).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('default_value is invalid'),
    });
    expect(
      await adminError(
        cloudinary.api.add_metadata_field({
          external_id: 'bad_date',
          label: 'd',
          type: 'date',
          default_value: '2100-01-01',
          validation: { type: 'less_than', equals: false, value: '2050-01-01' },
        }),
      ),
    ).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('default_value is invalid'),
    });
    expect(await adminError(cloudinary.api.add_metadata_field({ external_id: 'bad_type', label: 'x', type: 'color' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('type is invalid'),
    });
    expect(await adminError(cloudinary.api.add_metadata_field({ external_id: 'bad_enum', label: 'x', type: 'enum' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('datasource is required'),
    });
    expect(await adminError(cloudinary.api.add_metadata_field({ external_id: 'title', label: 'again', type: 'string' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('external id title already exists'),
    });
    expect(await adminError(cloudinary.api.metadata_field_by_field_id('no_such_field'))).toMatchObject({ http_code: 404 });
  });

  it('updates, deletes and restores datasource entries', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'ds_set', label: 'ds', type: 'set', datasource: { values: colors } });
    const updated = await cloudinary.api.update_metadata_field_datasource('ds_set', {
      values: [
        { external_id: 'red', value: 'Crimson' },
        { external_id: 'black', value: 'Black' },
      ],
    });
    expect(updated).toEqual({
      values: [
        { external_id: 'red', value: 'Crimson', state: 'active' },
        { external_id: 'green', value: 'Green', state: 'active' },
        { external_id: 'blue', value: 'Blue', state: 'active' },
        { external_id: 'black', value: 'Black', state: 'active' },
      ],
    });
    const deleted = (await cloudinary.api.delete_datasource_entries('ds_set', ['green'])) as { values: Array<{ external_id: string }> };
    expect(deleted.values.map((entry) => entry.external_id)).toEqual(['red', 'blue', 'black']);
    const field = (await cloudinary.api.metadata_field_by_field_id('ds_set')) as {
      datasource: { values: Array<{ external_id: string; state: string }> };
    };
    expect(field.datasource.values.find((entry) => entry.external_id === 'green')?.state).toBe('inactive');
    // An inactive entry is not a value an asset can take.
    await upload('smd/ds-asset');
    await expect(cloudinary.uploader.update_metadata({ ds_set: ['green'] }, ['smd/ds-asset'])).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('ds_set'),
    });
    const restored = (await cloudinary.api.restore_metadata_field_datasource('ds_set', ['green'])) as { values: unknown[] };
    expect(restored.values).toHaveLength(4);
    expect(await cloudinary.uploader.update_metadata({ ds_set: ['green'] }, ['smd/ds-asset'])).toEqual({ public_ids: ['smd/ds-asset'] });
  });

  it('deletes a field: its values leave the assets and its external_id stays taken', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'doomed', label: 'doomed', type: 'integer' });
    await upload('smd/doomed', { metadata: { doomed: 3 } });
    expect((await cloudinary.api.resource('smd/doomed')).metadata).toMatchObject({ doomed: 3 });
    expect(await cloudinary.api.delete_metadata_field('doomed')).toEqual({ message: 'ok' });
    expect(await adminError(cloudinary.api.metadata_field_by_field_id('doomed'))).toMatchObject({ http_code: 404 });
    expect((await cloudinary.api.resource('smd/doomed')).metadata).not.toHaveProperty('doomed');
    expect(await adminError(cloudinary.api.add_metadata_field({ external_id: 'doomed', label: 'again', type: 'integer' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('external id doomed already exists'),
    });
    expect(await adminError(cloudinary.api.delete_metadata_field('doomed'))).toMatchObject({ http_code: 404 });
  });

  it('needs Basic credentials of the cloud', async () => {
    const response = await fetch(`${cluster.baseUrl}/v1_1/demo/metadata_fields`);
    expect(response.status).toBe(401);
    const wrong = await fetch(`${cluster.baseUrl}/v1_1/demo/metadata_fields`, {
      headers: { authorization: `Basic ${Buffer.from('nobody:secret').toString('base64')}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${cluster.baseUrl}/v1_1/demo/metadata_fields`, { headers: { authorization: basic() } });
    expect(right.status).toBe(200);
  });
});

describe('metadata on upload', () => {
  it('stores typed values (ints coerced, defaults applied) and returns them in the resource JSON', async () => {
    const result = await upload('smd/full', {
      metadata: { title: 'Hello|there=you', stock: '42', released: '2021-06-01', color: 'green', palette: ['red', 'blue'] },
    });
    const expected = { title: 'Hello|there=you', stock: 42, released: '2021-06-01', color: 'green', palette: ['red', 'blue'], channel: 'web' };
    expect(result.metadata).toEqual(expected);
    const keys = Object.keys(result);
    expect(keys.indexOf('metadata')).toBeGreaterThan(keys.indexOf('display_name'));
    expect(keys.indexOf('metadata')).toBeLessThan(keys.indexOf('api_key'));
    expect(cloudinary.utils.verify_api_response_signature(result.public_id, result.version, result.signature)).toBe(true);
    expect((await cloudinary.api.resource('smd/full')).metadata).toEqual(expected);
    // An integer given as a number travels the same way.
    expect((await upload('smd/number', { metadata: { stock: 7 } })).metadata).toMatchObject({ stock: 7 });
  });

  it('gives an asset uploaded without metadata only the defaults', async () => {
    expect((await upload('smd/plain')).metadata).toEqual({ channel: 'web' });
  });

  it.each([
    ['an unknown field', { nope: 'x' }, 'nope'],
    ['a non-integer', { stock: 'lots' }, 'stock'],
    ['an integer out of range', { stock: 100 }, 'stock'],
    ['a badly formatted date', { released: '06/01/2021' }, 'released'],
    ['a date failing validation', { released: '1999-12-31' }, 'released'],
    ['a string too long', { title: 'x'.repeat(21) }, 'title'],
    ['an enum value outside the datasource', { color: 'purple' }, 'color'],
    ['a set value outside the datasource', { palette: ['red', 'purple'] }, 'palette'],
  ])('refuses %s with a 400 naming the field', async (_name, metadata, fieldId) => {
    await expect(upload(`smd/invalid-${fieldId}`, { metadata })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining(`Metadata field ${fieldId}`),
    });
    await expect(cloudinary.api.resource(`smd/invalid-${fieldId}`)).rejects.toMatchObject({ error: { http_code: 404 } });
  });

  it('drops invalid values with clear_invalid', async () => {
    const result = await upload('smd/cleared', { metadata: { stock: 'lots', color: 'purple', title: 'Kept', nope: 'x' }, clear_invalid: true });
    expect(result.metadata).toEqual({ title: 'Kept', channel: 'web' });
  });

  it('refuses an upload that leaves a mandatory field without a value', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'sku', label: 'SKU', type: 'string', mandatory: true });
    try {
      await expect(upload('smd/no-sku')).rejects.toMatchObject({ http_code: 400, message: expect.stringContaining('Metadata field sku') });
      expect((await upload('smd/with-sku', { metadata: { sku: 'A-1' } })).metadata).toMatchObject({ sku: 'A-1' });
    } finally {
      await cloudinary.api.delete_metadata_field('sku');
    }
  });

  it('sends metadata as the SDK encodes it, signed', async () => {
    const params = cloudinary.utils.build_upload_params({ metadata: { palette: ['red', 'green'], stock: 5 } });
    expect(params.metadata).toBe('palette=["red","green"]|stock=5');
  });
});

describe('metadata on explicit, rename and update_metadata', () => {
  it('explicit merges the given fields and clears empty ones', async () => {
    await upload('smd/explicit', { metadata: { title: 'First', stock: 1 } });
    const result = (await cloudinary.uploader.explicit('smd/explicit', {
      type: 'upload',
      metadata: { stock: '9', color: 'red', title: '' },
    })) as Result;
    expect(result.metadata).toEqual({ stock: 9, color: 'red', channel: 'web' });
    expect((await cloudinary.api.resource('smd/explicit')).metadata).toEqual({ stock: 9, color: 'red', channel: 'web' });
    await expect(cloudinary.uploader.explicit('smd/explicit', { type: 'upload', metadata: { released: 'tomorrow' } })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Metadata field released'),
    });
  });

  it('rename carries the metadata', async () => {
    await upload('smd/rename-from', { metadata: { color: 'blue' } });
    const renamed = await cloudinary.uploader.rename('smd/rename-from', 'smd/rename-to');
    expect(renamed.metadata).toEqual({ color: 'blue', channel: 'web' });
  });

  it('update_metadata sets the values on every listed asset that exists', async () => {
    await Promise.all(['smd/bulk-1', 'smd/bulk-2', 'smd/bulk-3'].map((id) => upload(id, { metadata: { title: 'Old' } })));
    const result = await cloudinary.uploader.update_metadata({ stock: 12, palette: ['green'] }, [
      'smd/bulk-1',
      'smd/bulk-2',
      'smd/bulk-missing',
      'smd/bulk-3',
    ]);
    expect(result).toEqual({ public_ids: ['smd/bulk-1', 'smd/bulk-2', 'smd/bulk-3'] });
    for (const id of ['smd/bulk-1', 'smd/bulk-2', 'smd/bulk-3']) {
      expect((await cloudinary.api.resource(id)).metadata).toEqual({ title: 'Old', stock: 12, palette: ['green'], channel: 'web' });
    }
    const listed = (await cloudinary.api.resources({ prefix: 'smd/bulk-', metadata: true })) as { resources: Array<{ metadata?: unknown }> };
    expect(listed.resources.map((item) => item.metadata)).toEqual(Array(3).fill({ title: 'Old', stock: 12, palette: ['green'], channel: 'web' }));
    const plain = (await cloudinary.api.resources({ prefix: 'smd/bulk-' })) as { resources: Array<Record<string, unknown>> };
    expect(plain.resources[0]).not.toHaveProperty('metadata');
  });

  it('update_metadata refuses invalid values (changing nothing), or clears them with clear_invalid', async () => {
    await upload('smd/upd', { metadata: { stock: 3, title: 'Keep' } });
    await expect(cloudinary.uploader.update_metadata({ stock: 500, title: 'New' }, ['smd/upd'])).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Metadata field stock'),
    });
    expect((await cloudinary.api.resource('smd/upd')).metadata).toEqual({ stock: 3, title: 'Keep', channel: 'web' });
    expect(await cloudinary.uploader.update_metadata({ stock: 500, title: 'New' }, ['smd/upd'], { clear_invalid: true })).toEqual({
      public_ids: ['smd/upd'],
    });
    expect((await cloudinary.api.resource('smd/upd')).metadata).toEqual({ title: 'New', channel: 'web' });
  });

  it('update_metadata needs metadata and public_ids', async () => {
    const post = async (body: Record<string, unknown>) => {
      const response = await fetch(`${cluster.baseUrl}/v1_1/demo/image/metadata`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basic() },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    expect(await post({ public_ids: ['smd/upd'] })).toEqual({ status: 400, body: { error: { message: 'Missing required parameter - metadata' } } });
    expect(await post({ metadata: 'stock=4' })).toEqual({ status: 400, body: { error: { message: 'Missing required parameter - public_ids' } } });
    expect(await post({ metadata: 'stock=4', public_ids: ['smd/upd'] })).toEqual({ status: 200, body: { public_ids: ['smd/upd'] } });
    const unsigned = await fetch(`${cluster.baseUrl}/v1_1/demo/image/metadata`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: 'stock=4', public_ids: ['smd/upd'] }),
    });
    expect(unsigned.status).toBe(401);
  });
});

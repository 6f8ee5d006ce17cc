import { sql } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudinarySdk } from '@rendition/testing';
import { sdkFor, startTestCluster, type TestCluster } from './support/test-cluster.ts';

type Result = Record<string, unknown> & { public_id: string; version: number; signature: string };
type Entry = { external_id: string; value: string; state: string };
type FieldJson = { external_id: string; label: string; type: string; datasource?: { values: Entry[] } };
// The typed SDK subset of @rendition/testing lacks the two order calls; the SDK itself has them.
type OrderApi = {
  order_metadata_field_datasource(externalId: string, orderBy: string, direction?: string): Promise<{ values: Entry[] }>;
  reorder_metadata_fields(orderBy: string, direction?: string): Promise<{ metadata_fields: FieldJson[] }>;
};

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
const orderApi = () => cloudinary.api as unknown as OrderApi;
const datasourceOf = async (externalId: string) => ((await cloudinary.api.metadata_field_by_field_id(externalId)) as FieldJson).datasource!.values;
const listedFields = async () => ((await cloudinary.api.list_metadata_fields()) as { metadata_fields: FieldJson[] }).metadata_fields;
const basic = () => `Basic ${Buffer.from(`${cluster.credentials.apiKey}:${cluster.credentials.apiSecret}`).toString('base64')}`;

describe('metadata fields (Admin API)', () => {
  it('creates, reads and lists a field of each type', async () => {
    const created = await cloudinary.api.add_metadata_field({ external_id: 'crud_string', label: 'S', type: 'string', default_value: 'x' });
    expect(created).toEqual({
      type: 'string',
      external_id: 'crud_string',
      label: 'S',
      mandatory: false,
      default_value: 'x',
      validation: null,
      allow_dynamic_list_values: false,
    });
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
      allow_dynamic_list_values: false,
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
    expect(updated).toEqual({
      type: 'string',
      external_id: 'crud_update',
      label: 'After',
      mandatory: true,
      default_value: 'dflt',
      validation: null,
      allow_dynamic_list_values: false,
    });
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

  it('deletes a field: its values leave the assets, kept backups included, and its external_id can be used again', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'doomed', label: 'doomed', type: 'integer' });
    await upload('smd/doomed', { metadata: { doomed: 3 } });
    await upload('smd/doomed-destroyed', { metadata: { doomed: 4 } });
    await cloudinary.uploader.destroy('smd/doomed-destroyed');
    expect((await cloudinary.api.resource('smd/doomed')).metadata).toMatchObject({ doomed: 3 });
    expect(await cloudinary.api.delete_metadata_field('doomed')).toEqual({ message: 'ok' });
    expect(await adminError(cloudinary.api.metadata_field_by_field_id('doomed'))).toMatchObject({ http_code: 404 });
    expect((await cloudinary.api.resource('smd/doomed')).metadata).not.toHaveProperty('doomed');
    expect(await adminError(cloudinary.api.delete_metadata_field('doomed'))).toMatchObject({ http_code: 404 });
    // A write typed against the field before its delete (an ingest job in flight) lands after it.
    await cluster.cluster.services.db
      .updateTable('assets')
      .set({ metadata: sql`metadata || '{"doomed": 9}'::jsonb` })
      .where('public_id', '=', 'smd/doomed')
      .execute();

    // Re-created with another type: a fresh field at the end of the order, holding no old value.
    const again = await cloudinary.api.add_metadata_field({ external_id: 'doomed', label: 'Again', type: 'set', datasource: { values: colors } });
    expect(again).toEqual({
      type: 'set',
      external_id: 'doomed',
      label: 'Again',
      mandatory: false,
      default_value: null,
      validation: null,
      datasource: { values: colors.map((entry) => ({ ...entry, state: 'active' })) },
      allow_dynamic_list_values: false,
    });
    expect((await listedFields()).at(-1)).toEqual(again);
    expect((await cloudinary.api.resource('smd/doomed')).metadata).not.toHaveProperty('doomed');
    const restored = (await cloudinary.api.restore(['smd/doomed-destroyed'])) as Record<string, Record<string, unknown>>;
    expect(restored['smd/doomed-destroyed']).not.toHaveProperty('metadata.doomed');
    expect((await cloudinary.api.resource('smd/doomed-destroyed')).metadata).not.toHaveProperty('doomed');
    await expect(cloudinary.uploader.update_metadata({ doomed: '5' }, ['smd/doomed'])).rejects.toMatchObject({ http_code: 400 });
    await cloudinary.uploader.update_metadata({ doomed: ['blue'] }, ['smd/doomed']);
    expect((await cloudinary.api.resource('smd/doomed')).metadata).toMatchObject({ doomed: ['blue'] });
    expect(await adminError(cloudinary.api.add_metadata_field({ external_id: 'doomed', label: 'thrice', type: 'string' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('external id doomed already exists'),
    });
    await cloudinary.api.delete_metadata_field('doomed');
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

describe('dynamic list values (allow_dynamic_list_values)', () => {
  it('adds a value that names no entry to the datasource as a new active entry, which the asset then holds', async () => {
    const created = await cloudinary.api.add_metadata_field({
      external_id: 'dyn_tags',
      label: 'Dyn tags',
      type: 'set',
      datasource: { values: colors },
      allow_dynamic_list_values: true,
    });
    expect(created).toMatchObject({ type: 'set', allow_dynamic_list_values: true });
    expect(Object.keys(created).at(-1)).toBe('allow_dynamic_list_values');

    const uploaded = await upload('smd/dyn', { metadata: { dyn_tags: ['red', 'Purple', 'Teal', 'Purple'] } });
    const entries = await datasourceOf('dyn_tags');
    expect(entries.slice(0, 3)).toEqual(colors.map((entry) => ({ ...entry, state: 'active' })));
    expect(entries.slice(3)).toEqual([
      { external_id: expect.stringMatching(/^[0-9a-f]{16}$/), value: 'Purple', state: 'active' },
      { external_id: expect.stringMatching(/^[0-9a-f]{16}$/), value: 'Teal', state: 'active' },
    ]);
    const [purple, teal] = entries.slice(3).map((entry) => entry.external_id);
    expect(uploaded.metadata).toMatchObject({ dyn_tags: ['red', purple, teal] });
    expect((await cloudinary.api.resource('smd/dyn')).metadata).toMatchObject({ dyn_tags: ['red', purple, teal] });

    // The value names its entry from now on (as its external_id does): no second entry.
    expect(await cloudinary.uploader.update_metadata({ dyn_tags: ['Teal', purple!] }, ['smd/dyn'])).toEqual({ public_ids: ['smd/dyn'] });
    expect(await datasourceOf('dyn_tags')).toHaveLength(5);
    expect((await cloudinary.api.resource('smd/dyn')).metadata).toMatchObject({ dyn_tags: [teal, purple] });

    // Concurrent writers adding the same value leave one entry, which every asset holds.
    const ids = ['smd/dyn-1', 'smd/dyn-2', 'smd/dyn-3', 'smd/dyn-4'];
    await Promise.all(ids.map((id) => upload(id)));
    await Promise.all(ids.map((id) => cloudinary.uploader.update_metadata({ dyn_tags: ['Amber'] }, [id])));
    const amber = (await datasourceOf('dyn_tags')).filter((entry) => entry.value === 'Amber');
    expect(amber).toHaveLength(1);
    for (const id of ids) expect((await cloudinary.api.resource(id)).metadata).toMatchObject({ dyn_tags: [amber[0]!.external_id] });

    // An inactive entry stays refused, by external_id or by value: it is not re-added.
    await cloudinary.api.delete_datasource_entries('dyn_tags', ['green']);
    await expect(cloudinary.uploader.update_metadata({ dyn_tags: ['Green'] }, ['smd/dyn'])).rejects.toMatchObject({ http_code: 400 });
    expect(await datasourceOf('dyn_tags')).toHaveLength(6);
    await cloudinary.api.delete_metadata_field('dyn_tags');
  });

  it('works on an enum field through explicit, and is turned on and off by update_metadata_field', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'dyn_kind', label: 'Dyn kind', type: 'enum', datasource: { values: colors } });
    await upload('smd/dyn-kind');
    // Without the flag the refusal stays, and nothing is added.
    await expect(cloudinary.uploader.update_metadata({ dyn_kind: 'Lilac' }, ['smd/dyn-kind'])).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining("Metadata field dyn_kind: 'Lilac' is not an external_id of the field's datasource"),
    });
    expect(await datasourceOf('dyn_kind')).toHaveLength(3);

    expect(await cloudinary.api.update_metadata_field('dyn_kind', { allow_dynamic_list_values: true })).toMatchObject({
      label: 'Dyn kind',
      allow_dynamic_list_values: true,
    });
    expect(await cloudinary.api.metadata_field_by_field_id('dyn_kind')).toMatchObject({ allow_dynamic_list_values: true });
    const explicit = (await cloudinary.uploader.explicit('smd/dyn-kind', { type: 'upload', metadata: { dyn_kind: 'Lilac' } })) as Result;
    const lilac = (await datasourceOf('dyn_kind')).find((entry) => entry.value === 'Lilac');
    expect(lilac).toMatchObject({ state: 'active' });
    expect(explicit.metadata).toMatchObject({ dyn_kind: lilac!.external_id });

    // A request refused for another reason adds nothing.
    await expect(upload('smd/dyn-refused', { metadata: { dyn_kind: 'Olive', stock: 'lots' } })).rejects.toMatchObject({
      http_code: 400,
      message: expect.stringContaining('Metadata field stock'),
    });
    expect((await datasourceOf('dyn_kind')).map((entry) => entry.value)).not.toContain('Olive');

    await cloudinary.api.update_metadata_field('dyn_kind', { allow_dynamic_list_values: false });
    await expect(cloudinary.uploader.update_metadata({ dyn_kind: 'Olive' }, ['smd/dyn-kind'])).rejects.toMatchObject({ http_code: 400 });
    expect(await adminError(cloudinary.api.update_metadata_field('dyn_kind', { allow_dynamic_list_values: 'yes' }))).toMatchObject({
      http_code: 400,
      message: expect.stringContaining('allow_dynamic_list_values is invalid'),
    });
    await cloudinary.api.delete_metadata_field('dyn_kind');
  });
});

describe('order_metadata_field_datasource', () => {
  it('sorts the datasource by value both ways and answers the active entries', async () => {
    await cloudinary.api.add_metadata_field({
      external_id: 'ord_ds',
      label: 'Ordered',
      type: 'set',
      datasource: {
        values: [
          { external_id: 'b', value: 'banana' },
          { external_id: 'a', value: 'Apple' },
          { external_id: 'c', value: 'cherry' },
          { external_id: 'p', value: 'apricot' },
        ],
      },
    });
    await cloudinary.api.delete_datasource_entries('ord_ds', ['c']);
    const active = (...pairs: Array<[string, string]>) => ({ values: pairs.map(([external_id, value]) => ({ external_id, value, state: 'active' })) });

    expect(await orderApi().order_metadata_field_datasource('ord_ds', 'value', 'asc')).toEqual(
      active(['a', 'Apple'], ['p', 'apricot'], ['b', 'banana']),
    );
    expect((await datasourceOf('ord_ds')).map((entry) => entry.external_id)).toEqual(['a', 'p', 'b', 'c']);
    expect(await orderApi().order_metadata_field_datasource('ord_ds', 'value', 'desc')).toEqual(
      active(['b', 'banana'], ['p', 'apricot'], ['a', 'Apple']),
    );
    expect((await datasourceOf('ord_ds')).map((entry) => entry.external_id)).toEqual(['c', 'b', 'p', 'a']);
    // direction is optional: ascending.
    expect((await orderApi().order_metadata_field_datasource('ord_ds', 'value')).values.map((entry) => entry.external_id)).toEqual(['a', 'p', 'b']);

    expect(await adminError(orderApi().order_metadata_field_datasource('ord_ds', 'external_id', 'asc'))).toMatchObject({
      http_code: 400,
      message: 'order_by is invalid: "external_id"; expected value',
    });
    expect(await adminError(orderApi().order_metadata_field_datasource('ord_ds', 'value', 'up'))).toMatchObject({
      http_code: 400,
      message: 'direction is invalid: "up"; expected asc or desc',
    });
    expect(await adminError(orderApi().order_metadata_field_datasource('title', 'value', 'asc'))).toMatchObject({ http_code: 400 });
    expect(await adminError(orderApi().order_metadata_field_datasource('no_such_field', 'value', 'asc'))).toMatchObject({ http_code: 404 });
    const missing = await fetch(`${cluster.baseUrl}/v1_1/demo/metadata_fields/ord_ds/datasource/order`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: basic() },
      body: JSON.stringify({ direction: 'asc' }),
    });
    expect({ status: missing.status, body: await missing.json() }).toEqual({
      status: 400,
      body: { error: { message: 'Missing required parameter - order_by' } },
    });
    await cloudinary.api.delete_metadata_field('ord_ds');
  });
});

describe('api.update with metadata', () => {
  it('sets a set field from an array, as the SDK encodes it', async () => {
    await upload('smd/api-update', { metadata: { stock: 2 } });
    const updated = await cloudinary.api.update('smd/api-update', { metadata: { palette: ['red', 'blue'], color: 'green' } });
    const expected = { stock: 2, palette: ['red', 'blue'], color: 'green', channel: 'web' };
    expect(updated.metadata).toEqual(expected);
    expect((await cloudinary.api.resource('smd/api-update')).metadata).toEqual(expected);
    await cloudinary.api.update('smd/api-update', { metadata: { palette: [] } });
    expect((await cloudinary.api.resource('smd/api-update')).metadata).toEqual({ stock: 2, color: 'green', channel: 'web' });
    await expect(cloudinary.api.update('smd/api-update', { metadata: { palette: ['red', 'purple'] } })).rejects.toMatchObject({
      error: { http_code: 400, message: expect.stringContaining('Metadata field palette') },
    });
  });
});

// Last: it rewrites the order every earlier listing relies on.
describe('reorder_metadata_fields', () => {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const byLabel = (a: FieldJson, b: FieldJson) =>
    cmp(a.label.toLowerCase(), b.label.toLowerCase()) || cmp(a.label, b.label) || cmp(a.external_id, b.external_id);
  const byId = (a: FieldJson, b: FieldJson) => cmp(a.external_id, b.external_id);

  it('rewrites the order by label, external_id or created_at, both ways; list_metadata_fields follows', async () => {
    await cloudinary.api.add_metadata_field({ external_id: 'zz_first', label: 'alpha', type: 'string' });
    await cloudinary.api.add_metadata_field({ external_id: 'aa_second', label: 'Zulu', type: 'string' });
    await cloudinary.api.add_metadata_field({ external_id: 'mm_third', label: 'Alpha', type: 'string' });
    // Before any reorder the list is in creation order.
    const fields = await listedFields();
    const created = fields.map((field) => field.external_id);
    expect(created.slice(-3)).toEqual(['zz_first', 'aa_second', 'mm_third']);
    const expected = {
      label: fields.toSorted(byLabel).map((field) => field.external_id),
      external_id: fields.toSorted(byId).map((field) => field.external_id),
      created_at: created,
    };
    expect(expected.label.indexOf('mm_third')).toBe(expected.label.indexOf('zz_first') - 1);

    for (const orderBy of ['label', 'external_id', 'created_at'] as const) {
      for (const direction of ['asc', 'desc'] as const) {
        const order = direction === 'asc' ? expected[orderBy] : expected[orderBy].toReversed();
        const answer = await orderApi().reorder_metadata_fields(orderBy, direction);
        expect(answer.metadata_fields.map((field) => field.external_id)).toEqual(order);
        expect(answer.metadata_fields).toEqual((await listedFields()).map((field) => expect.objectContaining(field)));
        expect((await listedFields()).map((field) => field.external_id)).toEqual(order);
      }
    }

    // direction defaults to asc; a field created after a reorder comes last.
    expect((await orderApi().reorder_metadata_fields('label')).metadata_fields.map((field) => field.external_id)).toEqual(expected.label);
    await cloudinary.api.add_metadata_field({ external_id: 'order', label: 'AAA', type: 'string' });
    expect((await listedFields()).at(-1)?.external_id).toBe('order');
    // `metadata_fields/order` is the reorder call only for PUT: a field named "order" is still read and deleted.
    expect(await cloudinary.api.metadata_field_by_field_id('order')).toMatchObject({ label: 'AAA' });
    expect(await cloudinary.api.delete_metadata_field('order')).toEqual({ message: 'ok' });

    expect(await adminError(orderApi().reorder_metadata_fields('position', 'asc'))).toMatchObject({
      http_code: 400,
      message: 'order_by is invalid: "position"; expected label, external_id, created_at',
    });
    expect(await adminError(orderApi().reorder_metadata_fields('label', 'sideways'))).toMatchObject({
      http_code: 400,
      message: 'direction is invalid: "sideways"; expected asc or desc',
    });
    expect(await adminError(orderApi().reorder_metadata_fields(''))).toMatchObject({
      http_code: 400,
      message: 'Missing required parameter - order_by',
    });
  });
});
